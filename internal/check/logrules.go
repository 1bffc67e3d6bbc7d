package check

import (
	"regexp"
	"strings"

	"github.com/ecsgen/ecsgen/generators"
)

// Log groups (R17): every group the tasks write to must exist before they start, so ecsgen
// creates each in the service's stack, with the service's retention and encryption and the
// spec's deletion policy. A FireLens router that creates its group at run time would make one
// without them (and outside the stack, so it outlives it).

func init() {
	rules = append(rules, checkFireLensLogGroups)
}

// logGroupChars are the characters CloudWatch Logs accepts in a log group name. The length
// (1 to 512) is checked apart: a bounded repetition {1,512} compiles into a program of 512
// copies, which cost every ecsgen process 1.6 ms and 350 KB at start.
var logGroupChars = regexp.MustCompile(`^[.\-_/#A-Za-z0-9]+$`)

// validLogGroupName reports whether CloudWatch Logs accepts name as a log group name: 1 to 512
// of the characters above (all ASCII, so bytes are characters).
func validLogGroupName(name string) bool {
	return len(name) <= 512 && logGroupChars.MatchString(name)
}

func checkFireLensLogGroups(c *checker) {
	for _, name := range sortedKeys(c.spec.Services) {
		svc := c.spec.Services[name]
		for _, cname := range sortedKeys(svc.Containers) {
			ct := svc.Containers[cname]
			if ct.Log.Driver != "awsfirelens" {
				continue
			}
			op := "services." + name + ".containers." + cname + ".log.options"
			group, ok := generators.FireLensLogGroup(ct)
			if ok && !validLogGroupName(group) {
				c.errorf("R17", op+".log_group_name", "use letters, digits and . - _ / # only, at most 512 characters",
					"%q is not a CloudWatch Logs group name", group)
			}
			if _, templated := ct.Log.Options["log_group_template"]; templated {
				c.warnf("R17", op+".log_group_template", "name the group with log_group_name, so that ecsgen creates it in the stack",
					"a log group named at run time cannot be created in the stack: the router creates it without retention, encryption or deletion policy, and it outlives the stack")
			}
			switch strings.ToLower(ct.Log.Options["auto_create_group"]) {
			case "true", "on", "yes":
				hint := "remove auto_create_group"
				if ok {
					hint = "remove auto_create_group: ecsgen creates " + group + " in the service's stack"
				}
				c.warnf("R17", op+".auto_create_group", hint,
					"auto_create_group lets the FireLens router create a missing log group at run time, without retention, encryption or deletion policy, outside the stack")
			}
		}
	}
}
