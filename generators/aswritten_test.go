package generators

import (
	"encoding/json"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// resource returns a resource's properties from a generated stack.
func resource(t *testing.T, files Files, stack, id string) map[string]any {
	t.Helper()
	r, ok := decode(t, files[stack])["Resources"].(map[string]any)[id].(map[string]any)
	if !ok {
		t.Fatalf("%s has no %s", stack, id)
	}
	return r["Properties"].(map[string]any)
}

// tagValue is the value of key in a Tags list (or "" when absent).
func tagValue(tags any, key string) string {
	list, _ := tags.([]any)
	for _, tg := range list {
		if m := tg.(map[string]any); m["Key"] == key {
			return m["Value"].(string)
		}
	}
	return ""
}

// A step policy aggregates the data points as the spec says; without a choice it follows the
// alarm's statistic (Minimum/Maximum), else Average, as before.
func TestStepScalingAggregationFollowsTheSpec(t *testing.T) {
	for _, tc := range []struct{ statistic, aggregation, want string }{
		{"Sum", "", "Average"},
		{"Maximum", "", "Maximum"},
		{"Average", "Maximum", "Maximum"},
		{"Maximum", "Minimum", "Minimum"},
	} {
		s := spec()
		step := schema.StepScaling{
			Alarm: schema.ScalingAlarm{Metric: schema.Metric{Predefined: "cpu"}, Statistic: tc.statistic, Period: 60,
				EvaluationPeriods: 1, Comparison: ">=", Threshold: 70},
			AdjustmentType: "ChangeInCapacity", Aggregation: tc.aggregation, Steps: []schema.Step{{Adjustment: 1}},
		}
		svc := s.Services["web"]
		svc.Autoscaling = &schema.ServiceAutoscaling{Min: 1, Max: 4, StepScaling: map[string]schema.StepScaling{"cpu": step}}
		s.Services["web"] = svc
		general := s.Cluster.Capacity.EC2["general"]
		general.ManagedScaling.Enabled = false
		general.Scaling.StepScaling = map[string]schema.StepScaling{"cpu": step}
		s.Cluster.Capacity.EC2["general"] = general
		files, err := Generate(s)
		if err != nil {
			t.Fatal(err)
		}
		svcPolicy := resource(t, files, "dev/stacks/demo-dev-svc-web.json", "CpuScalingPolicy")["StepScalingPolicyConfiguration"].(map[string]any)
		if got := svcPolicy["MetricAggregationType"]; got != tc.want {
			t.Errorf("service policy, statistic %s aggregation %q: MetricAggregationType %v, want %s", tc.statistic, tc.aggregation, got, tc.want)
		}
		asgPolicy := resource(t, files, "dev/stacks/demo-dev-cluster.json", "GeneralCpuScalingPolicy")
		if got := asgPolicy["MetricAggregationType"]; got != tc.want {
			t.Errorf("group policy, statistic %s aggregation %q: MetricAggregationType %v, want %s", tc.statistic, tc.aggregation, got, tc.want)
		}
	}
}

// A Name tag the user writes (spec-wide, or on a capacity) names the resources ecsgen would
// otherwise name itself; without one they keep the generated name.
func TestUsersNameTagIsKept(t *testing.T) {
	cluster := "dev/stacks/demo-dev-cluster.json"
	names := func(s *schema.Spec) map[string]string {
		s.LoadBalancers = map[string]schema.LoadBalancer{"web": {Type: "application", Scheme: "internal", AllowFrom: []string{"10.0.0.0/8"},
			Listeners: map[string]schema.Listener{"http": {Port: 80, Protocol: "HTTP"}}}}
		files, err := Generate(s)
		if err != nil {
			t.Fatal(err)
		}
		lt := resource(t, files, cluster, "GeneralLaunchTemplate")["LaunchTemplateData"].(map[string]any)
		volumes := lt["TagSpecifications"].([]any)[0].(map[string]any)
		return map[string]string{
			"instance security group": tagValue(resource(t, files, cluster, "GeneralSecurityGroup")["Tags"], "Name"),
			"Auto Scaling group":      tagValue(resource(t, files, cluster, "GeneralAutoScalingGroup")["Tags"], "Name"),
			"volumes":                 tagValue(volumes["Tags"], "Name"),
			"load balancer group":     tagValue(resource(t, files, cluster, "WebLoadBalancerSecurityGroup")["Tags"], "Name"),
			"task security group":     tagValue(resource(t, files, "dev/stacks/demo-dev-svc-web.json", "TaskSecurityGroup")["Tags"], "Name"),
		}
	}
	check := func(label string, got map[string]string, want map[string]string) {
		t.Helper()
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%s: Name tags %s, want %s", label, g, w)
		}
	}
	check("generated", names(spec()), map[string]string{
		"instance security group": "demo-dev-general", "Auto Scaling group": "demo-dev-general", "volumes": "demo-dev-general",
		"load balancer group": "demo-dev-web", "task security group": "demo-dev-web",
	})
	s := spec()
	s.Tags["Name"] = "shop"
	check("spec's Name", names(s), map[string]string{
		"instance security group": "shop", "Auto Scaling group": "shop", "volumes": "shop",
		"load balancer group": "shop", "task security group": "shop",
	})
	general := s.Cluster.Capacity.EC2["general"]
	general.Tags = map[string]string{"Name": "shop-node"}
	s.Cluster.Capacity.EC2["general"] = general
	check("capacity's Name", names(s), map[string]string{
		"instance security group": "shop-node", "Auto Scaling group": "shop-node", "volumes": "shop-node",
		"load balancer group": "shop", "task security group": "shop",
	})
}
