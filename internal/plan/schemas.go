package plan

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// cfnschemas.json holds, for every resource type ecsgen emits, the create-only properties of
// its CloudFormation registry schema: a change to one replaces the resource. It is generated
// by scripts/cfnschemas.py from the schemas cfn-lint ships, and TestEmbeddedSchemasMatchCfnLint
// keeps it current.
//
//go:embed cfnschemas.json
var cfnSchemasJSON []byte

// typeSchema is what the plan needs of a registry schema.
type typeSchema struct {
	CreateOnly []string `json:"createOnlyProperties"`
	// ConditionalCreateOnly properties replace the resource in some cases only (for an Auto
	// Scaling group: its LaunchTemplate or VPCZoneIdentifier, depending on its update policy).
	ConditionalCreateOnly []string `json:"conditionalCreateOnlyProperties,omitempty"`
}

var schemas = func() map[string]typeSchema {
	var m map[string]typeSchema
	if err := json.Unmarshal(cfnSchemasJSON, &m); err != nil {
		panic(fmt.Sprintf("plan: embedded cfnschemas.json: %v", err))
	}
	return m
}()

// propertyPath turns a schema pointer ("/properties/AutoScalingGroupProvider/AutoScalingGroupArn")
// into the property path it names (["AutoScalingGroupProvider", "AutoScalingGroupArn"]).
func propertyPath(pointer string) []string {
	return strings.Split(strings.TrimPrefix(pointer, "/properties/"), "/")
}

// customNames are the properties that hold a resource's physical name when the template sets
// them. CloudFormation cannot replace a resource whose name the template sets: the new
// resource would need the name the old one still holds until the update completes. Types
// without a name property (a task definition family takes a new revision; rules, listeners
// and ingress rules have generated identifiers) have none. Every type of cfnschemas.json has
// an entry (TestEveryTypeKnown).
var customNames = map[string][]string{
	"AWS::ApplicationAutoScaling::ScalableTarget":      nil,
	"AWS::ApplicationAutoScaling::ScalingPolicy":       {"PolicyName"},
	"AWS::AutoScaling::AutoScalingGroup":               {"AutoScalingGroupName"},
	"AWS::AutoScaling::ScalingPolicy":                  nil,
	"AWS::AutoScaling::ScheduledAction":                nil,
	"AWS::CloudWatch::Alarm":                           {"AlarmName"},
	"AWS::CodeDeploy::Application":                     {"ApplicationName"},
	"AWS::CodeDeploy::DeploymentGroup":                 {"DeploymentGroupName"},
	"AWS::EC2::EIP":                                    nil,
	"AWS::EC2::FlowLog":                                nil,
	"AWS::EC2::InternetGateway":                        nil,
	"AWS::EC2::LaunchTemplate":                         {"LaunchTemplateName"},
	"AWS::EC2::NatGateway":                             nil,
	"AWS::EC2::Route":                                  nil,
	"AWS::EC2::RouteTable":                             nil,
	"AWS::EC2::SecurityGroup":                          {"GroupName"},
	"AWS::EC2::SecurityGroupEgress":                    nil,
	"AWS::EC2::SecurityGroupIngress":                   nil,
	"AWS::EC2::Subnet":                                 nil,
	"AWS::EC2::SubnetRouteTableAssociation":            nil,
	"AWS::EC2::VPC":                                    nil,
	"AWS::EC2::VPCEndpoint":                            nil,
	"AWS::EC2::VPCGatewayAttachment":                   nil,
	"AWS::ECS::CapacityProvider":                       {"Name"},
	"AWS::ECS::Cluster":                                {"ClusterName"},
	"AWS::ECS::ClusterCapacityProviderAssociations":    nil,
	"AWS::ECS::Service":                                {"ServiceName"},
	"AWS::ECS::TaskDefinition":                         nil,
	"AWS::ElasticLoadBalancingV2::Listener":            nil,
	"AWS::ElasticLoadBalancingV2::ListenerCertificate": nil,
	"AWS::ElasticLoadBalancingV2::ListenerRule":        nil,
	"AWS::ElasticLoadBalancingV2::LoadBalancer":        {"Name"},
	"AWS::ElasticLoadBalancingV2::TargetGroup":         {"Name"},
	"AWS::IAM::InstanceProfile":                        {"InstanceProfileName"},
	"AWS::IAM::Role":                                   {"RoleName"},
	"AWS::KMS::Key":                                    nil,
	"AWS::Logs::LogGroup":                              {"LogGroupName"},
	"AWS::S3::Bucket":                                  {"BucketName"},
	"AWS::S3::BucketPolicy":                            nil,
	"AWS::SNS::Topic":                                  {"TopicName"},
	"AWS::SNS::TopicPolicy":                            nil,

	// A Cloud Map service's name is unique within its namespace only: a replacement keeps
	// the name only when the namespace changes too, which puts it in another namespace.
	"AWS::ServiceDiscovery::HttpNamespace":       {"Name"},
	"AWS::ServiceDiscovery::PrivateDnsNamespace": {"Name"},
	"AWS::ServiceDiscovery::Service":             nil,
}
