package generators

import (
	"fmt"
	"strings"

	"github.com/ecsgen/ecsgen/schema"
	"github.com/ecsgen/ecsgen/templates"
)

// Roles that already exist in the account (taskRole.arn, executionRole.arn, instanceProfile):
// ecsgen creates nothing for them and changes nothing about them. What it can still say is
// what they must allow, so it writes that as policy files (policies/<key>.json, for reference)
// and checklist.md lists commands that check the trust and each permission in the account.

// existingRole is one use of an existing role or instance profile.
type existingRole struct {
	Use  string // e.g. "the task role of service web"
	ARN  string // role or instance-profile ARN
	Role role   // what ecsgen would have created: key, trusted principal, permissions
}

// existingRoles are the existing roles the spec uses, in a stable order: the instance
// profiles, then each service's execution, task and infrastructure roles.
func existingRoles(s *schema.Spec) []existingRole {
	envOf := envOnDemand(s)
	var out []existingRole
	for _, p := range existingInstanceProfiles(s) {
		var caps []string
		for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
			if s.Cluster.Capacity.EC2[name].InstanceProfile == p {
				caps = append(caps, name)
			}
		}
		out = append(out, existingRole{Use: "the instances of capacity " + strings.Join(caps, ", "), ARN: p, Role: instanceRoleSpec(s)})
	}
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		if a := s.ExecutionRoleARN(svc); a != "" {
			out = append(out, existingRole{Use: "the task execution role of service " + name, ARN: a, Role: role{
				Key: name + "-execution", Trusted: "ecs-tasks.amazonaws.com",
				Permissions: policyDocument{Statements: envOf().executionStatements(svc, logGroups(s, name, svc))},
			}})
		}
		if a := svc.TaskRole.ARN; a != "" {
			out = append(out, existingRole{Use: "the task role of service " + name, ARN: a, Role: role{
				Key: name + "-task", Trusted: "ecs-tasks.amazonaws.com",
				Permissions: policyDocument{Statements: envOf().taskStatements(svc, logGroups(s, name, svc))},
			}})
		}
		if _, v := svc.EBSVolumeOf(); v != nil && v.InfrastructureRole != "" {
			out = append(out, existingRole{Use: "the infrastructure role of the EBS volumes of service " + name, ARN: v.InfrastructureRole, Role: infrastructureRole(s, name, v)})
		}
	}
	return out
}

// envOnDemand returns s's env, made on the first call and kept: making one walks every service
// (dedicated listeners, callers), and the checklist needs one only for the statements of the
// existing roles, which most specs do not have. Made per role, it was quadratic.
func envOnDemand(s *schema.Spec) func() *env {
	var e *env
	return func() *env {
		if e == nil {
			e = newEnv(s)
		}
		return e
	}
}

// arnName is the name in an IAM ARN (the last part of its path).
func arnName(arn string) string {
	i := strings.LastIndex(arn, "/")
	return arn[i+1:]
}

// existingRoleChecks are the checklist items of the existing roles: each one's trust, and each
// statement of what it must allow, checked with the IAM policy simulator.
func existingRoleChecks(s *schema.Spec) []ChecklistItem {
	q := templates.ShellQuote
	var out []ChecklistItem
	envOf := envOnDemand(s)
	for _, r := range existingRoles(s) {
		name := arnName(r.ARN)
		profile := strings.Contains(r.ARN, ":instance-profile/")
		source := q(r.ARN)
		if profile {
			out = append(out, ChecklistItem{Rule: "R22",
				What:    fmt.Sprintf("Instance profile %s (%s) holds a role that trusts %s", name, r.Use, r.Role.Trusted),
				Command: "aws iam get-instance-profile --instance-profile-name " + q(name) + " --query 'InstanceProfile.Roles[].AssumeRolePolicyDocument.Statement[].Principal.Service'"})
			source = `"$(aws iam get-instance-profile --instance-profile-name ` + q(name) + ` --query 'InstanceProfile.Roles[0].Arn' --output text)"`
		} else {
			out = append(out, ChecklistItem{Rule: "R22",
				What:    fmt.Sprintf("Role %s (%s) trusts %s", name, r.Use, r.Role.Trusted),
				Command: "aws iam get-role --role-name " + q(name) + " --query 'Role.AssumeRolePolicyDocument.Statement[].Principal.Service'"})
		}
		if len(r.Role.Permissions.Statements) == 0 {
			continue
		}
		e := envOf().inAccountOf(r.ARN)
		who, roleName := "Role "+name, q(name)
		if profile {
			who, roleName = "The role of instance profile "+name, `"$(aws iam get-instance-profile --instance-profile-name `+q(name)+` --query 'InstanceProfile.Roles[0].RoleName' --output text)"`
		}
		for _, st := range r.Role.Permissions.Statements {
			cmd := "aws iam simulate-principal-policy --policy-source-arn " + source + " --action-names " + strings.Join(quoteAll(st.Actions), " ")
			var res []string
			for _, p := range st.Resources {
				if v := p.resolve(e); v != "*" {
					res = append(res, q(v))
				}
			}
			if len(res) > 0 {
				cmd += " --resource-arns " + strings.Join(res, " ")
			}
			for _, c := range st.Conditions {
				cmd += " --context-entries " + q(fmt.Sprintf("ContextKeyName=%s,ContextKeyValues=%s,ContextKeyType=string", c.Key, c.Value.resolve(e)))
			}
			cmd += " --query 'EvaluationResults[?EvalDecision!=`allowed`].[EvalActionName,EvalResourceName,EvalDecision]' --output text"
			out = append(out, ChecklistItem{Rule: "R21",
				What:    fmt.Sprintf("%s (%s) allows %s (statement %s of policies/%s.json; the command prints what is denied)", who, r.Use, strings.Join(st.Actions, ", "), st.Sid, r.Role.Key),
				Command: cmd})
		}
		out = append(out, ChecklistItem{Rule: "R21",
			What:    fmt.Sprintf("If a check of %s denies something, grant it what policies/%s.json lists (ecsgen never changes an existing role)", strings.ToLower(who[:1])+who[1:], r.Role.Key),
			Command: "aws iam put-role-policy --role-name " + roleName + " --policy-name " + q("ecsgen-"+r.Role.Key) + " --policy-document file://policies/" + r.Role.Key + ".json"})
	}
	return out
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = templates.ShellQuote(v)
	}
	return out
}
