package generators

import (
	"encoding/json"

	"github.com/awslabs/goformation/v7/cloudformation"
	aas "github.com/awslabs/goformation/v7/cloudformation/applicationautoscaling"
	"github.com/awslabs/goformation/v7/cloudformation/autoscaling"

	"github.com/ecsgen/ecsgen/schema"
)

// Predictive scaling: a forecast of the load from the metric's history sets the capacity ahead
// of it. Services scale through Application Auto Scaling (PolicyType PredictiveScaling, which
// ECS services have since November 2024 and goformation lacks: servicePredictivePolicy below);
// Auto Scaling groups through their own policies (goformation has them). Every property of
// both is updatable in place: a second deploy after an edit modifies the policy.

// predictiveMode maps the spec's mode to the API's.
var predictiveMode = map[string]string{"forecastAndScale": "ForecastAndScale", "forecastOnly": "ForecastOnly"}

// predictiveBreach maps the spec's maxCapacityBreach to the API's.
var predictiveBreach = map[string]string{"honor": "HonorMaxCapacity", "increase": "IncreaseMaxCapacity"}

// serviceMetricPairs are the predefined metric pairs (a load metric and a scaling metric) of
// ECS services.
var serviceMetricPairs = map[string]string{"cpu": "ECSServiceCPUUtilization", "memory": "ECSServiceMemoryUtilization", "requestCount": "ALBRequestCount"}

// groupMetricPairs are those of Auto Scaling groups.
var groupMetricPairs = map[string]string{"cpu": "ASGCPUUtilization", "networkIn": "ASGNetworkIn", "networkOut": "ASGNetworkOut"}

// servicePredictivePolicy is AWS::ApplicationAutoScaling::ScalingPolicy with
// PredictiveScalingPolicyConfiguration.
type servicePredictivePolicy struct {
	*aas.ScalingPolicy
	config predictiveConfiguration
}

type predictiveConfiguration struct {
	MaxCapacityBreachBehavior string                 `json:"MaxCapacityBreachBehavior"`
	MaxCapacityBuffer         *int                   `json:"MaxCapacityBuffer,omitempty"`
	MetricSpecifications      []predictiveMetricSpec `json:"MetricSpecifications"`
	Mode                      string                 `json:"Mode"`
	SchedulingBufferTime      *int                   `json:"SchedulingBufferTime,omitempty"`
}

type predictiveMetricSpec struct {
	PredefinedMetricPairSpecification predictiveMetricPair `json:"PredefinedMetricPairSpecification"`
	TargetValue                       float64              `json:"TargetValue"`
}

type predictiveMetricPair struct {
	PredefinedMetricType string `json:"PredefinedMetricType"`
	ResourceLabel        string `json:"ResourceLabel,omitempty"`
}

func (p *servicePredictivePolicy) AWSCloudFormationType() string {
	return p.ScalingPolicy.AWSCloudFormationType()
}

func (p *servicePredictivePolicy) MarshalJSON() ([]byte, error) {
	base, err := json.Marshal(p.ScalingPolicy)
	if err != nil {
		return nil, err
	}
	return withProperties(base, func(props map[string]any) error {
		return mergeStruct(props, struct {
			PredictiveScalingPolicyConfiguration predictiveConfiguration
		}{p.config})
	})
}

// servicePredictive adds a service's predictive scaling policies.
func (e *env) servicePredictive(t *cloudformation.Template, name string, svc schema.Service) {
	s := e.spec
	for _, k := range sortedKeys(svc.Autoscaling.Predictive) {
		ps := svc.Autoscaling.Predictive[k]
		pair := predictiveMetricPair{PredefinedMetricType: serviceMetricPairs[ps.Metric]}
		if ps.Metric == "requestCount" {
			// app/<lb>/<id>/targetgroup/<tg>/<id>, as for target tracking (R55).
			pair.ResourceLabel = Join("/",
				ImportValue(exportName(s, ExportLoadBalancerFullName(svc.LoadBalancer.Name))),
				GetAtt(targetGroupID, "TargetGroupFullName"))
		}
		t.Resources[logicalID(k)+"ScalingPolicy"] = &servicePredictivePolicy{
			ScalingPolicy: &aas.ScalingPolicy{
				PolicyName:      ServiceName(s, name) + "-" + k,
				PolicyType:      "PredictiveScaling",
				ScalingTargetId: ptr(Ref(scalableTargetID)),
			},
			config: predictiveConfiguration{
				MaxCapacityBreachBehavior: predictiveBreach[ps.MaxCapacityBreach],
				MaxCapacityBuffer:         ps.MaxCapacityBuffer,
				MetricSpecifications:      []predictiveMetricSpec{{PredefinedMetricPairSpecification: pair, TargetValue: ps.Target}},
				Mode:                      predictiveMode[ps.Mode],
				SchedulingBufferTime:      ps.SchedulingBufferTime,
			},
		}
	}
}

// groupPredictive adds an Auto Scaling group's predictive scaling policies.
func (e *env) groupPredictive(t *cloudformation.Template, name string, c schema.EC2Capacity) {
	id := logicalID(name)
	for _, k := range sortedKeys(c.Scaling.Predictive) {
		ps := c.Scaling.Predictive[k]
		t.Resources[id+logicalID(k)+"ScalingPolicy"] = &autoscaling.ScalingPolicy{
			AutoScalingGroupName: Ref(id + "AutoScalingGroup"),
			PolicyType:           ptr("PredictiveScaling"),
			PredictiveScalingConfiguration: &autoscaling.ScalingPolicy_PredictiveScalingConfiguration{
				MaxCapacityBreachBehavior: ptr(predictiveBreach[ps.MaxCapacityBreach]),
				MaxCapacityBuffer:         ps.MaxCapacityBuffer,
				Mode:                      ptr(predictiveMode[ps.Mode]),
				SchedulingBufferTime:      ps.SchedulingBufferTime,
				MetricSpecifications: []autoscaling.ScalingPolicy_PredictiveScalingMetricSpecification{{
					TargetValue: ps.Target,
					PredefinedMetricPairSpecification: &autoscaling.ScalingPolicy_PredictiveScalingPredefinedMetricPair{
						PredefinedMetricType: groupMetricPairs[ps.Metric],
					},
				}},
			},
		}
	}
}
