package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/schema"
)

// Load balancer and deployment rules: names and listeners (R30, R35, R36), how services attach
// (R33, R34, R37) and the deployment strategies (R49). Others hold by construction: R31 (target
// groups are named by CloudFormation, unless targetGroupNames names them: then checked), R32 (their type follows the network mode), R50 (the stack
// never changes a CodeDeploy service's task definition; deploy.sh releases through CodeDeploy),
// R52 (no circuit breaker or alarms on a CODE_DEPLOY service: alarms go to its deployment group).

func init() {
	rules = append(rules, checkLoadBalancers, checkServiceLoadBalancers, checkDeployments)
}

var albProtocols = []string{"HTTP", "HTTPS"}

func checkLoadBalancers(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.LoadBalancers) {
		lb := s.LoadBalancers[name]
		p := "loadBalancers." + name
		if lb.Name != "" {
			c.elbName("R30", p+".name", "load balancer", lb.Name)
		} else if n := generators.LoadBalancerName(s, name); strings.HasPrefix(n, "internal-") {
			c.errorf("R30", p, "rename the load balancer or the system", "the load balancer name %q starts with \"internal-\", which Elastic Load Balancing reserves", n)
		}
		subnets := len(s.LoadBalancerPlacement(lb).Subnets)
		if s.CreatesNetwork() {
			subnets = s.Network.Create.AvailabilityZones // one subnet of each kind per zone
		}
		if lb.Type == "application" && subnets < 2 {
			c.errorf("R36", p+".subnets", "give two subnets in different Availability Zones", "an application load balancer needs at least two subnets, got %d", subnets)
		}
		if len(lb.Listeners) == 0 {
			c.errorf("", p+".listeners", `e.g. listeners: https: {port: 443, protocol: "HTTPS", certificates: ["arn:aws:acm:…"]}`, "the load balancer has no listener")
		}
		ports := map[int]string{}
		for _, lname := range sortedKeys(lb.Listeners) {
			l := lb.Listeners[lname]
			lp := p + ".listeners." + lname
			if other, ok := ports[l.Port]; ok {
				c.errorf("", lp+".port", "", "port %d is already used by listener %s", l.Port, other)
			}
			ports[l.Port] = lname
			isALB := slices.Contains(albProtocols, l.Protocol)
			if (lb.Type == "application") != isALB {
				want := "HTTP or HTTPS"
				if lb.Type == "network" {
					want = "TCP, TLS, UDP or TCP_UDP"
				}
				c.errorf("", lp+".protocol", "use "+want, "a %s load balancer has no %s listeners", lb.Type, l.Protocol)
			}
			secure := l.Protocol == "HTTPS" || l.Protocol == "TLS"
			if secure && len(l.Certificates) == 0 {
				c.errorf("R35", lp+".certificates", "add the ARN of an issued ACM certificate in "+s.Region, "a %s listener needs a certificate", l.Protocol)
			}
			if !secure && len(l.Certificates) > 0 {
				c.errorf("", lp+".certificates", "remove them, or use HTTPS/TLS", "a %s listener takes no certificates", l.Protocol)
			}
			for i, cert := range l.Certificates {
				if region := strings.Split(cert, ":")[3]; region != s.Region {
					c.errorf("R35", fmt.Sprintf("%s.certificates[%d]", lp, i), "request or import the certificate in "+s.Region,
						"the certificate is in %s, but the load balancer is in %s", region, s.Region)
				}
			}
		}
	}
}

// elbName: the names AWS accepts for load balancers (R30) and target groups (R31): at most 32
// letters, digits and hyphens, no hyphen at either end; "internal-" is reserved for load
// balancers.
func (c *checker) elbName(rule, path, kind, name string) {
	switch {
	case len(name) > generators.MaxLBName:
		c.errorf(rule, path, fmt.Sprintf("use at most %d characters", generators.MaxLBName), "the %s name %q has %d characters; AWS allows %d", kind, name, len(name), generators.MaxLBName)
	case strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-"):
		c.errorf(rule, path, "remove the hyphen", "a %s name cannot start or end with a hyphen: %q", kind, name)
	case rule == "R30" && strings.HasPrefix(strings.ToLower(name), "internal-"):
		c.errorf(rule, path, "choose a name that does not start with \"internal-\"", "the load balancer name %q starts with \"internal-\", which Elastic Load Balancing reserves", name)
	}
}

// targetGroupNames: one name per target group of the service (R31), distinct across the spec,
// and the warning that a custom name blocks the replacement of the group (R38).
func (c *checker) targetGroupNames(path, service string, svc schema.Service, seen map[string]string) {
	names := svc.LoadBalancer.TargetGroupNames
	if len(names) == 0 {
		return
	}
	want := 1
	if svc.Deployment.NativeBlueGreen() || svc.Deployment.Strategy == schema.CodeDeployBlueGreen {
		want = 2
	}
	if len(names) != want {
		c.errorf("R31", path, fmt.Sprintf("give %d name(s)", want),
			"a %s deployment uses %d target group(s), and %d name(s) are given", svc.Deployment.Strategy, want, len(names))
	}
	for i, n := range names {
		np := fmt.Sprintf("%s[%d]", path, i)
		c.elbName("R31", np, "target group", n)
		key := strings.ToLower(n)
		if other, dup := seen[key]; dup {
			c.errorf("R31", np, "give each target group its own name", "target group name %q is already used by %s", n, other)
		}
		seen[key] = "service " + service
	}
	c.warnf("R38", path, "keep the names and waive R38 if you accept this, or leave targetGroupNames out to let CloudFormation name the groups",
		"a target group is replaced when its port, protocol or target type changes, and CloudFormation refuses to replace a resource with a custom name: such a change fails until the names change in the same update")
}

func checkServiceLoadBalancers(c *checker) {
	s := c.spec
	dedicatedBy := map[[2]string]string{}
	catchAll := map[[2]string]string{}
	priorities := map[[2]string]map[int]string{}
	tgNames := map[string]string{}
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		p := "services." + name
		hasHealthCheck := false
		for _, ct := range svc.Containers {
			hasHealthCheck = hasHealthCheck || ct.HealthCheck != nil
		}
		if svc.LoadBalancer == nil {
			if svc.HealthCheckGracePeriod != nil && !hasHealthCheck {
				c.errorf("R37", p+".healthCheckGracePeriod", "remove it, or add a loadBalancer or a container healthCheck",
					"a health check grace period needs a load balancer or a container health check")
			}
			continue
		}
		slb := svc.LoadBalancer
		lp := p + ".loadBalancer"
		c.targetGroupNames(lp+".targetGroupNames", name, svc, tgNames)
		lb, ok := s.LoadBalancers[slb.Name]
		if !ok {
			c.errorf("R33", lp+".name", "use one of: "+strings.Join(sortedKeys(s.LoadBalancers), ", "), "%q is not a load balancer of this spec", slb.Name)
			continue
		}
		for _, l := range []struct{ field, name string }{{"listener", slb.Listener}, {"testListener", slb.TestListener}} {
			if l.name == "" {
				continue
			}
			if _, ok := lb.Listeners[l.name]; !ok {
				c.errorf("R33", lp+"."+l.field, "use one of: "+strings.Join(sortedKeys(lb.Listeners), ", "), "%q is not a listener of load balancer %s", l.name, slb.Name)
				continue
			}
			key := [2]string{slb.Name, l.name}
			dedicated := lb.Type == "network" || svc.Deployment.Strategy == schema.CodeDeployBlueGreen
			if other, taken := dedicatedBy[key]; taken {
				c.errorf("R33", lp+"."+l.field, "give each such service a listener of its own",
					"listener %s forwards all its traffic to service %s (a network load balancer or CodeDeploy listener), so %s cannot use it too", l.name, other, name)
				continue
			}
			if dedicated {
				dedicatedBy[key] = name
				for _, other := range sortedKeys(s.Services) {
					if o := s.Services[other].LoadBalancer; other != name && o != nil && o.Name == slb.Name && (o.Listener == l.name || o.TestListener == l.name) {
						c.errorf("R33", lp+"."+l.field, "give "+name+" a listener of its own",
							"listener %s forwards all its traffic to service %s (a network load balancer or CodeDeploy listener), so %s cannot use it too", l.name, name, other)
					}
				}
				continue
			}
			// Priorities are never renumbered to make room (that would change another
			// service's rule, see generators/priority.go): a collision is the spec's to resolve.
			prio := generators.RulePriority(slb.Name, l.name, name, slb.Rule)
			if priorities[key] == nil {
				priorities[key] = map[int]string{}
			}
			switch other, dup := priorities[key][prio]; {
			case !dup:
				priorities[key][prio] = name
			case slb.Rule.Priority > 0:
				c.errorf("", lp+".rule.priority", "choose another priority", "priority %d on listener %s is already taken by service %s", prio, l.name, other)
			case s.Services[other].LoadBalancer.Rule.Priority > 0:
				c.errorf("", lp+".rule", fmt.Sprintf("set rule.priority on %s (e.g. %d), or choose another one for %s", name, freePriority(priorities[key], prio), other),
					"the priority derived for this rule on listener %s (%d) is the one service %s sets", l.name, prio, other)
			case prio != generators.CatchAllPriority:
				c.errorf("", lp+".rule", fmt.Sprintf("set rule.priority on %s or %s (e.g. %d, any number no other rule of the listener uses)", other, name, freePriority(priorities[key], prio)),
					"the priority derived for this rule on listener %s (%d) is also derived for service %s", l.name, prio, other)
			}
			if len(slb.Rule.Hosts) == 0 && len(slb.Rule.Paths) == 0 && slb.Rule.Narrowing() == 0 {
				if other, dup := catchAll[key]; dup {
					c.errorf("", lp+".rule", "give one of them hosts or paths", "service %s already takes every request on listener %s; %s would never get any", other, l.name, name)
				}
				catchAll[key] = name
			}
		}
		if lb.Type == "network" && (len(slb.Rule.Hosts) > 0 || len(slb.Rule.Paths) > 0 || slb.Rule.Narrowing() > 0) {
			c.errorf("", lp+".rule", "remove hosts, paths, sourceIps and headers", "a network load balancer forwards connections; rules need an application load balancer")
		}
		if hp := slb.HealthCheck.Port; hp != 0 && s.NetworkMode(svc) != "awsvpc" {
			c.errorf("", lp+".healthCheck.port", "leave port out (health checks then use the traffic port), or use the awsvpc network mode",
				"a health check port of its own needs the awsvpc network mode: in %s mode the instances' host ports are not the task's", s.NetworkMode(svc))
		}
		if n := conditionValues(slb.Rule); n > 5 {
			c.errorf("R71", lp+".rule", "split the rule's values over fewer conditions, or route with a broader pattern (e.g. /api/*)",
				"the rule has %d condition values (hosts, paths, source ranges and header values together); Elastic Load Balancing allows 5 per rule", n)
		}
		if slb.TestListener != "" && slb.TestListener == slb.Listener {
			c.errorf("", lp+".testListener", "use a listener on another port, e.g. 1443", "the test listener must differ from the production listener")
		}
		container, port := s.Target(svc)
		switch ct, ok := svc.Containers[container]; {
		case container == "":
			c.errorf("R34", lp, "give a container a port, e.g. ports: [{container: 8080}]", "no container of the service has a port for the load balancer")
		case !ok:
			c.errorf("R34", lp+".container", "use one of: "+strings.Join(sortedKeys(svc.Containers), ", "), "%q is not a container of the service", container)
		case !slices.ContainsFunc(ct.Ports, func(pm schema.PortMapping) bool { return pm.Container == port }):
			c.errorf("R34", lp+".port", fmt.Sprintf("add {container: %d} to the ports of %s", port, container), "container %s has no port %d", container, port)
		}
		if hc := slb.HealthCheck; hc.Timeout >= hc.Interval {
			c.errorf("", lp+".healthCheck.timeout", "make the timeout shorter than the interval", "the health check timeout (%d s) must be shorter than its interval (%d s)", hc.Timeout, hc.Interval)
		}
		if lb.Type == "network" && (slb.SlowStart > 0 || slb.Stickiness != nil) {
			c.errorf("", lp, "remove slowStart and stickiness", "slow start and cookie stickiness are application load balancer features")
		}
	}
}

func checkDeployments(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		d := svc.Deployment
		p := "services." + name + ".deployment"
		blueGreen := d.NativeBlueGreen() || d.Strategy == schema.CodeDeployBlueGreen
		if blueGreen && svc.LoadBalancer == nil {
			c.errorf("R49", p+".strategy", "add a loadBalancer to the service, or use the rolling strategy",
				"a %s deployment shifts traffic between two target groups, so the service needs a load balancer", d.Strategy)
			continue
		}
		if d.NativeBlueGreen() {
			if lb := s.LoadBalancers[svc.LoadBalancer.Name]; lb.Type == "network" {
				c.errorf("R49", p+".strategy", `use an application load balancer, or strategy "codeDeploy"`,
					"ecsgen runs native %s deployments through application load balancer listener rules", d.Strategy)
			}
		}
		if !blueGreen && svc.LoadBalancer != nil && svc.LoadBalancer.TestListener != "" {
			c.errorf("", "services."+name+".loadBalancer.testListener", "remove it, or use a blue/green strategy", "a test listener serves blue/green deployments; this service deploys %s", d.Strategy)
		}
		if !d.NativeBlueGreen() {
			if len(d.LifecycleHooks) > 0 {
				c.errorf("", p+".lifecycleHooks", `use strategy "blueGreen", "canary" or "linear"`, "lifecycle hooks belong to ECS-native blue/green deployments")
			}
			if d.BakeTime != nil {
				c.errorf("", p+".bakeTime", `use strategy "blueGreen", "canary" or "linear"`, "a bake time belongs to ECS-native blue/green deployments")
			}
		}
	}
}

// freePriority is the first priority after prio that no rule of the listener uses.
func freePriority(used map[int]string, prio int) int {
	for p := prio + 1; ; p++ {
		if _, taken := used[p]; !taken && p != generators.CatchAllPriority {
			return p
		}
	}
}

// conditionValues counts a listener rule's condition values as Elastic Load Balancing does (at
// most 5 per rule, not adjustable): the implicit path "/*" of a rule without hosts and paths
// counts too.
func conditionValues(r schema.ListenerRule) int {
	n := len(r.Hosts) + len(r.Paths) + len(r.SourceIPs)
	if len(r.Hosts) == 0 && len(r.Paths) == 0 {
		n++
	}
	for _, v := range r.Headers {
		n += len(v)
	}
	return n
}
