package check

import (
	"fmt"
	"strings"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/schema"
)

// Names shared by environments (R70, ecsgen's id). Every name ecsgen generates carries {env},
// so the environments of one spec never collide in an account. A name the user writes in the
// shared defaults (a log group, the cluster, an Auto Scaling group, a load balancer, target
// groups) is the same in every environment: the first environment's stack creates the
// resource, and the second environment's deploy into the same account and region fails because
// it exists already (or, for an ECS cluster, silently shares it).

// Env is one environment of a spec, as the cross-environment rules see it.
type Env struct {
	Name       string
	Spec       *schema.Spec
	Positions  diag.Locator
	InOverride func(diag.Pos) bool
}

// Environments returns the findings that only the environments of one spec together show.
func Environments(envs []Env) diag.List {
	type key struct{ region, account, kind, name string }
	type use struct {
		env  Env
		name physicalName
	}
	uses := map[key][]use{}
	var order []key
	for _, e := range envs {
		seen := map[key]bool{}
		for _, n := range physicalNames(e.Spec) {
			k := key{e.Spec.Region, e.Spec.Account, n.kind, n.name}
			if seen[k] {
				continue // one environment naming a group twice creates it once
			}
			seen[k] = true
			if len(uses[k]) == 0 {
				order = append(order, k)
			}
			uses[k] = append(uses[k], use{e, n})
		}
	}
	var out diag.List
	for _, k := range order {
		us := uses[k]
		if len(us) < 2 {
			continue
		}
		var names []string
		for _, u := range us {
			names = append(names, u.env.Name)
		}
		for _, u := range us {
			pos := u.env.Positions.Of(u.name.path)
			path, hint := u.name.path, u.name.hint+", or set a name per environment in its overrides"
			if u.env.InOverride != nil && u.env.InOverride(pos) {
				path = "environments." + u.env.Name + "." + u.name.path
				hint = "give environment " + u.env.Name + " a name of its own"
			}
			if u.env.Spec.Account == "" {
				hint += " (if the environments deploy to different accounts, set account in each)"
			}
			out = append(out, diag.Finding{Pos: pos, Path: path, Rule: "R70", Severity: diag.Error,
				Message: fmt.Sprintf("%s %q is the same in environments %s, which deploy to one account and region: %s",
					k.kind, k.name, andList(names), u.name.effect),
				Hint: hint})
		}
	}
	out.Sort()
	return out.Dedup()
}

func andList(s []string) string {
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

type physicalName struct {
	kind, name, path, hint, effect string
}

const failsSecond = "the second environment's deploy fails, since the resource exists already"

// physicalNames are the names an environment's resources carry that the spec writes literally.
func physicalNames(s *schema.Spec) []physicalName {
	var out []physicalName
	if s.Cluster.Name != "" {
		out = append(out, physicalName{"cluster", s.Cluster.Name, "cluster.name",
			"leave cluster.name out (the default {system}-{env} differs per environment)",
			"both environments' instances and services would share one cluster"})
	}
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		if n := s.Cluster.Capacity.EC2[name].AutoScalingGroupName; n != "" {
			out = append(out, physicalName{"Auto Scaling group", n, "cluster.capacity.ec2." + name + ".autoScalingGroupName",
				"leave autoScalingGroupName out (the default follows the naming convention)", failsSecond})
		}
	}
	for _, name := range sortedKeys(s.LoadBalancers) {
		if n := s.LoadBalancers[name].Name; n != "" {
			out = append(out, physicalName{"load balancer", n, "loadBalancers." + name + ".name",
				"leave name out (the default follows the naming convention)", failsSecond})
		}
	}
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		if lb := svc.LoadBalancer; lb != nil {
			for i, n := range lb.TargetGroupNames {
				out = append(out, physicalName{"target group", n, fmt.Sprintf("services.%s.loadBalancer.targetGroupNames[%d]", name, i),
					"leave targetGroupNames out (CloudFormation then generates names)", failsSecond})
			}
		}
		for _, cname := range sortedKeys(svc.Containers) {
			c := svc.Containers[cname]
			p := "services." + name + ".containers." + cname + ".log"
			if g, ok := generators.FireLensLogGroup(c); ok && !strings.Contains(g, "$") {
				out = append(out, physicalName{"log group", g, p + ".options.log_group_name",
					"name the group after the environment", failsSecond})
			} else if c.Log.Driver == "awslogs" && c.Log.Group != "" {
				out = append(out, physicalName{"log group", c.Log.Group, p + ".group",
					"leave log.group out (the default /ecs/{system}-{env}/{service} differs per environment)", failsSecond})
			}
		}
	}
	return out
}
