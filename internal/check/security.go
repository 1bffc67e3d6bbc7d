package check

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/schema"
)

// Security defaults (S rules). ecsgen's output is secure by default; a spec that turns a default
// off gets a warning, which it accepts with a waiver that says why (the reason is kept in the
// stacks' metadata). The ids are documented in docs/rules.md.

func init() {
	rules = append(rules, checkSecurityDefaults)
}

var openToTheWorld = []string{"0.0.0.0/0"}

func checkSecurityDefaults(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		cp := s.Cluster.Capacity.EC2[name]
		p := "cluster.capacity.ec2." + name
		for i, r := range cp.Ingress {
			if slices.Contains(openToTheWorld, r.CIDR) {
				c.warnf("S01", fmt.Sprintf("%s.ingress[%d]", p, i), "reach the instances through a load balancer or SSM, or waive S01 with the reason",
					"port %d of the instances is open to the whole internet", r.FromPort)
			}
		}
		if cp.AssociatePublicIP {
			c.warnf("S02", p+".associatePublicIp", "use private subnets with a NAT gateway or VPC endpoints, or waive S02 with the reason",
				"instances get public IP addresses")
		}
		if cp.MetadataHopLimit > 1 {
			c.warnf("S04", p+".metadataHopLimit", "keep it at 1 unless a container must read instance metadata, and waive S04 with the reason",
				"a hop limit of %d lets containers in bridge mode reach the instance's credentials", cp.MetadataHopLimit)
		}
	}
	for _, name := range sortedKeys(s.Services) {
		if s.Services[name].AssignPublicIP {
			c.warnf("S03", "services."+name+".assignPublicIp", "run the tasks in private subnets, or waive S03 with the reason",
				"the service's tasks get public IP addresses")
		}
	}
	for _, name := range sortedKeys(s.LoadBalancers) {
		lb := s.LoadBalancers[name]
		p := "loadBalancers." + name
		if lb.Type == "application" && !lb.DropInvalidHeaderFields {
			c.warnf("S05", p+".dropInvalidHeaderFields", "leave it on, or waive S05 with the reason", "the load balancer forwards HTTP headers with invalid names")
		}
		https := false
		for _, l := range lb.Listeners {
			https = https || l.Protocol == "HTTPS"
		}
		if lb.Type == "application" && lb.Scheme == "internet-facing" && !https {
			c.warnf("S06", p+".listeners", "add an HTTPS listener with an ACM certificate (HTTP then redirects to it), or waive S06 with the reason",
				"the internet-facing load balancer serves plain HTTP only")
		}
		if !s.Ephemeral && !s.AccessLogsOn(lb) {
			c.warnf("S07", p+".accessLogs", "leave access logs on, mark a throwaway environment with ephemeral: true, or waive S07 with the reason",
				"the load balancer keeps no access logs")
		}
		if !lb.RestrictEgress {
			c.warnf("S09", p+".restrictEgress", "leave it on, or waive S09 with the reason",
				"the load balancer may open connections to any address, not only to its targets")
		}
	}
	n := s.Notifications
	if n.Topic == "" && s.UsesNotificationsTopic() {
		switch {
		case !n.Encrypt:
			c.warnf("S08", "notifications.encrypt", "leave it on, or waive S08 with the reason", "the notifications topic is not encrypted at rest")
		case n.KMSKey == "" && s.UsesAutoScalingNotifications():
			c.warnf("S08", "notifications.kmsKey", "name a customer-managed key whose policy lets cloudwatch.amazonaws.com and the AWSServiceRoleForAutoScaling role use it, or waive S08 with the reason",
				"the notifications topic is not encrypted at rest: Auto Scaling notifications publish through a service-linked role that a key created by the stack cannot name")
		}
	}
}

// waivable are the rules whose findings are warnings, which a waiver may accept
// (TestRuleLists keeps the lists equal to the ids the rules use).
var waivable = []string{"R38", "R43", "R45", "R68", "R89", "S01", "S02", "S03", "S04", "S05", "S06", "S07", "S08", "S09", "S10", "S11"}

// applyWaivers drops the findings the spec's waivers accept. A waiver of a rule that has no
// warnings, or of a path that is not in the spec, is an error: it is almost always a typo that
// silently accepts nothing. A waiver that accepts nothing is a warning (a stale waiver hides
// the next real finding of its rule).
func (c *checker) applyWaivers() {
	used := make([]bool, len(c.spec.Waivers))
	var kept diag.List
	for _, f := range c.findings {
		waived := false
		if f.Severity == diag.Warning && f.Rule != "" {
			for i, w := range c.spec.Waivers {
				if w.Covers(f.Rule, f.Path) {
					used[i], waived = true, true
				}
			}
		}
		if !waived {
			kept = append(kept, f)
		}
	}
	// The paths a waiver may name: the findings', and, only when a waiver names none of those,
	// every field of the spec (listing them encodes the whole spec, which a large spec whose
	// waivers all accept findings should not pay for).
	var paths []string
	for _, f := range c.findings {
		paths = append(paths, f.Path)
	}
	listed := false
	matches := func(path string) bool {
		if slices.ContainsFunc(paths, func(q string) bool { return within(q, path) }) {
			return true
		}
		if !listed {
			listed = true
			paths = append(specPaths(c.spec), paths...) // the order of the hint's candidates
		}
		return slices.ContainsFunc(paths, func(q string) bool { return within(q, path) })
	}
	c.findings = kept
	for i, w := range c.spec.Waivers {
		p := fmt.Sprintf("waivers[%d]", i)
		switch {
		case !slices.Contains(waivable, w.Rule):
			hint := "only warnings can be waived: " + strings.Join(waivable, ", ")
			if best := diag.Closest(w.Rule, waivable); best != "" {
				hint = "did you mean " + best + "? (" + hint + ")"
			}
			c.errorf("", p+".rule", hint, "%s has no warnings to waive: errors must be fixed, and other ids do not exist", w.Rule)
		case w.Path != "" && !matches(w.Path):
			hint := "give the path of the finding, as printed before its message"
			if best := diag.Closest(w.Path, paths); best != "" {
				hint = "did you mean " + strconv.Quote(best) + "?"
			}
			c.errorf("", p+".path", hint, "the path %q matches nothing in the spec", w.Path)
		case !used[i]:
			c.warnf("", p, "remove the waiver", "the waiver of %s accepts no finding", w.Rule)
		}
	}
}

// within reports whether path lies at or under ancestor.
func within(path, ancestor string) bool {
	return path == ancestor || strings.HasPrefix(path, ancestor+".") || strings.HasPrefix(path, ancestor+"[")
}

// specPaths lists the path of every field of the spec, defaults included.
func specPaths(s *schema.Spec) []string {
	b, err := json.Marshal(s)
	if err != nil {
		return nil
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	var out []string
	var walk func(v any, path string)
	walk = func(v any, path string) {
		if path != "" {
			out = append(out, path)
		}
		switch v := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(v) {
				if path == "" {
					walk(v[k], k)
				} else {
					walk(v[k], path+"."+k)
				}
			}
		case []any:
			for i, e := range v {
				walk(e, fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	walk(v, "")
	return out
}
