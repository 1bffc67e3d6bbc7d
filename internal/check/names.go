package check

import (
	"github.com/ecsgen/ecsgen/generators"
)

// Physical names ecsgen creates once per environment. Names it derives are distinct by
// construction (the naming convention puts the service or capacity name in each); names the
// spec gives can collide: two service stacks that create the same log group fail the second
// deploy ("already exists"), or the first one that is deleted takes the other's logs with it.

func init() {
	rules = append(rules, checkLogGroupNames)
}

func checkLogGroupNames(c *checker) {
	s := c.spec
	createdBy := map[string]string{}
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		seen := map[string]bool{}
		for _, cname := range sortedKeys(svc.Containers) {
			ct := svc.Containers[cname]
			if ct.Log.Driver != "awslogs" {
				continue
			}
			g := generators.LogGroupOf(s, name, ct)
			if seen[g] {
				continue
			}
			seen[g] = true
			if other, taken := createdBy[g]; taken {
				c.errorf("", "services."+name+".containers."+cname+".log.group", "give each service log groups of its own",
					"the log group %s is also created by service %s; a log group can belong to one stack only", g, other)
				continue
			}
			createdBy[g] = name
		}
	}
}
