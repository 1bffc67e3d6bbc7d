#!/usr/bin/env python3
"""Print the replacement data of the CloudFormation resource types ecsgen emits.

The CloudFormation registry schemas say which properties are create-only: changing one makes
CloudFormation replace the resource. cfn-lint ships the schemas (us-east-1, its primary
region); this script extracts createOnlyProperties and conditionalCreateOnlyProperties of the
types in TYPES and prints them as JSON, the form internal/plan embeds:

    python3 scripts/cfnschemas.py > internal/plan/cfnschemas.json

internal/plan's TestEmbeddedSchemasMatchCfnLint runs this script and fails when its output
differs from the embedded file (it is skipped when cfn-lint is not installed).
"""

import json
import os
import re
import sys

import cfnlint

# Every resource type ecsgen emits (internal/plan's tests fail when an example emits another).
TYPES = [
    "AWS::ApplicationAutoScaling::ScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy",
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::AutoScaling::ScalingPolicy",
    "AWS::AutoScaling::ScheduledAction",
    "AWS::CloudWatch::Alarm",
    "AWS::CodeDeploy::Application",
    "AWS::CodeDeploy::DeploymentGroup",
    "AWS::EC2::EIP",
    "AWS::EC2::FlowLog",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::LaunchTemplate",
    "AWS::EC2::NatGateway",
    "AWS::EC2::Route",
    "AWS::EC2::RouteTable",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::Subnet",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::VPC",
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::ECS::CapacityProvider",
    "AWS::ECS::Cluster",
    "AWS::ECS::ClusterCapacityProviderAssociations",
    "AWS::ECS::Service",
    "AWS::ECS::TaskDefinition",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::ListenerCertificate",
    "AWS::ElasticLoadBalancingV2::ListenerRule",
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::IAM::InstanceProfile",
    "AWS::IAM::Role",
    "AWS::KMS::Key",
    "AWS::Logs::LogGroup",
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Topic",
    "AWS::SNS::TopicPolicy",
    "AWS::ServiceDiscovery::HttpNamespace",
    "AWS::ServiceDiscovery::PrivateDnsNamespace",
    "AWS::ServiceDiscovery::Service",
]


def main():
    schemas = os.path.join(os.path.dirname(cfnlint.__file__), "data", "schemas")
    with open(os.path.join(schemas, "providers", "us_east_1.py"), encoding="utf-8") as f:
        index = dict(re.findall(r'"(AWS::[^"]+)": "([0-9a-f]+)"', f.read()))
    out = {}
    for t in TYPES:
        if t not in index:
            sys.exit(f"cfn-lint has no schema for {t}")
        with open(os.path.join(schemas, "resources", index[t] + ".json"), encoding="utf-8") as f:
            schema = json.load(f)
        entry = {"createOnlyProperties": sorted(schema.get("createOnlyProperties", []))}
        if schema.get("conditionalCreateOnlyProperties"):
            entry["conditionalCreateOnlyProperties"] = sorted(schema["conditionalCreateOnlyProperties"])
        out[t] = entry
    json.dump(out, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
