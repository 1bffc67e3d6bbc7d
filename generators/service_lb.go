package generators

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/ec2"
	"github.com/awslabs/goformation/v7/cloudformation/ecs"
	elbv2 "github.com/awslabs/goformation/v7/cloudformation/elasticloadbalancingv2"

	"github.com/ecsgen/ecsgen/schema"
)

// The service side of a load balancer: target groups, the listener rules (or dedicated
// listeners) that send traffic to them, the task security group's ingress, and the service's
// LoadBalancers entry, which depends on the rule or listener so that the target group is
// attached to the load balancer before the service registers tasks in it (R33).

const (
	targetGroupID          = "TargetGroup"
	alternateTargetGroupID = "AlternateTargetGroup"
	listenerRuleID         = "ListenerRule"
	testListenerRuleID     = "TestListenerRule"
	productionListenerID   = "ProductionListener"
	testListenerID         = "TestListener"
	loadBalancerRoleID     = "LoadBalancerRole"
	loadBalancerEgressID   = "LoadBalancerEgress"
	liveTargetGroupParam   = "LiveTargetGroup"
	alternateIsLive        = "AlternateTargetGroupIsLive"
)

// targetType is the target type a network mode needs (R32).
func targetType(networkMode string) string {
	if networkMode == "awsvpc" {
		return "ip"
	}
	return "instance"
}

// serviceLoadBalancer wires a service to its load balancer. It returns the logical ids the
// service must depend on.
func (e *env) serviceLoadBalancer(t *cloudformation.Template, st *stack, name string, svc schema.Service, res *service) {
	s := e.spec
	slb := svc.LoadBalancer
	lb := s.LoadBalancers[slb.Name]
	container, port := s.Target(svc)
	e.serviceVPC(t, st)

	native := svc.Deployment.NativeBlueGreen()
	twoGroups := native || svc.Deployment.Strategy == schema.CodeDeployBlueGreen
	t.Resources[targetGroupID] = e.targetGroup(svc, lb, port, 0)
	// forward is the target group the traffic goes to. With two groups, a blue/green release
	// moves the traffic to the other one; a later stack update that rewrites the listener or
	// rule must not move it back, so deploy.sh passes the group that is live (LiveTargetGroup).
	// idle is the other group, where the next release starts its new tasks.
	forward, idle := Ref(targetGroupID), ""
	if twoGroups {
		t.Resources[alternateTargetGroupID] = e.targetGroup(svc, lb, port, 1)
		t.Parameters[liveTargetGroupParam] = cloudformation.Parameter{
			Type:          "String",
			Default:       targetGroupID,
			AllowedValues: []any{targetGroupID, alternateTargetGroupID},
			Description:   ptr("Target group that takes production traffic now (deploy.sh reads it before each update)"),
		}
		if t.Conditions == nil {
			t.Conditions = map[string]any{}
		}
		t.Conditions[alternateIsLive] = Equals(Ref(liveTargetGroupParam), alternateTargetGroupID)
		forward = If(alternateIsLive, Ref(alternateTargetGroupID), Ref(targetGroupID))
		idle = If(alternateIsLive, Ref(targetGroupID), Ref(alternateTargetGroupID))
	}

	var dependsOn []string
	if _, dedicated := e.dedicated[[2]string{slb.Name, slb.Listener}]; dedicated {
		// The service owns its listeners: they forward everything to its target group, and
		// CodeDeploy swaps the target groups by rewriting them.
		lbArn := ImportValue(exportName(s, ExportLoadBalancerArn(slb.Name)))
		l := listener(lbArn, lb.Listeners[slb.Listener])
		l.DefaultActions = []elbv2.Listener_Action{{Type: "forward", TargetGroupArn: ptr(forward)}}
		t.Resources[productionListenerID] = l
		st.LiveTraffic = &liveTraffic{Listener: productionListenerID}
		extraCertificates(t, productionListenerID, Ref(productionListenerID), lb.Listeners[slb.Listener])
		dependsOn = append(dependsOn, productionListenerID)
		if slb.TestListener != "" {
			tl := listener(lbArn, lb.Listeners[slb.TestListener])
			tl.DefaultActions = []elbv2.Listener_Action{{Type: "forward", TargetGroupArn: ptr(forward)}}
			t.Resources[testListenerID] = tl
			extraCertificates(t, testListenerID, Ref(testListenerID), lb.Listeners[slb.TestListener])
			dependsOn = append(dependsOn, testListenerID)
		}
	} else {
		// An ECS-native blue/green deployment rolls back at once ("invalid networking
		// configuration") unless each of its two target groups is in the production or the test
		// rule. Each rule holds both, the live one at weight 1 and the idle one at 0, as AWS's
		// own samples set them and as ECS leaves them after a release (it shifts traffic by
		// rewriting the weights); deploy.sh reads the live group from the production rule's
		// weights before each update, so an update keeps the traffic where it is.
		production, test := forwardTo(forward), forwardTo(forward)
		if native {
			production, test = forwardWeighted(forward, idle), forwardWeighted(forward, idle)
		}
		t.Resources[listenerRuleID] = listenerRule(
			ImportValue(exportName(s, ExportListenerArn(slb.Name, slb.Listener))), RulePriority(slb.Name, slb.Listener, name, slb.Rule), slb.Rule, production)
		if twoGroups {
			st.LiveTraffic = &liveTraffic{Rule: listenerRuleID}
		}
		dependsOn = append(dependsOn, listenerRuleID)
		if slb.TestListener != "" {
			t.Resources[testListenerRuleID] = listenerRule(
				ImportValue(exportName(s, ExportListenerArn(slb.Name, slb.TestListener))), RulePriority(slb.Name, slb.TestListener, name, slb.Rule), slb.Rule, test)
			dependsOn = append(dependsOn, testListenerRuleID)
		}
	}

	if sg, ok := t.Resources[taskSGID].(*ec2.SecurityGroup); ok {
		// awsvpc tasks admit their traffic port from the load balancer only, and the load
		// balancer may reach them there: its egress rule lives here, with the task security
		// group it names, so the cluster stack never depends on a service stack. The service
		// starts after it, so no task is registered before the load balancer can reach it.
		lbGroup := ImportValue(exportName(s, ExportLoadBalancerSG(slb.Name)))
		if hp := slb.HealthCheck.Port; hp != 0 && hp != port {
			// Health checks on a port of their own (always TCP: HTTP or a TCP connect).
			sg.SecurityGroupIngress = append(sg.SecurityGroupIngress, ec2.SecurityGroup_Ingress{
				IpProtocol: "tcp", FromPort: ptr(hp), ToPort: ptr(hp), SourceSecurityGroupId: ptr(lbGroup),
				Description: ptr("Health checks from load balancer " + slb.Name),
			})
			t.Resources[loadBalancerEgressID+"HealthCheck"] = targetEgress(lbGroup, Ref(taskSGID), "tcp", hp, hp, "Health checks of ECS service "+ServiceName(s, name))
			res.AWSCloudFormationDependsOn = append(res.AWSCloudFormationDependsOn, loadBalancerEgressID+"HealthCheck")
		}
		for i, proto := range ipProtocols(lb.Listeners[slb.Listener].Protocol) {
			sg.SecurityGroupIngress = append(sg.SecurityGroupIngress, ec2.SecurityGroup_Ingress{
				IpProtocol:            proto,
				FromPort:              ptr(port),
				ToPort:                ptr(port),
				SourceSecurityGroupId: ptr(lbGroup),
				Description:           ptr("Traffic from load balancer " + slb.Name),
			})
			id := loadBalancerEgressID
			if i > 0 {
				id += strings.ToUpper(proto)
			}
			t.Resources[id] = targetEgress(lbGroup, Ref(taskSGID), proto, port, port, "Tasks of ECS service "+ServiceName(s, name))
			res.AWSCloudFormationDependsOn = append(res.AWSCloudFormationDependsOn, id)
		}
	}

	res.LoadBalancers = []ecs.Service_LoadBalancer{{
		ContainerName:  ptr(container),
		ContainerPort:  ptr(port),
		TargetGroupArn: ptr(Ref(targetGroupID)),
	}}
	grace := 60
	if svc.HealthCheckGracePeriod != nil {
		grace = *svc.HealthCheckGracePeriod
	}
	res.HealthCheckGracePeriodSeconds = ptr(grace)
	e.additionalTargets(t, name, svc, res)
	if svc.Deployment.NativeBlueGreen() {
		// The advanced configuration references the rules, which orders the service after them.
		e.loadBalancerRole(t, name, slb.TestListener != "")
		adv := &loadBalancerAdvanced{
			AlternateTargetGroupArn: Ref(alternateTargetGroupID),
			ProductionListenerRule:  Ref(listenerRuleID),
			RoleArn:                 GetAtt(loadBalancerRoleID, "Arn"),
		}
		if slb.TestListener != "" {
			adv.TestListenerRule = Ref(testListenerRuleID)
		}
		res.loadBalancerExtras = []*loadBalancerAdvanced{adv}
	} else {
		res.AWSCloudFormationDependsOn = append(res.AWSCloudFormationDependsOn, dependsOn...)
	}
}

// serviceVPC is the VPC id in a service stack: the Ref of its VpcId parameter, declared once,
// or the network stack's export.
func (e *env) serviceVPC(t *cloudformation.Template, st *stack) string {
	return e.vpcRef(t, st, serviceVPCParam, "VPC of the service")
}

// targetGroup is the index-th target group of a service (the second is a blue/green
// deployment's alternate). Its name is the spec's targetGroupNames[index], or left to
// CloudFormation: generated names always fit the 32-character limit (R31), and a change that
// replaces the group (port, protocol, target type) cannot fail on a name already taken (R38).
func (e *env) targetGroup(svc schema.Service, lb schema.LoadBalancer, port, index int) *elbv2.TargetGroup {
	slb := svc.LoadBalancer
	hc := slb.HealthCheck
	tg := &elbv2.TargetGroup{
		VpcId:                      ptr(e.vpcID(serviceVPCParam)),
		Port:                       ptr(port),
		TargetType:                 ptr(targetType(e.spec.NetworkMode(svc))),
		HealthCheckPort:            ptr(healthCheckPort(hc)),
		HealthCheckIntervalSeconds: ptr(hc.Interval),
		HealthCheckTimeoutSeconds:  ptr(hc.Timeout),
		HealthyThresholdCount:      ptr(hc.HealthyThreshold),
		UnhealthyThresholdCount:    ptr(hc.UnhealthyThreshold),
		Tags:                       e.tags(nil),
	}
	if index < len(slb.TargetGroupNames) {
		tg.Name = ptr(slb.TargetGroupNames[index])
	}
	attrs := map[string]string{"deregistration_delay.timeout_seconds": strconv.Itoa(slb.DeregistrationDelay)}
	if lb.Type == "application" {
		tg.Protocol = ptr("HTTP")
		tg.HealthCheckProtocol = ptr("HTTP")
		tg.HealthCheckPath = ptr(hc.Path)
		tg.Matcher = &elbv2.TargetGroup_Matcher{HttpCode: ptr(hc.Matcher)}
		// ProtocolVersion is create-only (a change replaces the group); HTTP1, AWS's default, is
		// left out so that specs written before it build the same templates.
		if v := slb.ProtocolVersion; v != "" && v != schema.ProtocolHTTP1 {
			tg.ProtocolVersion = ptr(v)
		}
		if slb.ProtocolVersion == schema.ProtocolGRPC {
			code := hc.GrpcCode
			if code == "" {
				code = schema.DefaultGrpcCode
			}
			tg.Matcher = &elbv2.TargetGroup_Matcher{GrpcCode: ptr(code)}
		}
		if slb.SlowStart > 0 {
			attrs["slow_start.duration_seconds"] = strconv.Itoa(slb.SlowStart)
		}
		if slb.Stickiness != nil {
			attrs["stickiness.enabled"] = "true"
			attrs["stickiness.type"] = "lb_cookie"
			attrs["stickiness.lb_cookie.duration_seconds"] = strconv.Itoa(slb.Stickiness.Duration)
		}
	} else {
		proto := lb.Listeners[slb.Listener].Protocol
		if proto == "TLS" {
			proto = "TCP" // TLS ends at the load balancer
		}
		tg.Protocol = ptr(proto)
		tg.HealthCheckProtocol = ptr("TCP")
	}
	for _, k := range sortedKeys(attrs) {
		tg.TargetGroupAttributes = append(tg.TargetGroupAttributes, elbv2.TargetGroup_TargetGroupAttribute{Key: ptr(k), Value: ptr(attrs[k])})
	}
	return tg
}

// healthCheckPort is the target group's HealthCheckPort: the spec's, or the traffic port.
func healthCheckPort(hc schema.TargetHealth) string {
	if hc.Port != 0 {
		return strconv.Itoa(hc.Port)
	}
	return "traffic-port"
}

func listenerRule(listenerArn string, priority int, r schema.ListenerRule, action elbv2.ListenerRule_Action) *elbv2.ListenerRule {
	rule := &elbv2.ListenerRule{
		ListenerArn: ptr(listenerArn),
		Priority:    priority,
		Actions:     []elbv2.ListenerRule_Action{action},
	}
	if len(r.Hosts) > 0 {
		rule.Conditions = append(rule.Conditions, elbv2.ListenerRule_RuleCondition{
			Field: ptr("host-header"), HostHeaderConfig: &elbv2.ListenerRule_HostHeaderConfig{Values: r.Hosts},
		})
	}
	paths := r.Paths
	if len(paths) == 0 && len(r.Hosts) == 0 {
		paths = []string{"/*"}
	}
	if len(paths) > 0 {
		rule.Conditions = append(rule.Conditions, elbv2.ListenerRule_RuleCondition{
			Field: ptr("path-pattern"), PathPatternConfig: &elbv2.ListenerRule_PathPatternConfig{Values: paths},
		})
	}
	if len(r.SourceIPs) > 0 {
		rule.Conditions = append(rule.Conditions, elbv2.ListenerRule_RuleCondition{
			Field: ptr("source-ip"), SourceIpConfig: &elbv2.ListenerRule_SourceIpConfig{Values: r.SourceIPs},
		})
	}
	for _, h := range sortedKeys(r.Headers) {
		rule.Conditions = append(rule.Conditions, elbv2.ListenerRule_RuleCondition{
			Field: ptr("http-header"), HttpHeaderConfig: &elbv2.ListenerRule_HttpHeaderConfig{HttpHeaderName: ptr(h), Values: r.Headers[h]},
		})
	}
	return rule
}

// forwardTo is a rule's action that forwards everything to one target group.
func forwardTo(group string) elbv2.ListenerRule_Action {
	return elbv2.ListenerRule_Action{Type: "forward", TargetGroupArn: ptr(group)}
}

// forwardWeighted forwards everything to live and nothing to idle: both groups are in the rule,
// as ECS-native blue/green deployments need them (serviceLoadBalancer).
func forwardWeighted(live, idle string) elbv2.ListenerRule_Action {
	return elbv2.ListenerRule_Action{Type: "forward", ForwardConfig: &elbv2.ListenerRule_ForwardConfig{
		TargetGroups: []elbv2.ListenerRule_TargetGroupTuple{
			{TargetGroupArn: ptr(live), Weight: ptr(1)},
			{TargetGroupArn: ptr(idle), Weight: ptr(0)},
		},
	}}
}

// loadBalancerRole is the role ECS assumes to shift traffic in a native blue/green deployment:
// the inline, scoped equivalent of AmazonECSInfrastructureRolePolicyForLoadBalancers.
func (e *env) loadBalancerRole(t *cloudformation.Template, name string, test bool) {
	s := e.spec
	rules := []pseudoString{"${" + listenerRuleID + "}"}
	if test {
		rules = append(rules, "${"+testListenerRuleID+"}")
	}
	e.setFileRef(targetGroupID, "arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:targetgroup/*")
	e.setFileRef(alternateTargetGroupID, e.fileRefs[targetGroupID])
	e.setFileRef(listenerRuleID, "arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:listener-rule/app/*")
	e.setFileRef(testListenerRuleID, e.fileRefs[listenerRuleID])
	r := role{
		Key:         name + "-load-balancer",
		LogicalID:   loadBalancerRoleID,
		Name:        Name(s, name+"-lb"),
		Description: "Lets ECS shift traffic between the target groups of " + ServiceName(s, name),
		Trust:       trustedBy("ecs.amazonaws.com"),
		Permissions: policyDocument{Statements: []statement{
			{
				// Describe calls have no resource-level permissions.
				Sid:       "ReadLoadBalancing",
				Actions:   []string{"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"},
				Resources: []pseudoString{"*"},
			},
			{
				Sid:       "RegisterTasks",
				Actions:   []string{"elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets"},
				Resources: []pseudoString{"${" + targetGroupID + "}", "${" + alternateTargetGroupID + "}"},
			},
			{
				Sid:       "ShiftTraffic",
				Actions:   []string{"elasticloadbalancing:ModifyRule"},
				Resources: rules,
			},
		}},
	}
	t.Resources[loadBalancerRoleID] = e.roleResource(r, e.tags(nil))
}

// deploymentConfiguration sets the deployment controller and configuration of a service.
func (e *env) deploymentConfiguration(t *cloudformation.Template, name string, svc schema.Service, res *service) {
	d := svc.Deployment
	dc := &ecs.Service_DeploymentConfiguration{
		MinimumHealthyPercent: ptr(d.MinimumHealthyPercent),
		MaximumPercent:        ptr(d.MaximumPercent),
	}
	res.DeploymentConfiguration = dc
	if d.Strategy == schema.CodeDeployBlueGreen {
		// CodeDeploy owns the deployment: no circuit breaker or alarms on the service (R52).
		res.DeploymentController = &ecs.Service_DeploymentController{Type: ptr("CODE_DEPLOY")}
		return
	}
	res.DeploymentController = &ecs.Service_DeploymentController{Type: ptr("ECS")}
	if d.Alarms != nil {
		dc.Alarms = &ecs.Service_DeploymentAlarms{AlarmNames: d.Alarms.Names, Enable: true, Rollback: d.Alarms.Rollback}
	}
	if !d.NativeBlueGreen() {
		dc.DeploymentCircuitBreaker = &ecs.Service_DeploymentCircuitBreaker{Enable: d.CircuitBreaker.Enabled, Rollback: d.CircuitBreaker.Rollback}
		return
	}
	extra := &serviceDeploymentExtras{BakeTimeInMinutes: d.BakeTime}
	switch d.Strategy {
	case schema.BlueGreen:
		extra.Strategy = "BLUE_GREEN"
	case schema.CanaryDeployment:
		extra.Strategy = "CANARY"
		extra.CanaryConfiguration = &canaryConfiguration{CanaryPercent: d.Canary.Percent, CanaryBakeTimeInMinutes: d.Canary.BakeTime}
	case schema.LinearDeployment:
		extra.Strategy = "LINEAR"
		extra.LinearConfiguration = &linearConfiguration{StepPercent: d.Linear.StepPercent, StepBakeTimeInMinutes: d.Linear.BakeTime}
	}
	if len(d.LifecycleHooks) > 0 {
		e.hooksRole(t, name, d.LifecycleHooks)
		for _, h := range d.LifecycleHooks {
			extra.LifecycleHooks = append(extra.LifecycleHooks, deploymentLifecycleHook{
				HookTargetArn: h.Lambda, RoleArn: GetAtt(hooksRoleID, "Arn"), LifecycleStages: h.Stages,
			})
		}
	}
	res.deployment = extra
}

const hooksRoleID = "DeploymentHooksRole"

// hooksRole may invoke exactly the Lambda functions of the deployment's lifecycle hooks.
func (e *env) hooksRole(t *cloudformation.Template, name string, hooks []schema.LifecycleHook) {
	var fns []pseudoString
	for _, h := range hooks {
		if p := userTemplate(h.Lambda); !slices.Contains(fns, p) {
			fns = append(fns, p)
		}
	}
	r := role{
		Key:         name + "-deployment-hooks",
		LogicalID:   hooksRoleID,
		Name:        Name(e.spec, name+"-hooks"),
		Description: fmt.Sprintf("Lets ECS call the deployment lifecycle hooks of %s", ServiceName(e.spec, name)),
		Trust:       trustedBy("ecs.amazonaws.com"),
		Permissions: policyDocument{Statements: []statement{{Sid: "InvokeHooks", Actions: []string{"lambda:InvokeFunction"}, Resources: fns}}},
	}
	t.Resources[hooksRoleID] = e.roleResource(r, e.tags(nil))
}

// AdditionalTargetRuleKey is what a listener rule priority of an additional target is derived
// from in place of the service's name (see RulePriority): the service and the target, which
// no service name can equal (a service name has no "/").
func AdditionalTargetRuleKey(service, target string) string { return service + "/" + target }

// additionalTargets wires the service's further ports to its load balancer: for each target
// (in name order) a target group and a listener rule of its own (<Target>TargetGroup,
// <Target>ListenerRule), the task security group's ingress on the port, and one more
// LoadBalancers entry, after the service's own, so that the resources of the first target keep
// their logical ids. Only rolling deployments on application load balancers (R81, checked).
func (e *env) additionalTargets(t *cloudformation.Template, name string, svc schema.Service, res *service) {
	s := e.spec
	slb := svc.LoadBalancer
	lb := s.LoadBalancers[slb.Name]
	primaryContainer, _ := s.Target(svc)
	for _, k := range sortedKeys(slb.AdditionalTargets) {
		target := slb.AdditionalTargets[k].AsLoadBalancer(slb.Name, primaryContainer)
		id := logicalID(k)
		own := svc
		own.LoadBalancer = &target
		t.Resources[id+targetGroupID] = e.targetGroup(own, lb, target.Port, 0)
		t.Resources[id+listenerRuleID] = listenerRule(
			ImportValue(exportName(s, ExportListenerArn(slb.Name, target.Listener))),
			RulePriority(slb.Name, target.Listener, AdditionalTargetRuleKey(name, k), target.Rule), target.Rule, forwardTo(Ref(id+targetGroupID)))
		res.AWSCloudFormationDependsOn = append(res.AWSCloudFormationDependsOn, id+listenerRuleID)
		if sg, ok := t.Resources[taskSGID].(*ec2.SecurityGroup); ok {
			lbGroup := ImportValue(exportName(s, ExportLoadBalancerSG(slb.Name)))
			ports := []int{target.Port}
			if hp := target.HealthCheck.Port; hp != 0 && hp != target.Port {
				ports = append(ports, hp)
			}
			for i, port := range ports {
				what, egressID := "Traffic ("+k+")", loadBalancerEgressID+id
				if i > 0 {
					what, egressID = "Health checks ("+k+")", egressID+"HealthCheck"
				}
				sg.SecurityGroupIngress = append(sg.SecurityGroupIngress, ec2.SecurityGroup_Ingress{
					IpProtocol: "tcp", FromPort: ptr(port), ToPort: ptr(port), SourceSecurityGroupId: ptr(lbGroup),
					Description: ptr(what + " from load balancer " + slb.Name),
				})
				t.Resources[egressID] = targetEgress(lbGroup, Ref(taskSGID), "tcp", port, port, what+" of ECS service "+ServiceName(s, name))
				res.AWSCloudFormationDependsOn = append(res.AWSCloudFormationDependsOn, egressID)
			}
		}
		res.LoadBalancers = append(res.LoadBalancers, ecs.Service_LoadBalancer{
			ContainerName:  ptr(target.Container),
			ContainerPort:  ptr(target.Port),
			TargetGroupArn: ptr(Ref(id + targetGroupID)),
		})
	}
}
