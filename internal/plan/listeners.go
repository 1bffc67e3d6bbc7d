package plan

import (
	"fmt"
	"slices"
)

// What Elastic Load Balancing refuses in an update that CloudFormation accepts, because
// CloudFormation creates new resources before it deletes the ones they replace:
//
//   - a second listener on a load balancer's port (DuplicateListener): a listener renamed in
//     the spec, or one that moves from the cluster stack to a service's stack (a service turned
//     to CodeDeploy gets listeners of its own) while the old one is still there;
//   - a target group on a second load balancer (a target group belongs to one load balancer:
//     TargetGroupAssociationLimit): a service moved to another load balancer keeps its target
//     group, and its new rule (or listener) is created while the old one still ties the group
//     to the first load balancer.
//
// Both compare load balancers across stacks: a service stack names its load balancer and
// listener through the cluster stack's exports, which loadBalancerOf follows.

const (
	listenerType     = "AWS::ElasticLoadBalancingV2::Listener"
	listenerRuleType = "AWS::ElasticLoadBalancingV2::ListenerRule"
	loadBalancerType = "AWS::ElasticLoadBalancingV2::LoadBalancer"
)

// loadBalancerOf is the load balancer a LoadBalancerArn or ListenerArn value of stack s names:
// "stack/LogicalId" of the load balancer resource, following Refs to listeners and imports to
// the stacks that export them; a literal ARN as it is; "" when it cannot be told.
func loadBalancerOf(out *envOutput, exps map[string]export, s *stack, v any) string {
	for range 4 { // a rule's listener, the listener's load balancer, each possibly imported
		if m, ok := v.(map[string]any); ok && len(m) == 1 {
			if name, ok := m["Fn::ImportValue"].(string); ok {
				e, found := exps[name]
				if !found || out.byName[e.stack] == nil {
					return ""
				}
				s, v = out.byName[e.stack], e.value
				continue
			}
		}
		id := refersTo(v)
		if id == "" {
			if arn, ok := v.(string); ok {
				return arn
			}
			return ""
		}
		r := s.Template().Resources[id]
		switch {
		case r == nil:
			return ""
		case r.Type == loadBalancerType:
			return s.Name + "/" + id
		case r.Type == listenerType:
			v = resolved(s, r).Properties["LoadBalancerArn"]
		default:
			return ""
		}
	}
	return ""
}

// holder is a resource of the previous output that holds something a new resource needs.
type holder struct{ stack, id string }

// releasedFor says whether the previous output's resource h is gone by the time stack is
// updated: removed or replaced in an earlier stack (in the order deploy.sh takes). A stack the
// spec no longer generates is never deleted by deploy.sh; one in the same stack is deleted
// after the new resources are created.
func (c *comparison) releasedFor(h holder, stack string) bool {
	if c.new.byName[h.stack] == nil || h.stack == stack {
		return false
	}
	hc := c.get(h.stack, h.id)
	return hc != nil && (hc.outcome == Remove || hc.replaced) && c.exportsReleasedBefore(h.stack, stack)
}

// listenerPorts blocks a listener created on a port of a load balancer that a listener of the
// previous output still holds when it is created.
func (c *comparison) listenerPorts() {
	var held map[string]holder // worked out when a change needs it
	var newExps map[string]export
	for _, ch := range c.all() {
		if ch.new == nil || ch.new.Type != listenerType || (ch.outcome != Add && !ch.replaced) {
			continue
		}
		if held == nil {
			held, newExps = map[string]holder{}, exportsOf(c.new)
			oldExps := exportsOf(c.old)
			for _, s := range c.old.Stacks {
				for id, r := range s.Template().Resources {
					if r.Type != listenerType {
						continue
					}
					p := resolved(s, r).Properties
					if lb := loadBalancerOf(c.old, oldExps, s, p["LoadBalancerArn"]); lb != "" {
						held[fmt.Sprintf("%s\x00%v", lb, p["Port"])] = holder{s.Name, id}
					}
				}
			}
		}
		lb := loadBalancerOf(c.new, newExps, c.new.byName[ch.stack], ch.new.Properties["LoadBalancerArn"])
		h, taken := held[fmt.Sprintf("%s\x00%v", lb, ch.new.Properties["Port"])]
		if lb == "" || !taken || (h.stack == ch.stack && h.id == ch.id) || c.releasedFor(h, ch.stack) {
			continue
		}
		ch.raise(Blocked,
			fmt.Sprintf("port %v of its load balancer is taken (DuplicateListener): listener %s of stack %s holds it when this one is created", ch.new.Properties["Port"], h.id, h.stack),
			"remove the old listener (or the service that brings it) in a deploy of its own first (deploy.sh --prune deletes a stack the spec no longer generates before anything else), or give this listener another port")
	}
}

// forwardsTo lists the target groups (logical ids of the stack) a rule's actions or a
// listener's default actions forward to.
func forwardsTo(r *resource) []string {
	actions, _ := r.Properties["Actions"].([]any)
	if r.Type == listenerType {
		actions, _ = r.Properties["DefaultActions"].([]any)
	}
	var out []string
	for _, a := range actions {
		am, _ := a.(map[string]any)
		if id := forwardedGroup(am["TargetGroupArn"]); id != "" {
			out = append(out, id)
		}
		fc, _ := am["ForwardConfig"].(map[string]any)
		groups, _ := fc["TargetGroups"].([]any)
		for _, g := range groups {
			gm, _ := g.(map[string]any)
			if id := forwardedGroup(gm["TargetGroupArn"]); id != "" {
				out = append(out, id)
			}
		}
	}
	return out
}

// forwardedGroup is the target group a TargetGroupArn names: a Ref, or the first branch of the
// Fn::If that blue/green services forward with (both groups are the service's, and move
// together: one of them is enough to tell).
func forwardedGroup(v any) string {
	if id := refersTo(v); id != "" {
		return id
	}
	if m, ok := v.(map[string]any); ok {
		if branches, ok := m["Fn::If"].([]any); ok && len(branches) == 3 {
			return refersTo(branches[1])
		}
	}
	return ""
}

// targetGroupLoadBalancers blocks a rule or listener that puts a target group kept from the
// previous output on another load balancer than the one a rule or listener of the previous
// output still ties it to when it is created.
func (c *comparison) targetGroupLoadBalancers() {
	var oldExps, newExps map[string]export
	for _, ch := range c.all() {
		if ch.new == nil || (ch.new.Type != listenerRuleType && ch.new.Type != listenerType) || (ch.outcome != Add && !ch.replaced) {
			continue
		}
		os, ns := c.old.byName[ch.stack], c.new.byName[ch.stack]
		if os == nil {
			continue // a new stack's target groups are new
		}
		if oldExps == nil {
			oldExps, newExps = exportsOf(c.old), exportsOf(c.new)
		}
		lb := loadBalancerOf(c.new, newExps, ns, ch.new.Properties["ListenerArn"])
		if ch.new.Type == listenerType {
			lb = loadBalancerOf(c.new, newExps, ns, ch.new.Properties["LoadBalancerArn"])
		}
		for _, group := range forwardsTo(ch.new) {
			if os.Template().Resources[group] == nil {
				continue // a new group
			}
			if gc := c.get(ch.stack, group); gc != nil && gc.replaced {
				continue // a new group under the same name
			}
			for _, id := range sortedKeys(os.Template().Resources) {
				r := resolved(os, os.Template().Resources[id])
				if r.Type != listenerRuleType && r.Type != listenerType {
					continue
				}
				oldLB := loadBalancerOf(c.old, oldExps, os, r.Properties["ListenerArn"])
				if r.Type == listenerType {
					oldLB = loadBalancerOf(c.old, oldExps, os, r.Properties["LoadBalancerArn"])
				}
				if oldLB == "" || lb == "" || oldLB == lb || !slices.Contains(forwardsTo(r), group) {
					continue
				}
				ch.raise(Blocked,
					fmt.Sprintf("target group %s is on another load balancer through %s until CloudFormation deletes that, after creating this one, and a target group belongs to one load balancer (TargetGroupAssociationLimit)", group, id),
					"move the service in two deploys: first onto no load balancer (or another target port, which gives it new target groups), then onto the new one")
			}
		}
	}
}

// blueGreenEnds notes, on a service that stops deploying blue/green (its stack keeps
// TargetGroup and removes AlternateTargetGroup), that production traffic may be on the group it
// removes: after a release, the live group is the alternate one half of the time, and the
// update points the rule at TargetGroup before the rolling deployment's tasks are in it.
func (c *comparison) blueGreenEnds() {
	for _, ch := range c.all() {
		if ch.outcome != Remove || ch.id != "AlternateTargetGroup" || ch.typ != "AWS::ElasticLoadBalancingV2::TargetGroup" {
			continue
		}
		if ns := c.new.byName[ch.stack]; ns == nil || ns.Template().Resources["TargetGroup"] == nil {
			continue // the service leaves its load balancer
		}
		ch.raise(Remove,
			"production traffic may be on this group (a blue/green release moves it to the alternate group): the update points the rule at TargetGroup before the rolling deployment's tasks are in it, and the load balancer answers 503 until they are healthy",
			"make the change while TargetGroup is live (deploy.sh passed LiveTargetGroup=TargetGroup on its last run; aws elbv2 describe-rules on the service's rule shows it); otherwise release once more as blue/green first")
	}
}
