"""Prints, as JSON, what a deploy can change in one region of a moto server: every stack
(status, last update, number of events, outputs), the ECS services of every cluster, the task
definitions and the CodeDeploy deployments. One Python process for all the reads keeps the
deploy tests cheap; examples/deploy_test.go compares two snapshots.

    python3 envstate.py ENDPOINT REGION
"""

import json
import sys

import boto3


def main(endpoint, region):
    session = boto3.session.Session(region_name=region)

    def client(name):
        return session.client(name, endpoint_url=endpoint)

    cfn, ecs, codedeploy = client("cloudformation"), client("ecs"), client("codedeploy")
    state = {"stacks": {}, "services": {}, "taskDefinitions": [], "deployments": []}
    for page in cfn.get_paginator("describe_stacks").paginate():
        for stack in page["Stacks"]:
            events = []
            for events_page in cfn.get_paginator("describe_stack_events").paginate(
                StackName=stack["StackName"]
            ):
                events += events_page["StackEvents"]
            state["stacks"][stack["StackName"]] = {
                "status": stack["StackStatus"],
                "lastUpdated": str(stack.get("LastUpdatedTime", "")),
                "events": len(events),
                "tags": {t["Key"]: t["Value"] for t in stack.get("Tags", [])},
                "outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
            }
    for cluster in ecs.list_clusters()["clusterArns"]:
        arns = ecs.list_services(cluster=cluster)["serviceArns"]
        for i in range(0, len(arns), 10):
            for svc in ecs.describe_services(cluster=cluster, services=arns[i : i + 10])["services"]:
                state["services"][svc["serviceArn"]] = {
                    "status": svc["status"],
                    "taskDefinition": svc["taskDefinition"],
                    "desiredCount": svc["desiredCount"],
                }
    for page in ecs.get_paginator("list_task_definitions").paginate():
        state["taskDefinitions"] += page["taskDefinitionArns"]
    state["deployments"] = sorted(codedeploy.list_deployments().get("deployments", []))
    json.dump(state, sys.stdout, indent=1, sort_keys=True, default=str)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
