package generators

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/codedeploy"

	"github.com/ecsgen/ecsgen/schema"
)

// Blue/green through AWS CodeDeploy: a CodeDeploy application and deployment group
// that swap the service's two target groups behind its production and test listeners.
//
// CloudFormation cannot change the task definition of a CODE_DEPLOY service (R50), so the
// service stack never does: the stack registers each revision of the task definition, the
// service names only its family (created from the first revision, never changed after), and
// every later release is a CodeDeploy deployment that deploy.sh starts with the revision the
// stack has registered. The files under codedeploy/<service>/ are what that takes: create-deployment.json
// for deploy.sh, and appspec.yaml with taskdef.json for a CodePipeline "Amazon ECS (Blue/Green)"
// action.

const (
	codeDeployAppID  = "CodeDeployApplication"
	codeDeployDGID   = "CodeDeployDeploymentGroup"
	codeDeployRoleID = "CodeDeployRole"

	// taskDefinitionPlaceholder stands for the task definition ARN in the AppSpec; deploy.sh
	// and CodePipeline replace it.
	taskDefinitionPlaceholder = "<TASK_DEFINITION>"
	// imagePlaceholder stands for the image in taskdef.json; CodePipeline replaces it with the
	// image its source action built.
	imagePlaceholder = "<IMAGE1_NAME>"
)

func (e *env) codeDeploy(t *cloudformation.Template, st *stack, name string, svc schema.Service, cliTD []byte) error {
	s := e.spec
	slb := svc.LoadBalancer
	container, port := s.Target(svc)
	d := svc.Deployment.CodeDeploy
	appName := Fit(conventional(s, name), MaxCodeDeployName)

	t.Resources[codeDeployAppID] = &codedeploy.Application{
		ApplicationName: ptr(appName),
		ComputePlatform: ptr("ECS"),
		Tags:            e.tags(nil),
	}

	e.codeDeployRole(t, name, svc, appName)

	route := func(id string) *codedeploy.DeploymentGroup_TrafficRoute {
		return &codedeploy.DeploymentGroup_TrafficRoute{ListenerArns: []string{Ref(id)}}
	}
	pair := codedeploy.DeploymentGroup_TargetGroupPairInfo{
		TargetGroups: []codedeploy.DeploymentGroup_TargetGroupInfo{
			{Name: ptr(GetAtt(targetGroupID, "TargetGroupName"))},
			{Name: ptr(GetAtt(alternateTargetGroupID, "TargetGroupName"))},
		},
		ProdTrafficRoute: route(productionListenerID),
	}
	if slb.TestListener != "" {
		pair.TestTrafficRoute = route(testListenerID)
	}
	events := []string{"DEPLOYMENT_FAILURE"}
	dg := &codedeploy.DeploymentGroup{
		ApplicationName:      Ref(codeDeployAppID),
		DeploymentGroupName:  ptr(appName),
		ServiceRoleArn:       GetAtt(codeDeployRoleID, "Arn"),
		DeploymentConfigName: ptr(d.Config),
		DeploymentStyle: &codedeploy.DeploymentGroup_DeploymentStyle{
			DeploymentType:   ptr("BLUE_GREEN"),
			DeploymentOption: ptr("WITH_TRAFFIC_CONTROL"),
		},
		BlueGreenDeploymentConfiguration: &codedeploy.DeploymentGroup_BlueGreenDeploymentConfiguration{
			DeploymentReadyOption: &codedeploy.DeploymentGroup_DeploymentReadyOption{ActionOnTimeout: ptr("CONTINUE_DEPLOYMENT")},
			TerminateBlueInstancesOnDeploymentSuccess: &codedeploy.DeploymentGroup_BlueInstanceTerminationOption{
				Action: ptr("TERMINATE"), TerminationWaitTimeInMinutes: ptr(d.TerminationWait),
			},
		},
		ECSServices: []codedeploy.DeploymentGroup_ECSService{{
			ClusterName: ImportValue(exportName(s, ExportClusterName)),
			ServiceName: GetAtt(serviceID, "Name"),
		}},
		LoadBalancerInfo: &codedeploy.DeploymentGroup_LoadBalancerInfo{
			TargetGroupPairInfoList: []codedeploy.DeploymentGroup_TargetGroupPairInfo{pair},
		},
		Tags: e.tags(nil),
	}
	if a := svc.Deployment.Alarms; a != nil {
		dg.AlarmConfiguration = &codedeploy.DeploymentGroup_AlarmConfiguration{Enabled: ptr(true)}
		for _, n := range a.Names {
			dg.AlarmConfiguration.Alarms = append(dg.AlarmConfiguration.Alarms, codedeploy.DeploymentGroup_Alarm{Name: ptr(n)})
		}
		if a.Rollback {
			events = append(events, "DEPLOYMENT_STOP_ON_ALARM")
		}
	}
	dg.AutoRollbackConfiguration = &codedeploy.DeploymentGroup_AutoRollbackConfiguration{Enabled: ptr(d.AutoRollback), Events: events}
	t.Resources[codeDeployDGID] = dg

	appspec := appSpec(container, port, s.OnFargate(svc), s.PlatformVersion(svc))
	e.extraFiles["codedeploy/"+name+"/appspec.yaml"] = []byte(appspec)
	pipelineTD, err := withImagePlaceholder(cliTD, container)
	if err != nil {
		return err
	}
	e.extraFiles["codedeploy/"+name+"/taskdef.json"] = pipelineTD
	req := map[string]any{
		"applicationName":     appName,
		"deploymentGroupName": appName,
		"description":         "Release of " + ServiceName(s, name) + " by ecsgen's deploy.sh",
		"revision": map[string]any{
			"revisionType":   "AppSpecContent",
			"appSpecContent": map[string]any{"content": appspec},
		},
	}
	e.addJSON("codedeploy/"+name+"/create-deployment.json", req)
	st.Release = &codeDeployRelease{
		Application:      appName,
		DeploymentGroup:  appName,
		Cluster:          ClusterName(s),
		Service:          ServiceName(s, name),
		TaskDefinition:   taskDefID,
		CreateDeployment: "codedeploy/" + name + "/create-deployment.json",
	}
	return nil
}

// appSpec is the CodeDeploy AppSpec of an ECS service: which task definition to deploy, and the
// container and port behind the load balancer.
func appSpec(container string, port int, fargate bool, platformVersion string) string {
	var b strings.Builder
	b.WriteString("version: 0.0\nResources:\n  - TargetService:\n      Type: AWS::ECS::Service\n      Properties:\n")
	fmt.Fprintf(&b, "        TaskDefinition: %s\n", strconv.Quote(taskDefinitionPlaceholder))
	fmt.Fprintf(&b, "        LoadBalancerInfo:\n          ContainerName: %s\n          ContainerPort: %d\n", strconv.Quote(container), port)
	if fargate {
		fmt.Fprintf(&b, "        PlatformVersion: %s\n", strconv.Quote(platformVersion))
	}
	return b.String()
}

// withImagePlaceholder replaces the image of container in a CLI task definition with
// CodePipeline's placeholder.
func withImagePlaceholder(cliTD []byte, container string) ([]byte, error) {
	var td map[string]any
	if err := json.Unmarshal(cliTD, &td); err != nil {
		return nil, err
	}
	defs, _ := td["containerDefinitions"].([]any)
	for _, d := range defs {
		if c, ok := d.(map[string]any); ok && c["name"] == container {
			c["image"] = imagePlaceholder
		}
	}
	return marshalIndent(td)
}

// codeDeployRole is what CodeDeploy needs to run the service's blue/green deployments: the
// scoped, inline equivalent of AWSCodeDeployRoleForECS.
func (e *env) codeDeployRole(t *cloudformation.Template, name string, svc schema.Service, appName string) {
	s := e.spec
	cluster, svcName := ClusterName(s), ServiceName(s, name)
	listeners := []pseudoString{"${" + productionListenerID + "}"}
	e.setFileRef(productionListenerID, "arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:listener/*/"+LoadBalancerName(s, svc.LoadBalancer.Name)+"/*")
	if svc.LoadBalancer.TestListener != "" {
		listeners = append(listeners, "${"+testListenerID+"}")
		e.setFileRef(testListenerID, e.fileRefs[productionListenerID])
	}
	e.setFileRef(taskRoleID+".Arn", "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/"+Name(s, name+"-task"))
	e.setFileRef(executionRoleID+".Arn", "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/"+Name(s, name+"-execution"))
	statements := []statement{
		{
			Sid:       "ReadService",
			Actions:   []string{"ecs:DescribeServices"},
			Resources: []pseudoString{arn("ecs", "service/"+cluster+"/"+svcName)},
		},
		{
			Sid:       "ManageTaskSets",
			Actions:   []string{"ecs:CreateTaskSet", "ecs:DeleteTaskSet", "ecs:UpdateServicePrimaryTaskSet"},
			Resources: []pseudoString{arn("ecs", "service/"+cluster+"/"+svcName), arn("ecs", "task-set/"+cluster+"/"+svcName+"/*")},
		},
		{
			// Describe calls have no resource-level permissions.
			Sid:       "ReadLoadBalancing",
			Actions:   []string{"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups"},
			Resources: []pseudoString{"*"},
		},
		{
			Sid:       "ShiftTraffic",
			Actions:   []string{"elasticloadbalancing:ModifyListener"},
			Resources: listeners,
		},
		{
			Sid:       "StartTasksWithTheirRoles",
			Actions:   []string{"iam:PassRole"},
			Resources: []pseudoString{roleARNRef(taskRoleID, svc.TaskRole.ARN), roleARNRef(executionRoleID, s.ExecutionRoleARN(svc))},
		},
	}
	if a := svc.Deployment.Alarms; a != nil {
		var alarms []pseudoString
		for _, n := range a.Names {
			alarms = append(alarms, arn("cloudwatch", "alarm:"+n))
		}
		statements = append(statements, statement{Sid: "ReadAlarms", Actions: []string{"cloudwatch:DescribeAlarms"}, Resources: alarms})
	}
	r := role{
		Key:         name + "-codedeploy",
		LogicalID:   codeDeployRoleID,
		Name:        Name(s, name+"-codedeploy"),
		Description: "Lets CodeDeploy run the blue/green deployments of " + svcName,
		// CodeDeploy assumes the role for one deployment group (CodeDeploy user guide,
		// cross-service confused deputy prevention).
		Trust: trustedOnBehalfOf("codedeploy.amazonaws.com",
			pseudoString("arn:${AWS::Partition}:codedeploy:${AWS::Region}:${AWS::AccountId}:deploymentgroup:"+subLiteral(appName)+"/"+subLiteral(appName))),
		Permissions: policyDocument{Statements: statements},
	}
	t.Resources[codeDeployRoleID] = e.roleResource(r, e.tags(nil))
}
