package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/schema"
)

// Additional targets of a service (loadBalancer.additionalTargets): further ports behind the
// service's load balancer, each with a target group and a listener rule of its own. ECS takes at
// most 5 target groups per service (R80); a blue/green deployment moves one target group pair,
// CodeDeploy's exactly one (R49), so additional targets need the rolling strategy (R81). The
// rules of the service's own target (R33, R34, R71, priorities) apply to each of them too.

func init() { rules = append(rules, checkAdditionalTargets) }

// maxServiceTargetGroups is how many target groups one ECS service may register its tasks in
// (LoadBalancers of CreateService: "up to 5 target groups").
const maxServiceTargetGroups = 5

// listenerRuleOf is one listener rule a service's target adds to a shared listener.
type listenerRuleOf struct {
	who, path string
	rule      schema.ListenerRule
	priority  int
}

func checkAdditionalTargets(c *checker) {
	s := c.spec
	dedicated := s.DedicatedListeners()
	// Every rule on each shared listener, the services' own and their additional targets', to
	// find the priorities an additional target takes from another rule (the collisions among
	// the services' own rules are checkServiceLoadBalancers').
	onListener := map[[2]string][]listenerRuleOf{}
	for _, name := range sortedKeys(s.Services) {
		slb := s.Services[name].LoadBalancer
		if slb == nil {
			continue
		}
		for _, l := range []string{slb.Listener, slb.TestListener} {
			if _, own := dedicated[[2]string{slb.Name, l}]; l != "" && !own {
				key := [2]string{slb.Name, l}
				onListener[key] = append(onListener[key], listenerRuleOf{"service " + name, "", slb.Rule, generators.RulePriority(slb.Name, l, name, slb.Rule)})
			}
		}
	}
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		slb := svc.LoadBalancer
		if slb == nil || len(slb.AdditionalTargets) == 0 {
			continue
		}
		p := "services." + name + ".loadBalancer.additionalTargets"
		if n := 1 + len(slb.AdditionalTargets); n > maxServiceTargetGroups {
			c.errorf("R80", p, fmt.Sprintf("keep at most %d additional targets, or move ports to a service of their own", maxServiceTargetGroups-1),
				"the service would register its tasks in %d target groups; ECS allows %d per service", n, maxServiceTargetGroups)
		}
		if st := svc.Deployment.Strategy; st != schema.Rolling {
			c.errorf("R81", p, `use strategy "rolling", or give the other ports services of their own`,
				"a %s deployment moves the traffic of one target group pair (CodeDeploy takes exactly one target group per service, R49), so a service with additional targets must deploy rolling", st)
		}
		lb, ok := s.LoadBalancers[slb.Name]
		if !ok {
			continue // reported at loadBalancer.name
		}
		if lb.Type != "application" {
			c.errorf("", p, "use an application load balancer, or a service of its own for each port behind the network load balancer",
				"additional targets are selected by listener rules, which a %s load balancer has not", lb.Type)
			continue
		}
		primaryContainer, primaryPort := s.Target(svc)
		for _, k := range sortedKeys(slb.AdditionalTargets) {
			at := slb.AdditionalTargets[k]
			tp := p + "." + k
			target := at.AsLoadBalancer(slb.Name, primaryContainer)
			if _, ok := lb.Listeners[at.Listener]; !ok {
				c.errorf("R33", tp+".listener", "use one of: "+strings.Join(sortedKeys(lb.Listeners), ", "), "%q is not a listener of load balancer %s", at.Listener, slb.Name)
				continue
			}
			key := [2]string{slb.Name, at.Listener}
			if other, own := dedicated[key]; own {
				c.errorf("R33", tp+".listener", "use another listener",
					"listener %s forwards all its traffic to service %s (a CodeDeploy listener), so it takes no rules", at.Listener, other)
				continue
			}
			switch ct, ok := svc.Containers[target.Container]; {
			case !ok:
				c.errorf("R34", tp+".container", "use one of: "+strings.Join(sortedKeys(svc.Containers), ", "), "%q is not a container of the service", target.Container)
			case !slices.ContainsFunc(ct.Ports, func(pm schema.PortMapping) bool { return pm.Container == at.Port }):
				c.errorf("R34", tp+".port", fmt.Sprintf("add {container: %d} to the ports of %s", at.Port, target.Container), "container %s has no port %d", target.Container, at.Port)
			case target.Container == primaryContainer && at.Port == primaryPort && at.Listener == slb.Listener:
				c.errorf("", tp, "leave it out: the service's own target already sends this listener's traffic to that port",
					"the target repeats the service's own listener, container and port")
			}
			if hc := at.HealthCheck; hc.Timeout >= hc.Interval {
				c.errorf("", tp+".healthCheck.timeout", "make the timeout shorter than the interval", "the health check timeout (%d s) must be shorter than its interval (%d s)", hc.Timeout, hc.Interval)
			}
			if at.HealthCheck.Port != 0 && s.NetworkMode(svc) != "awsvpc" {
				c.errorf("", tp+".healthCheck.port", "leave port out (health checks then use the traffic port), or use the awsvpc network mode",
					"a health check port of its own needs the awsvpc network mode: in %s mode the instances' host ports are not the task's", s.NetworkMode(svc))
			}
			if n := conditionValues(at.Rule); n > 5 {
				c.errorf("R71", tp+".rule", "split the rule's values over fewer conditions, or route with a broader pattern (e.g. /api/*)",
					"the rule has %d condition values (hosts, paths, source ranges and header values together); Elastic Load Balancing allows 5 per rule", n)
			}
			mine := listenerRuleOf{fmt.Sprintf("target %s of service %s", k, name), tp, at.Rule,
				generators.RulePriority(slb.Name, at.Listener, generators.AdditionalTargetRuleKey(name, k), at.Rule)}
			for _, other := range onListener[key] {
				switch {
				case other.priority == mine.priority && mine.priority == generators.CatchAllPriority && at.Rule.Priority == 0:
					c.errorf("", tp+".rule", "give one of them hosts or paths", "%s already takes every request on listener %s; this target would never get any", other.who, at.Listener)
				case other.priority == mine.priority:
					c.errorf("", tp+".rule", "set rule.priority on this target (any number no other rule of the listener uses)",
						"the priority of this rule on listener %s (%d) is also that of %s", at.Listener, mine.priority, other.who)
				}
			}
			onListener[key] = append(onListener[key], mine)
		}
	}
}
