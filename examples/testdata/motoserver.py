"""moto's server, made to behave as AWS documents where moto 5.2.1 stops deploy.sh.

The deploy tests (examples/deploy_test.go) run the generated deploy.sh against this server on
127.0.0.1. Each patch below restores one documented AWS behaviour that moto lacks, and is named
after it; nothing else is changed. Usage is that of `python3 -m moto.server`:

    python3 motoserver.py [--patches name,…] -H 127.0.0.1 -p PORT

--patches applies only the patches named (the artifacts gate takes moto as it is, with only the
resource types it lacks).
"""

import sys

from moto.cloudformation.models import CloudFormationBackend


def exports_under_change_sets():
    """ExecuteChangeSet registers the stack's exports and resolves Fn::ImportValue.

    AWS: "After you execute the change set, CloudFormation ... updates your stack"; a stack's
    exports exist however it was created, and Fn::ImportValue resolves against every export
    of the region (AWS CloudFormation User Guide, "Get exported outputs from a deployed
    CloudFormation stack"). `aws cloudformation deploy` always goes through change sets.
    moto 5.2.1: only CreateStack passes the region's exports to the new stack and registers the
    new stack's exports; ExecuteChangeSet does neither, so a service stack fails with
    "No export named ... found" and the exports of a stack deployed with change sets are
    never listed.
    """
    execute = CloudFormationBackend.execute_change_set

    def execute_change_set(self, change_set_name, stack_name=None):
        change_set = self.describe_change_set(change_set_name)
        stack = self.stacks[change_set.stack_id]
        stack.cross_stack_resources = self.exports
        stack.resource_map.cross_stack_resources = self.exports
        before = [export.name for export in stack.exports]
        execute(self, change_set_name, stack_name)
        # The stack now has the change set's parameters too (moto keeps those it was created
        # with, so the next unchanged deploy would look changed).
        stack.parameters = change_set.parameters
        stack._parse_template()
        stack.description = stack.template_dict.get("Description")
        stack.output_map = stack._create_output_map()
        for name in before:
            self.exports.pop(name, None)
        self._validate_export_uniqueness(stack)
        for export in stack.exports:
            self.exports[export.name] = export

    CloudFormationBackend.execute_change_set = execute_change_set


def describe_stack_resource_of_partial_stacks():
    """DescribeStackResource answers for the resources a stack has, and ValidationError else.

    AWS: DescribeStackResource returns the named resource of the stack, or ValidationError
    "Resource X does not exist for stack Y" (CloudFormation API Reference,
    DescribeStackResource). moto 5.2.1 keeps None in a stack's resources for each resource
    it could not create (types it does not implement, such as
    AWS::CodeDeploy::Application) and then fails with HTTP 500 (AttributeError on None)
    for any logical id that comes after one of them.
    """

    def describe_stack_resource(self, stack_name, logical_resource_id):
        from moto.cloudformation.exceptions import ValidationError

        stack = self.get_stack(stack_name)
        for resource in stack.stack_resources:
            if getattr(resource, "logical_resource_id", None) == logical_resource_id:
                return stack, resource
        raise ValidationError(
            stack_name,
            f"Resource {logical_resource_id} does not exist for stack {stack_name}",
        )

    CloudFormationBackend.describe_stack_resource = describe_stack_resource


def ssm_parameters_keep_their_path():
    """UsePreviousValue of an SSM-typed parameter reuses its path, resolved again.

    AWS: for parameters of type AWS::SSM::Parameter::Value<...>, the parameter value is the
    SSM parameter's name and "CloudFormation always fetches the latest value" at every stack
    operation (User Guide, "Specify existing resources at runtime with CloudFormation-supplied
    parameter types"); UsePreviousValue keeps that name. `aws cloudformation deploy` sends
    UsePreviousValue for every parameter it is not given, such as the ECS-optimized AMI
    parameter with its default path. moto 5.2.1 substitutes the *resolved* value (an AMI id)
    and then looks it up in SSM as if it were a parameter name: AttributeError, HTTP 500.
    The patch passes on each such parameter as it was given before (its path), or not at all
    when the stack took its default; so an unchanged stack's change set is also empty, as on
    AWS, instead of differing by the resolved values.
    """
    create = CloudFormationBackend.create_change_set

    def create_change_set(self, stack_name, change_set_name, template, parameters, description,
                          change_set_type, *args, **kwargs):
        if change_set_type == "UPDATE":
            stack = self.get_stack(stack_name)
            slots = stack.template_dict.get("Parameters") or {}
            resolved = stack.stack_parameters
            previous = stack.resource_map.input_parameters
            for key, value in list(parameters.items()):
                slot = slots.get(key) or {}
                if value != resolved.get(key):
                    continue  # a value given now
                if key in previous:
                    parameters[key] = previous[key]  # as given before: an SSM parameter's path
                elif "Default" in slot:
                    del parameters[key]  # the default, as before (resolved again if SSM)
        return create(self, stack_name, change_set_name, template, parameters, description,
                      change_set_type, *args, **kwargs)

    CloudFormationBackend.create_change_set = create_change_set


def empty_change_sets_fail_quietly():
    """CreateChangeSet without changes creates a FAILED change set; it raises nothing.

    AWS: a change set with no changes is created, then has Status FAILED and StatusReason
    "The submitted information didn't contain changes. Submit different information to create
    a change set." (API Reference, DescribeChangeSet); `aws cloudformation deploy
    --no-fail-on-empty-changeset` reads that and exits 0. Only UpdateStack answers
    "No updates are to be performed." moto 5.2.1 raises that ValidationError from
    CreateChangeSet too, so every unchanged stack fails the second deploy. moto's backend
    already marks such a change set FAILED with AWS's reason; the patch skips the response
    layer's UpdateStack check for CreateChangeSet only.
    """
    from moto.cloudformation.responses import CloudFormationResponse

    create = CloudFormationResponse.create_change_set
    validate = CloudFormationResponse._validate_different_update

    def create_change_set(self):
        self._in_create_change_set = True
        try:
            return create(self)
        finally:
            self._in_create_change_set = False

    def _validate_different_update(self, *args, **kwargs):
        if getattr(self, "_in_create_change_set", False):
            return None
        return validate(self, *args, **kwargs)

    CloudFormationResponse.create_change_set = create_change_set
    CloudFormationResponse._validate_different_update = _validate_different_update


def codedeploy_stub():
    """STUB, not AWS behaviour: CodeDeploy ECS deployments complete at once.

    moto implements the CodeDeploy API but not its CloudFormation resource types (a stack's
    AWS::CodeDeploy::Application and ::DeploymentGroup are skipped), and its deployments stay
    "Created" forever. So that deploy.sh's release step can run to its end, this stub
    (1) creates the application and deployment group of a stack in moto's CodeDeploy, and
    (2) moves a deployment Created -> InProgress -> Succeeded on successive reads and then
    points the ECS service at the AppSpec's task definition, as a successful CodeDeploy ECS
    deployment ends. It does not shift listener traffic, run lifecycle hooks, wait, or fail:
    what a real deployment does is for a real account to prove (docs/real-account.md).
    """
    import yaml
    from moto.codedeploy.models import codedeploy_backends, CodeDeployBackend
    from moto.core.common_models import CloudFormationModel
    from moto.ecs.models import ecs_backends

    class NamedStub:
        """A resource known by its name, with no attributes, updated in place. A mixin: moto
        finds resource types among the direct subclasses of CloudFormationModel."""

        def __init__(self, name):
            self.name = name

        @property
        def physical_resource_id(self):
            return self.name

        @classmethod
        def has_cfn_attr(cls, attr):
            return False

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            return original_resource

    class CodeDeployApplication(NamedStub, CloudFormationModel):
        __module__ = "moto.codedeploy.stub"  # moto files every model under its service

        @staticmethod
        def cloudformation_name_type():
            return "ApplicationName"

        @staticmethod
        def cloudformation_type():
            return "AWS::CodeDeploy::Application"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            props = cloudformation_json.get("Properties", {})
            name = props.get("ApplicationName", resource_name)
            codedeploy_backends[account_id][region_name].create_application(
                name, props.get("ComputePlatform", "Server"), props.get("Tags", []))
            return cls(name)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            backend = codedeploy_backends[account_id][region_name]
            backend.applications.pop(resource_name, None)
            backend.deployment_groups.pop(resource_name, None)

    class CodeDeployDeploymentGroup(NamedStub, CloudFormationModel):
        __module__ = "moto.codedeploy.stub"

        @staticmethod
        def cloudformation_name_type():
            return "DeploymentGroupName"

        @staticmethod
        def cloudformation_type():
            return "AWS::CodeDeploy::DeploymentGroup"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            props = cloudformation_json.get("Properties", {})
            name = props.get("DeploymentGroupName", resource_name)
            codedeploy_backends[account_id][region_name].create_deployment_group(
                application_name=props["ApplicationName"],
                deployment_group_name=name,
                deployment_config_name=props.get("DeploymentConfigName"),
                ec2_tag_filters=None,
                on_premises_instance_tag_filters=None,
                auto_scaling_groups=None,
                service_role_arn=props.get("ServiceRoleArn", ""),
                deployment_style=props.get("DeploymentStyle"),
                ecs_services=[{"clusterName": s.get("ClusterName"), "serviceName": s.get("ServiceName")}
                              for s in props.get("ECSServices", [])],
            )
            return cls(name)

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            # The properties are the template's, unresolved (ApplicationName is a Ref): the
            # group is found by its name in every application.
            for groups in codedeploy_backends[account_id][region_name].deployment_groups.values():
                groups.pop(resource_name, None)

    # The deployment group names its target groups by Fn::GetAtt TargetGroup.TargetGroupName,
    # a documented return value of AWS::ElasticLoadBalancingV2::TargetGroup that moto does not
    # implement; moto never had to resolve it while it skipped the deployment group.
    from moto.elbv2.models import FakeTargetGroup

    def get_cfn_attribute(self, attribute_name):
        if attribute_name == "TargetGroupName":
            return self.name
        if attribute_name == "TargetGroupArn":
            return self.arn
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        raise UnformattedGetAttTemplateException()

    FakeTargetGroup.get_cfn_attribute = get_cfn_attribute
    FakeTargetGroup.has_cfn_attr = classmethod(lambda cls, attr: attr in ("TargetGroupName", "TargetGroupArn"))

    get_deployment = CodeDeployBackend.get_deployment
    progress = {"Created": "InProgress", "InProgress": "Succeeded"}

    def advancing_get_deployment(self, deployment_id):
        deployment = get_deployment(self, deployment_id)
        if deployment.status in progress:
            deployment.status = progress[deployment.status]
            if deployment.status == "Succeeded":
                spec = yaml.safe_load(deployment.revision["appSpecContent"]["content"])
                task_definition = spec["Resources"][0]["TargetService"]["Properties"]["TaskDefinition"]
                ecs = ecs_backends[self.account_id][self.region_name]
                for target in deployment.deployment_group.ecs_services or []:
                    ecs.update_service({"cluster": target["clusterName"], "service": target["serviceName"],
                                        "task_definition": task_definition})
        return deployment

    CodeDeployBackend.get_deployment = advancing_get_deployment


def listener_rules_deleted_with_their_stack():
    """Deleting a stack deletes its AWS::ElasticLoadBalancingV2::ListenerRule resources.

    AWS: DeleteStack deletes every resource of the stack that has no DeletionPolicy Retain
    (User Guide, "Delete a stack"). moto 5.2.1's listener rule has no CloudFormation delete,
    so a deleted service stack's rule stays on the shared listener and holds its priority: the
    next service given that priority fails with PriorityInUse. deploy.sh --prune deletes a
    removed service's stack before deploying the others, which moto alone cannot follow.
    """
    from moto.elbv2.models import FakeListenerRule, elbv2_backends

    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        elbv2_backends[account_id][region_name].delete_rule(resource_name)

    FakeListenerRule.delete_from_cloudformation_json = classmethod(delete_from_cloudformation_json)


def change_sets_create_in_dependency_order():
    """A change set creates the resources it adds after those they depend on (DependsOn).

    AWS: "With the DependsOn attribute you can specify that the creation of a specific
    resource follows another" (User Guide, "DependsOn attribute"), however the stack is
    created or updated. moto 5.2.1 honours DependsOn only in CreateStack; ExecuteChangeSet
    (which `aws cloudformation deploy` always uses) creates added resources in template order,
    which is alphabetical in ecsgen's output, and it creates a resource early when an earlier one
    refers to it (Ref, Fn::GetAtt) without regard to its DependsOn: a CodeDeploy service names its
    task definition by family and depends on the stack's TaskDefinition, and moto creates the
    Service first ("Unable to describe task definition"). Added resources are therefore
    ordered after everything they depend on or refer to, as CloudFormation orders them.
    """
    from moto.cloudformation.parsing import ResourceMap

    diff = ResourceMap.build_resource_diff

    def build_resource_diff(self, other_template, parameters=None):
        actions = diff(self, other_template, parameters)
        added = set(actions["Add"])
        if added:
            resources = other_template["Resources"]
            order = []

            def references(value):
                if isinstance(value, dict):
                    for key, inner in value.items():
                        if key == "Ref" and isinstance(inner, str):
                            yield inner
                        elif key == "Fn::GetAtt":
                            yield inner[0] if isinstance(inner, list) else inner.split(".")[0]
                        else:
                            yield from references(inner)
                elif isinstance(value, list):
                    for inner in value:
                        yield from references(inner)

            visiting = set()  # a cycle ends here; CloudFormation would refuse such a template

            def visit(name):
                if name not in added or name in order or name in visiting:
                    return
                visiting.add(name)
                depends = resources[name].get("DependsOn", [])
                for dep in [depends] if isinstance(depends, str) else depends:
                    visit(dep)
                for dep in references(resources[name].get("Properties", {})):
                    visit(dep)
                order.append(name)

            for name in actions["Add"]:
                visit(name)
            actions["Add"] = order
        return actions

    ResourceMap.build_resource_diff = build_resource_diff


def services_deleted_with_their_stack():
    """Deleting a stack deletes its AWS::ECS::Service resources.

    AWS: DeleteStack deletes every resource of the stack that has no DeletionPolicy Retain
    (User Guide, "Delete a stack"); for a service, CloudFormation scales it to zero and deletes
    it, and it is then INACTIVE (ECS API Reference, DeleteService). moto 5.2.1's Service has no
    CloudFormation delete: a deleted (or pruned) stack's service stays ACTIVE in the cluster.
    """
    from moto.ecs.models import Service, ecs_backends

    def delete(self, account_id, region_name):
        ecs_backends[account_id][region_name].delete_service(self.cluster_name, self.name, force=True)

    Service.delete = delete


def deleted_services_not_listed():
    """ListServices lists no deleted service.

    AWS: "When you delete a service ... the service status moves from ACTIVE to DRAINING, and the
    service is no longer visible in the console or in the ListServices API operation ...
    Services in the DRAINING or INACTIVE status can still be viewed with the DescribeServices
    API operation" (ECS API Reference, DeleteService). moto 5.2.1 lists INACTIVE services too.
    """
    from moto.ecs.models import EC2ContainerServiceBackend

    list_services = EC2ContainerServiceBackend.list_services

    def active_services(self, cluster_str, *args, **kwargs):
        arns = list_services(self, cluster_str, *args, **kwargs)
        gone = {svc.arn for svc in self.services.values() if svc.status in ("DRAINING", "INACTIVE")}
        return [arn for arn in arns if arn not in gone]

    EC2ContainerServiceBackend.list_services = active_services


def buckets_without_a_name_updated_in_place():
    """A bucket whose name CloudFormation generated can be updated in place.

    AWS: BucketName is optional ("If you don't specify a name, AWS CloudFormation generates a
    unique ID"), and changing properties such as LifecycleConfiguration or Tags is "Update
    requires: No interruption" (AWS::S3::Bucket reference). moto 5.2.1 reads
    properties["BucketName"] to apply the tags of such an update and fails with KeyError
    (HTTP 500) on a bucket without one, as ecsgen's access-log bucket is: adding a load balancer
    adds its prefix to the bucket's lifecycle rule, and the update crashes.
    """
    from moto.s3.models import FakeBucket

    update = FakeBucket.update_from_cloudformation_json.__func__

    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        properties = cloudformation_json["Properties"]
        if "BucketName" not in properties:
            cloudformation_json = dict(cloudformation_json, Properties=dict(properties, BucketName=original_resource.name))
        return update(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)

    FakeBucket.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)


def change_sets_import_existing_resources():
    """A change set created with ImportExistingResources imports the log groups that exist.

    AWS: CreateChangeSet's ImportExistingResources "indicates if the change set auto-imports
    resources that already exist", for resources with a custom name and DeletionPolicy Retain
    or RetainExceptOnCreate (CloudFormation API Reference, CreateChangeSet; User Guide, "Import
    AWS resources into a CloudFormation stack automatically"). moto 5.2.1 ignores the parameter
    and fails on the existing group. deploy.sh creates a stack again this way when its retained
    log groups outlived the earlier stack (after destroy.sh or --prune); log groups are the only
    resources it imports, so only they are restored here.
    """
    from moto.cloudformation.responses import CloudFormationResponse
    from moto.logs.models import LogGroup, logs_backends

    importing = set()  # names of change sets created with ImportExistingResources
    executing = {"importing": False}

    create_change_set = CloudFormationResponse.create_change_set

    def recording_create_change_set(self):
        result = create_change_set(self)
        if self._get_bool_param("ImportExistingResources", False):
            importing.add(self._get_param("ChangeSetName"))
        return result

    CloudFormationResponse.create_change_set = recording_create_change_set

    execute = CloudFormationBackend.execute_change_set

    def importing_execute_change_set(self, change_set_name, stack_name=None):
        executing["importing"] = change_set_name in importing
        try:
            execute(self, change_set_name, stack_name)
        finally:
            executing["importing"] = False

    CloudFormationBackend.execute_change_set = importing_execute_change_set

    create = LogGroup.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        groups = logs_backends[account_id][region_name].groups
        if executing["importing"] and resource_name in groups:
            return groups[resource_name]
        return create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    LogGroup.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)


def retain_except_on_create_kept_on_delete():
    """DeleteStack keeps the resources whose DeletionPolicy is RetainExceptOnCreate.

    AWS: "RetainExceptOnCreate behaves like Retain for stack operations, except for the stack
    operation that initially created the resource" (User Guide, "DeletionPolicy attribute").
    moto 5.2.1 keeps only Retain and deletes these with the stack: ecsgen's log groups, which
    destroy.sh and --prune must leave behind (and deploy.sh imports when it creates the stack
    again).
    """
    from moto.cloudformation.parsing import ResourceMap

    delete = ResourceMap.delete

    def keeping_delete(self):
        for resource in self._resource_json_map.values():
            if isinstance(resource, dict) and resource.get("DeletionPolicy") == "RetainExceptOnCreate":
                resource["DeletionPolicy"] = "Retain"
        delete(self)

    ResourceMap.delete = keeping_delete


def load_balancers_updated_in_place():
    """A load balancer's subnets and security groups are updated in place.

    AWS: Subnets and SecurityGroups of AWS::ElasticLoadBalancingV2::LoadBalancer are "Update
    requires: No interruption" (CloudFormation reference; the API calls are SetSubnets and
    SetSecurityGroups). moto 5.2.1 has no update for load balancers: the update leaves no
    resource behind, and the next Fn::GetAtt of the load balancer fails with "references
    undefined resource". A created network that gains or loses an Availability Zone changes
    the subnets of the load balancers in it.
    """
    from moto.elbv2.models import FakeLoadBalancer, elbv2_backends

    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        properties = cloudformation_json["Properties"]
        backend = elbv2_backends[account_id][region_name]
        if "Subnets" in properties:
            backend.set_subnets(original_resource.arn, properties["Subnets"], [])
        if "SecurityGroups" in properties:
            backend.set_security_groups(original_resource.arn, properties["SecurityGroups"])
        return original_resource

    FakeLoadBalancer.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)


def network_resources_deleted_with_their_stack():
    """DeleteStack deletes a created VPC's route tables, routes, NAT gateways, endpoints and gateways.

    AWS: deleting a stack deletes every resource in it whose DeletionPolicy is not Retain, in the
    reverse order of their dependencies (User Guide, "Delete a stack"). moto 5.2.1 has no
    deletion for AWS::EC2::RouteTable, ::Route, ::SubnetRouteTableAssociation, ::NatGateway,
    ::VPCEndpoint, ::InternetGateway, ::VPCGatewayAttachment and ::EIP: it drops them from the
    stack but leaves them in EC2, and then refuses to delete the VPC ("has dependencies") because
    its route tables remain. destroy.sh deletes the network stack ecsgen creates last; without
    this, the stack stays DELETE_FAILED and its exports block the next deploy. Each deletion
    below is what the EC2 API does for the resource, and does nothing when it is already gone.
    """
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.elastic_ip_addresses import ElasticAddress
    from moto.ec2.models.internet_gateways import InternetGateway
    from moto.ec2.models.nat_gateways import NatGateway
    from moto.ec2.models.route_tables import Route, RouteTable
    from moto.ec2.models.subnets import SubnetRouteTableAssociation
    from moto.ec2.models.vpcs import VPCEndPoint
    from moto.ec2.models.vpn_gateway import VPCGatewayAttachment

    def route_table(self, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        if self.id in backend.route_tables:
            self._associations.clear()  # DisassociateRouteTable of each subnet
            backend.delete_route_table(self.id)

    def route(self, account_id, region_name):
        self.route_table._routes.pop(self.id, None)

    def association(self, account_id, region_name):
        table = ec2_backends[account_id][region_name].route_tables.get(self.route_table_id)
        if table is not None:
            for association_id, subnet_id in list(table._associations.items()):
                if subnet_id == self.subnet_id:
                    del table._associations[association_id]

    def nat_gateway(self, account_id, region_name):
        ec2_backends[account_id][region_name].delete_nat_gateway(self.id)

    def endpoint(self, account_id, region_name):
        ec2_backends[account_id][region_name].delete_vpc_endpoints([self.id])

    def internet_gateway(self, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        if self.id in backend.internet_gateways:
            backend.delete_internet_gateway(self.id)  # DependencyViolation while attached: retried

    def attachment(self, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        igw = backend.internet_gateways.get(self.gateway_id)
        if igw is not None and igw.vpc is not None and igw.vpc.id == self.vpc_id:
            backend.detach_internet_gateway(self.gateway_id, self.vpc_id)

    def address(self, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        if self.allocation_id and any(a.allocation_id == self.allocation_id for a in backend.addresses):
            backend.release_address(allocation_id=self.allocation_id)

    for cls, delete in [(RouteTable, route_table), (Route, route), (SubnetRouteTableAssociation, association),
                        (NatGateway, nat_gateway), (VPCEndPoint, endpoint), (InternetGateway, internet_gateway),
                        (VPCGatewayAttachment, attachment), (ElasticAddress, address)]:
        cls.delete = delete


def exports_in_use_kept():
    """An export that another stack imports can be neither removed nor deleted with its stack.

    AWS: "You can't delete a stack if another stack references one of its outputs", and "you
    can't modify or remove an output value that is referenced by another stack" (User Guide,
    "Get exported outputs from a deployed CloudFormation stack"). moto 5.2.1 checks neither.
    The deploy tests rely on it to prove the order of deploy.sh and destroy.sh: a network stack
    that drops a zone's subnets, or a cluster stack that drops a caller's security group, goes
    after the stacks importing them, and a stack is deleted after those importing from it.
    On AWS the operation starts and the stack fails (UPDATE_ROLLBACK_COMPLETE, DELETE_FAILED);
    here the call is refused at once, which stops deploy.sh and destroy.sh the same way.
    Export names are literal strings in ecsgen's templates.
    """
    from moto.cloudformation.exceptions import ValidationError

    def imports(value, name):
        if isinstance(value, dict):
            return value.get("Fn::ImportValue") == name or any(imports(v, name) for v in value.values())
        if isinstance(value, list):
            return any(imports(v, name) for v in value)
        return False

    def refuse(backend, stack, kept):
        for export in stack.exports:
            if export.name in kept:
                continue
            users = [other.name for other in backend.stacks.values()
                     if other.stack_id != stack.stack_id and not other.status.startswith("DELETE_COMPLETE")
                     and imports(other.template_dict.get("Resources"), export.name)]
            if users:
                raise ValidationError(message=f"Export {export.name} cannot be deleted as it is in use by {', '.join(users)}")

    execute = CloudFormationBackend.execute_change_set

    def execute_change_set(self, change_set_name, stack_name=None):
        change_set = self.describe_change_set(change_set_name)
        stack = self.stacks.get(change_set.stack_id)
        if stack is not None:
            outputs = (change_set.template_dict or {}).get("Outputs") or {}
            refuse(self, stack, {o["Export"]["Name"] for o in outputs.values()
                                 if isinstance(o, dict) and isinstance(o.get("Export", {}).get("Name"), str)})
        return execute(self, change_set_name, stack_name)

    CloudFormationBackend.execute_change_set = execute_change_set

    delete = CloudFormationBackend.delete_stack

    def delete_stack(self, name_or_stack_id):
        for stack in list(self.stacks.values()):
            if name_or_stack_id in (stack.stack_id, stack.name):
                refuse(self, stack, set())
        return delete(self, name_or_stack_id)

    CloudFormationBackend.delete_stack = delete_stack


def cloud_map_resources():
    """A stack creates its AWS::ServiceDiscovery::HttpNamespace, ::PrivateDnsNamespace and
    ::Service resources, with their documented return values Arn and Id.

    moto 5.2.1 implements the Cloud Map API (servicediscovery) but none of its CloudFormation
    resource types: a template with one fails in moto's output validation. These models create
    the namespaces and services in moto's own servicediscovery backend, as CloudFormation does
    through the API, delete them with their stack, and update them in place (every property
    ecsgen changes in place is updatable; the create-only ones replace the resource, which
    CloudFormation decides before calling here). They register no instances: ECS in moto runs
    no tasks.
    """
    from moto.core.common_models import CloudFormationModel
    from moto.servicediscovery.models import servicediscovery_backends

    class CloudMapResource:
        """A Cloud Map namespace or service known by its id. A mixin: moto finds resource
        types among the direct subclasses of CloudFormationModel."""

        def __init__(self, resource):
            self.resource = resource

        @property
        def physical_resource_id(self):
            return self.resource.id

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr in ("Arn", "Id")

        def get_cfn_attribute(self, attribute_name):
            return {"Arn": self.resource.arn, "Id": self.resource.id}[attribute_name]

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            return original_resource

    def namespace_model(type_name, create):
        class Namespace(CloudMapResource, CloudFormationModel):
            __module__ = "moto.servicediscovery.cloudformation"

            @staticmethod
            def cloudformation_name_type():
                return "Name"

            @staticmethod
            def cloudformation_type():
                return type_name

            @classmethod
            def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
                props = cloudformation_json.get("Properties", {})
                backend = servicediscovery_backends[account_id][region_name]
                create(backend, props)
                created = [ns for ns in backend.namespaces.values() if ns.name == props["Name"]][-1]
                return cls(created)

            @classmethod
            def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
                backend = servicediscovery_backends[account_id][region_name]
                if resource_name in backend.namespaces:
                    backend.delete_namespace(resource_name)

        return Namespace

    # Kept referenced: CloudFormationModel.__subclasses__() holds its subclasses weakly.
    CLOUD_MAP_MODELS.append(namespace_model("AWS::ServiceDiscovery::HttpNamespace", lambda backend, props: backend.create_http_namespace(
        props["Name"], creator_request_id=None, description=props.get("Description"), tags=props.get("Tags", []))))
    CLOUD_MAP_MODELS.append(namespace_model("AWS::ServiceDiscovery::PrivateDnsNamespace", lambda backend, props: backend.create_private_dns_namespace(
        props["Name"], creator_request_id=None, description=props.get("Description"), vpc=props["Vpc"],
        tags=props.get("Tags", []), properties=props.get("Properties"))))

    class DiscoveryService(CloudMapResource, CloudFormationModel):
        __module__ = "moto.servicediscovery.cloudformation"

        @staticmethod
        def cloudformation_name_type():
            return "Name"

        @staticmethod
        def cloudformation_type():
            return "AWS::ServiceDiscovery::Service"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            props = cloudformation_json.get("Properties", {})
            backend = servicediscovery_backends[account_id][region_name]
            backend.get_namespace(props["NamespaceId"])  # AWS: NamespaceNotFound
            return cls(backend.create_service(
                props.get("Name", resource_name), namespace_id=props["NamespaceId"], creator_request_id=None,
                description=props.get("Description"), dns_config=props.get("DnsConfig"),
                health_check_config=props.get("HealthCheckConfig"),
                health_check_custom_config=props.get("HealthCheckCustomConfig"),
                tags=props.get("Tags", []), service_type=props.get("Type")))

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            servicediscovery_backends[account_id][region_name].delete_service(resource_name)

    CLOUD_MAP_MODELS.append(DiscoveryService)


CLOUD_MAP_MODELS = []


PATCHES = [
    change_sets_create_in_dependency_order,
    services_deleted_with_their_stack,
    deleted_services_not_listed,
    buckets_without_a_name_updated_in_place,
    load_balancers_updated_in_place,
    network_resources_deleted_with_their_stack,
    change_sets_import_existing_resources,
    retain_except_on_create_kept_on_delete,
    listener_rules_deleted_with_their_stack,
    exports_under_change_sets,
    exports_in_use_kept,
    ssm_parameters_keep_their_path,
    describe_stack_resource_of_partial_stacks,
    empty_change_sets_fail_quietly,
    codedeploy_stub,
    cloud_map_resources,
]

if __name__ == "__main__":
    args = sys.argv[1:]
    patches = PATCHES
    if args[:1] == ["--patches"]:
        # Only the patches named (comma-separated), e.g. --patches cloud_map_resources.
        names = args[1].split(",")
        patches = [p for p in PATCHES if p.__name__ in names]
        if len(patches) != len(names):
            sys.exit(f"unknown patch among {names}")
        args = args[2:]
    for patch in patches:
        patch()
    from moto.server import main

    main(args)
