package generators

import (
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	aas "github.com/awslabs/goformation/v7/cloudformation/applicationautoscaling"
	"github.com/awslabs/goformation/v7/cloudformation/autoscaling"
	"github.com/awslabs/goformation/v7/cloudformation/cloudwatch"
	"github.com/awslabs/goformation/v7/cloudformation/policies"
	"github.com/awslabs/goformation/v7/cloudformation/sns"

	"github.com/ecsgen/ecsgen/schema"
)

// Autoscaling: services scale through Application Auto Scaling (a scalable target with target
// tracking, step and scheduled policies); Auto Scaling groups that no capacity provider scales
// get policies of their own. Step policies fire on CloudWatch alarms, which also notify the
// environment's SNS topic.

const (
	scalableTargetID   = "ScalableTarget"
	notificationsTopic = "NotificationsTopic"
	// ExportNotificationsTopic is the cluster stack's export of the notifications topic ARN.
	ExportNotificationsTopic = "NotificationsTopicArn"
)

// comparisons maps the spec's comparison operators to CloudWatch's.
var comparisons = map[string]string{
	">=": "GreaterThanOrEqualToThreshold",
	">":  "GreaterThanThreshold",
	"<":  "LessThanThreshold",
	"<=": "LessThanOrEqualToThreshold",
}

// usesNotifications reports whether anything in the spec sends to the notifications topic.
func usesNotifications(s *schema.Spec) bool { return s.UsesNotificationsTopic() }

// notificationsTopicRef is the topic ARN as the cluster stack sees it.
func (e *env) notificationsTopicRef() string {
	if e.spec.Notifications.Topic != "" {
		return e.spec.Notifications.Topic
	}
	return Ref(notificationsTopic)
}

// notificationsTopicImport is the topic ARN as a service stack sees it.
func (e *env) notificationsTopicImport() string {
	if e.spec.Notifications.Topic != "" {
		return e.spec.Notifications.Topic
	}
	return ImportValue(exportName(e.spec, ExportNotificationsTopic))
}

// notifications adds the environment's SNS topic to the cluster stack when the spec needs one,
// with its policy and encryption (notifications.go).
func (e *env) notifications(t *cloudformation.Template) {
	s := e.spec
	if !usesNotifications(s) || s.Notifications.Topic != "" {
		return
	}
	topic := &sns.Topic{TopicName: ptr(Name(s, "alarms")), Tags: e.tags(nil)}
	for _, mail := range s.Notifications.Emails {
		topic.Subscription = append(topic.Subscription, sns.Topic_Subscription{Protocol: "email", Endpoint: mail})
	}
	e.secureTopic(t, topic)
	t.Resources[notificationsTopic] = topic
	e.export(t, notificationsTopic+"Arn", "SNS topic of alarms and Auto Scaling notifications", Ref(notificationsTopic), ExportNotificationsTopic)
}

// metricSpec is a CloudWatch metric with its namespace, dimensions and statistic.
type metricSpec struct {
	Namespace, Name, Statistic, Unit string
	Dimensions                       [][2]string
}

// serviceMetric resolves a service metric. requestCount needs the service's target group.
func (e *env) serviceMetric(name string, m schema.Metric) metricSpec {
	s := e.spec
	dims := [][2]string{{"ClusterName", ClusterName(s)}, {"ServiceName", ServiceName(s, name)}}
	switch m.Predefined {
	case "cpu":
		return metricSpec{Namespace: "AWS/ECS", Name: "CPUUtilization", Statistic: "Average", Dimensions: dims}
	case "memory":
		return metricSpec{Namespace: "AWS/ECS", Name: "MemoryUtilization", Statistic: "Average", Dimensions: dims}
	case "requestCount":
		return metricSpec{Namespace: "AWS/ApplicationELB", Name: "RequestCountPerTarget", Statistic: "Sum",
			Dimensions: [][2]string{{"TargetGroup", GetAtt(targetGroupID, "TargetGroupFullName")}}}
	case "responseTime":
		// Seconds from the request leaving the load balancer to the task's response headers.
		return metricSpec{Namespace: "AWS/ApplicationELB", Name: "TargetResponseTime", Statistic: "Average",
			Dimensions: [][2]string{
				{"LoadBalancer", ImportValue(exportName(s, ExportLoadBalancerFullName(e.spec.Services[name].LoadBalancer.Name)))},
				{"TargetGroup", GetAtt(targetGroupID, "TargetGroupFullName")},
			}}
	}
	return customMetric(m.Custom, func(lb string) string { return ImportValue(exportName(s, ExportLoadBalancerFullName(lb))) })
}

// clusterMetric resolves an Auto Scaling group metric: the cluster's reservations.
func (e *env) clusterMetric(m schema.Metric) metricSpec {
	dims := [][2]string{{"ClusterName", ClusterName(e.spec)}}
	switch m.Predefined {
	case "cpu":
		return metricSpec{Namespace: "AWS/ECS", Name: "CPUReservation", Statistic: "Average", Dimensions: dims}
	case "memory":
		return metricSpec{Namespace: "AWS/ECS", Name: "MemoryReservation", Statistic: "Average", Dimensions: dims}
	}
	return customMetric(m.Custom, func(lb string) string { return GetAtt(lbID(lb), "LoadBalancerFullName") })
}

// customMetric resolves a custom metric. A metric of one of the spec's load balancers gets the
// LoadBalancer dimension, its full name (app/<name>/<id>), which only exists once the load
// balancer does: lbFullName gives it as the stack being built sees it.
func customMetric(c *schema.CustomMetric, lbFullName func(lb string) string) metricSpec {
	out := metricSpec{Namespace: c.Namespace, Name: c.Name, Statistic: c.Statistic, Unit: c.Unit}
	dims := maps.Clone(c.Dimensions)
	if dims == nil {
		dims = map[string]string{}
	}
	if c.LoadBalancer != "" {
		dims["LoadBalancer"] = lbFullName(c.LoadBalancer)
	}
	for _, k := range sortedKeys(dims) {
		out.Dimensions = append(out.Dimensions, [2]string{k, dims[k]})
	}
	return out
}

// alarm is the CloudWatch alarm of a step scaling policy.
func (e *env) alarm(name, description string, a schema.ScalingAlarm, m metricSpec, policy string, notify bool, topic string) *cloudwatch.Alarm {
	al := &cloudwatch.Alarm{
		AlarmName:          ptr(name),
		AlarmDescription:   ptr(description),
		Namespace:          ptr(m.Namespace),
		MetricName:         ptr(m.Name),
		Statistic:          ptr(a.Statistic),
		Period:             ptr(a.Period),
		EvaluationPeriods:  a.EvaluationPeriods,
		Threshold:          ptr(a.Threshold),
		ComparisonOperator: comparisons[a.Comparison],
		AlarmActions:       []string{Ref(policy)},
		Tags:               e.tags(nil),
	}
	if m.Unit != "" {
		al.Unit = ptr(m.Unit)
	}
	for _, d := range m.Dimensions {
		al.Dimensions = append(al.Dimensions, cloudwatch.Alarm_Dimension{Name: d[0], Value: d[1]})
	}
	if notify {
		al.AlarmActions = append(al.AlarmActions, topic)
		al.OKActions = []string{topic}
	}
	return al
}

// serviceAutoscaling adds the scalable target and the policies of a service.
func (e *env) serviceAutoscaling(t *cloudformation.Template, name string, svc schema.Service) {
	s := e.spec
	as := svc.Autoscaling
	target := &aas.ScalableTarget{
		MinCapacity: as.Min,
		MaxCapacity: as.Max,
		// service/<cluster name>/<service name>: names, not ARNs (R54). GetAtt orders the target
		// after the service.
		ResourceId:        Join("/", "service", ClusterName(s), GetAtt(serviceID, "Name")),
		ScalableDimension: "ecs:service:DesiredCount",
		ServiceNamespace:  "ecs",
	}
	if as.Suspend.ScaleIn || as.Suspend.ScaleOut || as.Suspend.Scheduled {
		target.SuspendedState = &aas.ScalableTarget_SuspendedState{
			DynamicScalingInSuspended:  ptr(as.Suspend.ScaleIn),
			DynamicScalingOutSuspended: ptr(as.Suspend.ScaleOut),
			ScheduledScalingSuspended:  ptr(as.Suspend.Scheduled),
		}
	}
	for _, k := range sortedKeys(as.Scheduled) {
		sc := as.Scheduled[k]
		a := aas.ScalableTarget_ScheduledAction{
			ScheduledActionName:  ServiceName(s, name) + "-" + k,
			Schedule:             sc.Schedule,
			ScalableTargetAction: &aas.ScalableTarget_ScalableTargetAction{MinCapacity: sc.Min, MaxCapacity: sc.Max},
		}
		if sc.Timezone != "" {
			a.Timezone = ptr(sc.Timezone)
		}
		target.ScheduledActions = append(target.ScheduledActions, a)
	}
	t.Resources[scalableTargetID] = target

	for _, k := range sortedKeys(as.TargetTracking) {
		tt := as.TargetTracking[k]
		cfg := &aas.ScalingPolicy_TargetTrackingScalingPolicyConfiguration{
			TargetValue:      tt.Target,
			ScaleInCooldown:  ptr(tt.ScaleInCooldown),
			ScaleOutCooldown: ptr(tt.ScaleOutCooldown),
			DisableScaleIn:   ptr(tt.DisableScaleIn),
		}
		switch tt.Metric.Predefined {
		case "cpu":
			cfg.PredefinedMetricSpecification = &aas.ScalingPolicy_PredefinedMetricSpecification{PredefinedMetricType: "ECSServiceAverageCPUUtilization"}
		case "memory":
			cfg.PredefinedMetricSpecification = &aas.ScalingPolicy_PredefinedMetricSpecification{PredefinedMetricType: "ECSServiceAverageMemoryUtilization"}
		case "requestCount":
			// app/<lb>/<id>/targetgroup/<tg>/<id>: the load balancer's and the target group's
			// full names (R55).
			cfg.PredefinedMetricSpecification = &aas.ScalingPolicy_PredefinedMetricSpecification{
				PredefinedMetricType: "ALBRequestCountPerTarget",
				ResourceLabel: ptr(Join("/",
					ImportValue(exportName(s, ExportLoadBalancerFullName(svc.LoadBalancer.Name))),
					GetAtt(targetGroupID, "TargetGroupFullName"))),
			}
		default:
			m := e.serviceMetric(name, tt.Metric)
			cm := &aas.ScalingPolicy_CustomizedMetricSpecification{Namespace: ptr(m.Namespace), MetricName: ptr(m.Name), Statistic: ptr(m.Statistic)}
			if m.Unit != "" {
				cm.Unit = ptr(m.Unit)
			}
			for _, d := range m.Dimensions {
				cm.Dimensions = append(cm.Dimensions, aas.ScalingPolicy_MetricDimension{Name: d[0], Value: d[1]})
			}
			cfg.CustomizedMetricSpecification = cm
		}
		t.Resources[logicalID(k)+"ScalingPolicy"] = &aas.ScalingPolicy{
			PolicyName:                               ServiceName(s, name) + "-" + k,
			PolicyType:                               "TargetTrackingScaling",
			ScalingTargetId:                          ptr(Ref(scalableTargetID)),
			TargetTrackingScalingPolicyConfiguration: cfg,
		}
	}

	for _, k := range sortedKeys(as.StepScaling) {
		sp := as.StepScaling[k]
		policyID := logicalID(k) + "ScalingPolicy"
		cfg := &aas.ScalingPolicy_StepScalingPolicyConfiguration{
			AdjustmentType:        ptr(sp.AdjustmentType),
			Cooldown:              ptr(sp.Cooldown),
			MetricAggregationType: ptr(sp.MetricAggregation()),
		}
		for _, st := range sp.Steps {
			cfg.StepAdjustments = append(cfg.StepAdjustments, aas.ScalingPolicy_StepAdjustment{
				MetricIntervalLowerBound: st.Lower, MetricIntervalUpperBound: st.Upper, ScalingAdjustment: st.Adjustment,
			})
		}
		t.Resources[policyID] = &aas.ScalingPolicy{
			PolicyName:                     ServiceName(s, name) + "-" + k,
			PolicyType:                     "StepScaling",
			ScalingTargetId:                ptr(Ref(scalableTargetID)),
			StepScalingPolicyConfiguration: cfg,
		}
		alarmName := Fit(conventional(s, name)+"-"+k, MaxName)
		t.Resources[logicalID(k)+"Alarm"] = e.alarm(alarmName, describeAlarm(sp, "service "+ServiceName(s, name)),
			sp.Alarm, e.serviceMetric(name, sp.Alarm.Metric), policyID, sp.Notify, e.notificationsTopicImport())
	}
	e.servicePredictive(t, name, svc)
}

func describeAlarm(sp schema.StepScaling, what string) string {
	var adj []string
	for _, st := range sp.Steps {
		adj = append(adj, strconv.Itoa(st.Adjustment))
	}
	metric := sp.Alarm.Metric.Predefined
	if sp.Alarm.Metric.Custom != nil {
		metric = sp.Alarm.Metric.Custom.Namespace + "/" + sp.Alarm.Metric.Custom.Name
	}
	return fmt.Sprintf("Scales %s (%s %s) when %s %s %g over %d×%ds (generated by ecsgen)",
		what, sp.AdjustmentType, strings.Join(adj, "/"), metric, sp.Alarm.Comparison, sp.Alarm.Threshold, sp.Alarm.EvaluationPeriods, sp.Alarm.Period)
}

// groupScaling adds the policies, scheduled actions, notifications and rolling replacement of
// an Auto Scaling group.
func (e *env) groupScaling(t *cloudformation.Template, name string, c schema.EC2Capacity, asg *autoscaling.AutoScalingGroup) {
	s := e.spec
	id := logicalID(name)
	asgID := id + "AutoScalingGroup"
	if c.Notifications {
		asg.NotificationConfigurations = []autoscaling.AutoScalingGroup_NotificationConfiguration{{
			TopicARN: []string{e.notificationsTopicRef()},
			NotificationTypes: []string{
				"autoscaling:EC2_INSTANCE_LAUNCH", "autoscaling:EC2_INSTANCE_LAUNCH_ERROR",
				"autoscaling:EC2_INSTANCE_TERMINATE", "autoscaling:EC2_INSTANCE_TERMINATE_ERROR",
			},
		}}
	}
	if r := c.Replacement; r.Enabled {
		// A new launch template version replaces the instances in batches; managed draining
		// moves their tasks before each one terminates.
		asg.AWSCloudFormationUpdatePolicy = &policies.UpdatePolicy{AutoScalingRollingUpdate: &policies.AutoScalingRollingUpdate{
			MaxBatchSize:          float64(r.BatchSize),
			MinInstancesInService: float64(c.MinInstancesInService()),
			PauseTime:             r.Pause,
			SuspendProcesses:      []string{"AlarmNotification", "AZRebalance", "HealthCheck", "ReplaceUnhealthy", "ScheduledActions"},
		}}
	}
	for _, k := range sortedKeys(c.Scaling.TargetTracking) {
		tt := c.Scaling.TargetTracking[k]
		m := e.clusterMetric(tt.Metric)
		cm := &autoscaling.ScalingPolicy_CustomizedMetricSpecification{Namespace: m.Namespace, MetricName: m.Name, Statistic: m.Statistic}
		for _, d := range m.Dimensions {
			cm.Dimensions = append(cm.Dimensions, autoscaling.ScalingPolicy_MetricDimension{Name: d[0], Value: d[1]})
		}
		if m.Unit != "" {
			cm.Unit = ptr(m.Unit)
		}
		t.Resources[id+logicalID(k)+"ScalingPolicy"] = &autoscaling.ScalingPolicy{
			AutoScalingGroupName: Ref(asgID),
			PolicyType:           ptr("TargetTrackingScaling"),
			TargetTrackingConfiguration: &autoscaling.ScalingPolicy_TargetTrackingConfiguration{
				TargetValue: tt.Target, DisableScaleIn: ptr(tt.DisableScaleIn), CustomizedMetricSpecification: cm,
			},
		}
	}
	for _, k := range sortedKeys(c.Scaling.StepScaling) {
		sp := c.Scaling.StepScaling[k]
		policyID := id + logicalID(k) + "ScalingPolicy"
		pol := &autoscaling.ScalingPolicy{
			AutoScalingGroupName:    Ref(asgID),
			PolicyType:              ptr("StepScaling"),
			AdjustmentType:          ptr(sp.AdjustmentType),
			EstimatedInstanceWarmup: ptr(sp.Cooldown),
			MetricAggregationType:   ptr(sp.MetricAggregation()),
		}
		for _, st := range sp.Steps {
			pol.StepAdjustments = append(pol.StepAdjustments, autoscaling.ScalingPolicy_StepAdjustment{
				MetricIntervalLowerBound: st.Lower, MetricIntervalUpperBound: st.Upper, ScalingAdjustment: st.Adjustment,
			})
		}
		t.Resources[policyID] = pol
		t.Resources[id+logicalID(k)+"Alarm"] = e.alarm(Fit(conventional(s, name)+"-"+k, MaxName), describeAlarm(sp, "Auto Scaling group "+AutoScalingGroupName(s, name)),
			sp.Alarm, e.clusterMetric(sp.Alarm.Metric), policyID, sp.Notify, e.notificationsTopicRef())
	}
	for _, k := range sortedKeys(c.Scaling.Scheduled) {
		sc := c.Scaling.Scheduled[k]
		a := &autoscaling.ScheduledAction{AutoScalingGroupName: Ref(asgID), MinSize: sc.Min, MaxSize: sc.Max}
		if sc.Timezone != "" {
			a.TimeZone = ptr(sc.Timezone)
		}
		switch inner := sc.Schedule[strings.Index(sc.Schedule, "(")+1 : len(sc.Schedule)-1]; {
		case strings.HasPrefix(sc.Schedule, "cron("):
			a.Recurrence = ptr(inner)
		case strings.HasPrefix(sc.Schedule, "at("):
			a.StartTime = ptr(inner + "Z")
		}
		t.Resources[id+logicalID(k)+"ScheduledAction"] = a
	}
	e.groupPredictive(t, name, c)
}
