package check

import (
	"fmt"
	"strings"

	"github.com/ecsgen/ecsgen/generators"
)

// Existing IAM roles and instance profiles named by ARN: ecsgen cannot see inside them, but it
// can tell a role from an instance profile (R22, R46), and see an ARN that cannot work in this
// deployment (another partition or account). What they must allow goes to checklist.md.

func init() {
	rules = append(rules, checkExistingRoles)
}

func checkExistingRoles(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		if p := s.Cluster.Capacity.EC2[name].InstanceProfile; p != "" {
			path := "cluster.capacity.ec2." + name + ".instanceProfile"
			if strings.Contains(p, ":role/") {
				c.errorf("R46", path, "use "+strings.Replace(p, ":role/", ":instance-profile/", 1)+" (a role created in the IAM console has an instance profile of the same name)",
					"%s is a role; a launch template takes the role's instance profile, and EC2 refuses a role ARN as \"Invalid IAM Instance Profile ARN\"", p)
				continue
			}
			c.arnHome(path, p)
		}
	}
	role := func(path, arn, use string) {
		if arn == "" {
			return
		}
		if strings.Contains(arn, ":instance-profile/") {
			c.errorf("R22", path, "use the ARN of the role itself: "+strings.Replace(arn, ":instance-profile/", ":role/", 1)+" if the profile holds a role of its name",
				"%s is an instance profile; %s is an IAM role that trusts ecs-tasks.amazonaws.com", arn, use)
			return
		}
		c.arnHome(path, arn)
	}
	role("executionRole.arn", s.ExecutionRole.ARN, "a task execution role")
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		p := "services." + name
		role(p+".executionRole.arn", svc.ExecutionRole.ARN, "a task execution role")
		role(p+".taskRole.arn", svc.TaskRole.ARN, "a task role")
		if svc.TaskRole.ARN != "" && len(svc.TaskRole.Statements) > 0 {
			c.errorf("", p+".taskRole.statements", "grant them to the existing role yourself, or leave taskRole.arn out so that ecsgen creates the role with them",
				"ecsgen adds statements only to a task role it creates; %s exists already", svc.TaskRole.ARN)
		}
	}
}

// arnHome: an existing role must be in the deployment's partition, and in its account (IAM
// cannot pass a role of another account to ECS or EC2).
func (c *checker) arnHome(path, arn string) {
	parts := strings.SplitN(arn, ":", 6)
	if want := generators.Partition(c.spec.Region); parts[1] != want {
		c.errorf("", path, fmt.Sprintf("use an ARN of partition %s", want), "%s is in partition %s, but region %s is in %s", arn, parts[1], c.spec.Region, want)
	}
	if c.spec.Account != "" && parts[4] != c.spec.Account {
		c.errorf("", path, "name a role of account "+c.spec.Account+", or correct account",
			"%s belongs to account %s, but the spec deploys to account %s: a role of another account cannot be passed to ECS or EC2", arn, parts[4], c.spec.Account)
	}
}
