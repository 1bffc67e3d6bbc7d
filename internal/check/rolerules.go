package check

import (
	"fmt"
	"strings"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/schema"
)

// What the spec adds to the roles ecsgen creates: statements and managed policies on task roles
// (services.<name>.taskRole) and on the container instance role (cluster.instanceRole).
// Least privilege is a default, so wider grants are warnings that a waiver accepts with its
// reason: S10 for a wildcard action or resource, S11 for an AWS-managed policy.

func init() {
	rules = append(rules, checkRoleAdditions)
}

func checkRoleAdditions(c *checker) {
	s := c.spec
	ir := s.Cluster.InstanceRole
	if (len(ir.Statements) > 0 || len(ir.ManagedPolicies) > 0) && !s.CreatesInstanceRole() {
		c.errorf("", "cluster.instanceRole", "grant them to the role of the instance profile yourself, or leave instanceProfile out of a capacity so that ecsgen creates the role",
			"every capacity names an instance profile of its own, so ecsgen creates no instance role to add these to")
	}
	c.roleAdditions("cluster.instanceRole", ir.Statements, ir.ManagedPolicies)
	for _, name := range sortedKeys(s.Services) {
		tr := s.Services[name].TaskRole
		p := "services." + name + ".taskRole"
		if tr.ARN != "" && len(tr.ManagedPolicies) > 0 {
			c.errorf("", p+".managedPolicies", "attach them to the existing role yourself, or leave taskRole.arn out so that ecsgen creates the role with them",
				"ecsgen attaches managed policies only to a task role it creates; %s exists already", tr.ARN)
		}
		c.roleAdditions(p, tr.Statements, tr.ManagedPolicies)
	}
}

func (c *checker) roleAdditions(path string, statements []schema.Statement, managed []string) {
	for i, st := range statements {
		if st.Effect == "Deny" {
			continue // a wide Deny narrows the role
		}
		sp := fmt.Sprintf("%s.statements[%d]", path, i)
		for j, a := range st.Actions {
			if strings.Contains(a, "*") {
				c.warnf("S10", fmt.Sprintf("%s.actions[%d]", sp, j), "name the actions the application calls, or waive S10 with the reason",
					"%s allows every action that matches it, including ones added to the service later", a)
			}
		}
		for j, r := range st.Resources {
			if r == "*" {
				c.warnf("S10", fmt.Sprintf("%s.resources[%d]", sp, j), "name the resources by ARN, or waive S10 with the reason if the actions have no resource-level permissions",
					"the statement allows %s on every resource of the account", strings.Join(st.Actions, ", "))
			}
		}
	}
	partition := generators.Partition(c.spec.Region)
	for i, arn := range managed {
		mp := fmt.Sprintf("%s.managedPolicies[%d]", path, i)
		parts := strings.SplitN(arn, ":", 6)
		switch {
		case parts[1] != partition:
			c.errorf("", mp, "use an ARN of partition "+partition, "%s is in partition %s, but region %s is in %s", arn, parts[1], c.spec.Region, partition)
		case parts[4] == "aws":
			c.warnf("S11", mp, "write the permissions the role needs as statements, or waive S11 with the reason",
				"%s is an AWS-managed policy: it grants what every user of the service might need, more than this role does", arn)
		case c.spec.Account != "" && parts[4] != c.spec.Account:
			c.errorf("", mp, "name a policy of account "+c.spec.Account+", or correct account",
				"%s belongs to account %s: a role can only have managed policies of its own account or AWS's", arn, parts[4])
		}
	}
}
