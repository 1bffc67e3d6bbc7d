package generators

import (
	"slices"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/iam"

	"github.com/ecsgen/ecsgen/schema"
)

// The container instance role: what the ECS agent (and the SSM agent, when asked for) needs on
// the instances of this cluster.

// instanceRole adds the role of the container instances and its instance profile, when some
// capacity names no instance profile of its own; otherwise it writes what the existing
// profiles' roles must allow.
func (e *env) instanceRole(t *cloudformation.Template) {
	s := e.spec
	r := instanceRoleSpec(s)
	if !s.CreatesInstanceRole() {
		e.requiredPolicyFiles(r, existingInstanceProfiles(s)[0])
		return
	}
	t.Resources[instanceRoleID] = e.roleResource(r, e.tags(nil))
	t.Resources[instanceProfID] = &iam.InstanceProfile{Roles: []string{Ref(instanceRoleID)}}
}

// instanceProfileARN is the instance profile of a capacity's instances: the spec's, or the one
// of the cluster stack.
func instanceProfileARN(c schema.EC2Capacity) string {
	if c.InstanceProfile != "" {
		return c.InstanceProfile
	}
	return GetAtt(instanceProfID, "Arn")
}

// existingInstanceProfiles are the distinct instance profiles the spec names, sorted.
func existingInstanceProfiles(s *schema.Spec) []string {
	var out []string
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		if p := s.Cluster.Capacity.EC2[name].InstanceProfile; p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// instanceRoleSpec is the instance role ecsgen creates, or that an existing profile's role
// must match.
func instanceRoleSpec(s *schema.Spec) role {
	return role{
		Key:         "instance",
		LogicalID:   instanceRoleID,
		Name:        RoleName(s, "instance"),
		Description: "ECS container instances of cluster " + ClusterName(s),
		Trusted:     "ec2.amazonaws.com",
		Trust:       trustedBy("ec2.amazonaws.com"),
		Permissions: instancePermissions(s),
		// What the spec adds for its own agents on the hosts.
		ManagedPolicies: s.Cluster.InstanceRole.ManagedPolicies,
	}
}

// instancePermissions are the least-privilege, cluster-scoped equivalent of the managed policy
// AmazonEC2ContainerServiceforEC2Role (version v10 of 2026-02-12), plus what the agent settings
// and ssmAccess imply. Of the managed policy it leaves out what ecsgen's deployments never use:
// ecs:CreateCluster (the stack creates the cluster), and ECR and CloudWatch Logs access (every
// task ecsgen defines has an execution role that pulls its images and writes its logs).
func instancePermissions(s *schema.Spec) policyDocument {
	cluster := ClusterName(s)
	instances := arn("ecs", "container-instance/"+cluster+"/*")
	perms := policyDocument{Statements: []statement{
		{
			Sid: "RegisterWithCluster",
			Actions: []string{
				"ecs:DeregisterContainerInstance",
				"ecs:RegisterContainerInstance",
				"ecs:SubmitAttachmentStateChanges",
				"ecs:SubmitContainerStateChange",
				"ecs:SubmitTaskStateChange",
			},
			Resources: []pseudoString{arn("ecs", "cluster/"+cluster)},
		},
		{
			Sid:       "PollForWork",
			Actions:   []string{"ecs:Poll", "ecs:StartTelemetrySession"},
			Resources: []pseudoString{instances},
		},
		{
			// DiscoverPollEndpoint has no resource-level permissions.
			Sid:       "DiscoverEndpoint",
			Actions:   []string{"ecs:DiscoverPollEndpoint"},
			Resources: []pseudoString{"*"},
		},
		{
			// The agent reads the tags of its tasks and of its instance for the task metadata
			// endpoint (${ECS_CONTAINER_METADATA_URI_V4}/taskWithTags).
			Sid:       "ReadTags",
			Actions:   []string{"ecs:ListTagsForResource"},
			Resources: []pseudoString{arn("ecs", "task/"+cluster+"/*"), instances},
		},
	}}
	// The role is shared by the capacities without an instance profile: it allows what any of
	// their agent settings needs.
	settings := map[string]string{}
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		for k, v := range s.AgentSettings(name) {
			if settings[k] == "" || v == "true" || v == "ec2_instance" {
				settings[k] = v
			}
		}
	}
	propagate := settings["ECS_CONTAINER_INSTANCE_PROPAGATE_TAGS_FROM"] == "ec2_instance"
	if propagate {
		// The agent reads its instance's EC2 tags; DescribeTags has no resource-level
		// permissions.
		perms.Statements = append(perms.Statements, statement{
			Sid:       "ReadInstanceTags",
			Actions:   []string{"ec2:DescribeTags"},
			Resources: []pseudoString{"*"},
		})
	}
	if propagate || settings["ECS_CONTAINER_INSTANCE_TAGS"] != "" {
		// Tags on the container instance are set by RegisterContainerInstance, which then also
		// needs ecs:TagResource; the condition allows tagging at registration only.
		perms.Statements = append(perms.Statements, statement{
			Sid:        "TagAtRegistration",
			Actions:    []string{"ecs:TagResource"},
			Resources:  []pseudoString{instances},
			Conditions: []condition{{"StringEquals", "ecs:CreateAction", "RegisterContainerInstance"}},
		})
	}
	if settings["ECS_ENABLE_SPOT_INSTANCE_DRAINING"] == "true" {
		// The agent sets its own Spot instance to DRAINING when it is about to be reclaimed.
		perms.Statements = append(perms.Statements, statement{
			Sid:       "DrainSpotInstances",
			Actions:   []string{"ecs:UpdateContainerInstancesState"},
			Resources: []pseudoString{arn("ecs", "cluster/"+cluster), instances},
		})
	}
	ssm := false
	for _, c := range s.Cluster.Capacity.EC2 {
		ssm = ssm || c.SSMAccess
	}
	if ssm {
		// The SSM agent's channel APIs have no resource-level permissions.
		perms.Statements = append(perms.Statements, statement{
			Sid: "SessionManager",
			Actions: []string{
				"ec2messages:AcknowledgeMessage",
				"ec2messages:DeleteMessage",
				"ec2messages:FailMessage",
				"ec2messages:GetEndpoint",
				"ec2messages:GetMessages",
				"ec2messages:SendReply",
				"ssm:UpdateInstanceInformation",
				"ssmmessages:CreateControlChannel",
				"ssmmessages:CreateDataChannel",
				"ssmmessages:OpenControlChannel",
				"ssmmessages:OpenDataChannel",
			},
			Resources: []pseudoString{"*"},
		})
	}
	perms.Statements = append(perms.Statements, userStatements(s.Cluster.InstanceRole.Statements)...)
	return perms
}
