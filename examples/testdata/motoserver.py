"""moto's server, made to behave as AWS documents where moto 5.2.1 stops deploy.sh.

The deploy tests (examples/deploy_test.go) run the generated deploy.sh against this server on
127.0.0.1. Each patch below restores one documented AWS behaviour that moto lacks, and is named
after it; nothing else is changed. Usage is that of `python3 -m moto.server`:

    python3 motoserver.py -H 127.0.0.1 -p PORT
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


PATCHES = [
    exports_under_change_sets,
    describe_stack_resource_of_partial_stacks,
]

if __name__ == "__main__":
    for patch in PATCHES:
        patch()
    from moto.server import main

    main(sys.argv[1:])
