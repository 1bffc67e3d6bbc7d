package generators

import (
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/ecs"

	"github.com/ecsgen/ecsgen/schema"
)

// Amazon EBS volumes configured at launch: the task definition declares the volume with
// configuredAtLaunch (taskdef.go), the service says how ECS creates one for each task
// (VolumeConfigurations), and the Amazon ECS infrastructure role lets ECS create, attach and
// delete the volumes.

const infrastructureRoleID = "InfrastructureRole"

// infrastructureRolePolicy is the AWS managed policy ECS documents for the infrastructure role
// of EBS volumes.
const infrastructureRolePolicy = "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSInfrastructureRolePolicyForVolumes"

// ebsPropagateTags are the spec's propagateTags values as ECS names them.
var ebsPropagateTags = map[string]string{"service": "SERVICE", "taskDefinition": "TASK_DEFINITION"}

// ebsVolumeConfiguration adds the service's volume configured at launch, and the
// infrastructure role it needs, if the service has one.
func (e *env) ebsVolumeConfiguration(t *cloudformation.Template, name string, svc schema.Service, service *ecs.Service) {
	vname, v := svc.EBSVolumeOf()
	if v == nil {
		return
	}
	roleARN := e.useRole(t, infrastructureRole(e.spec, name, v), v.InfrastructureRole)
	m := &ecs.Service_ServiceManagedEBSVolumeConfiguration{
		RoleArn:    roleARN,
		VolumeType: ptr(v.Type),
		Encrypted:  ptr(v.Encrypted),
	}
	if v.SizeInGiB > 0 {
		m.SizeInGiB = ptr(v.SizeInGiB)
	}
	if v.IOPS > 0 {
		m.Iops = ptr(v.IOPS)
	}
	if v.Throughput > 0 {
		m.Throughput = ptr(v.Throughput)
	}
	if v.KMSKey != "" {
		m.KmsKeyId = ptr(v.KMSKey)
	}
	if v.FilesystemType != "" {
		m.FilesystemType = ptr(v.FilesystemType)
	}
	if v.SnapshotID != "" {
		m.SnapshotId = ptr(v.SnapshotID)
	}
	// The volumes carry the stack's tags like every other resource of the service, and the
	// volume's own.
	tag := ecs.Service_EBSTagSpecification{ResourceType: "volume", Tags: e.tags(v.Tags)}
	if p := v.PropagateTags; p != "" {
		tag.PropagateTags = ptr(ebsPropagateTags[p])
	}
	m.TagSpecifications = []ecs.Service_EBSTagSpecification{tag}
	service.VolumeConfigurations = []ecs.Service_ServiceVolumeConfiguration{{Name: vname, ManagedEBSVolume: m}}
}

// infrastructureRole is the Amazon ECS infrastructure role of a service's EBS volumes: the
// managed policy for volumes, and, with a customer-managed key, what EBS needs of the key when
// ECS creates an encrypted volume on the role's behalf.
func infrastructureRole(s *schema.Spec, name string, v *schema.EBSVolume) role {
	r := role{
		Key:             name + "-infrastructure",
		LogicalID:       infrastructureRoleID,
		Name:            RoleName(s, name+"-infrastructure"),
		Description:     "Amazon ECS infrastructure role of " + ServiceName(s, name) + ": creates, attaches and deletes its tasks' EBS volumes",
		Trusted:         "ecs.amazonaws.com",
		Trust:           trustedBy("ecs.amazonaws.com"),
		ManagedPolicies: []string{Sub(infrastructureRolePolicy)},
	}
	if v.KMSKey != "" {
		key := userTemplate(v.KMSKey)
		r.Permissions = policyDocument{Statements: []statement{
			{
				Sid:       "UseVolumeKey",
				Actions:   []string{"kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"},
				Resources: []pseudoString{key},
			},
			{
				Sid:        "GrantVolumeKeyToEBS",
				Actions:    []string{"kms:CreateGrant"},
				Resources:  []pseudoString{key},
				Conditions: []condition{{"Bool", "kms:GrantIsForAWSResource", "true"}},
			},
		}}
	}
	return r
}
