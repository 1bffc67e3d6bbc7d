package check

import (
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// Findings about what a real account's first deploy would do with the spec: each case pins the
// whole message of a minimal spec.
func TestFirstDeployFindings(t *testing.T) {
	scaled := func(s *schema.Spec) *schema.Service {
		fargate(s) // no fixed host ports: the count is free
		svc := s.Services["web"]
		svc.Autoscaling = &schema.ServiceAutoscaling{Min: 2, Max: 4, TargetTracking: map[string]schema.TargetTracking{"cpu": {Metric: schema.Metric{Predefined: "cpu"}, Target: 60}}}
		s.Services["web"] = svc
		return &svc
	}
	fireLens := func(s *schema.Spec, options map[string]string) {
		fargate(s)
		svc := s.Services["web"]
		svc.Containers["router"] = schema.Container{Image: "fluent-bit", Essential: true, Log: schema.Log{Driver: "awslogs"},
			Firelens: &schema.Firelens{Type: "fluentbit"}}
		c := svc.Containers["web"]
		c.Log = schema.Log{Driver: "awsfirelens", Options: options}
		svc.Containers["web"] = c
		s.Services["web"] = svc
	}
	cases := []struct {
		name string
		edit func(*schema.Spec)
		want string // "" for a spec that must stay silent
	}{
		{"autoscaling without desiredCount starts within the range", func(s *schema.Spec) {
			scaled(s)
			svc := s.Services["web"]
			svc.DesiredCount = nil
			s.Services["web"] = svc
		}, ""},
		{"autoscaling with a desiredCount inside the range", func(s *schema.Spec) {
			scaled(s)
			svc := s.Services["web"]
			svc.DesiredCount = intp(3)
			s.Services["web"] = svc
		}, ""},
		{"R53 desiredCount written outside the range", func(s *schema.Spec) {
			scaled(s)
			svc := s.Services["web"]
			svc.DesiredCount = intp(5)
			s.Services["web"] = svc
		}, "spec.cue:20:2: services.web.desiredCount: [R53] desiredCount 5 is outside the autoscaling range 2–4: the scaling would change the count as soon as the service starts — use a count from 2 to 4, or leave desiredCount out to start with 2"},
		{"FireLens to a log group the stack creates", func(s *schema.Spec) {
			fireLens(s, map[string]string{"Name": "cloudwatch_logs", "region": "ap-northeast-1", "log_group_name": "/ecs/demo-dev/web/app"})
		}, ""},
		{"R17 FireLens creating its log group at run time", func(s *schema.Spec) {
			fireLens(s, map[string]string{"Name": "cloudwatch_logs", "log_group_name": "/ecs/demo-dev/web/app", "auto_create_group": "On"})
		}, "spec.cue:20:2: warning: services.web.containers.web.log.options.auto_create_group: [R17] auto_create_group lets the FireLens router create a missing log group at run time, without retention, encryption or deletion policy, outside the stack — remove auto_create_group: ecsgen creates /ecs/demo-dev/web/app in the service's stack"},
		{"R17 FireLens log group named at run time", func(s *schema.Spec) {
			fireLens(s, map[string]string{"Name": "cloudwatch_logs", "log_group_template": "/ecs/$kubernetes['x']"})
		}, "spec.cue:20:2: warning: services.web.containers.web.log.options.log_group_template: [R17] a log group named at run time cannot be created in the stack: the router creates it without retention, encryption or deletion policy, and it outlives the stack — name the group with log_group_name, so that ecsgen creates it in the stack"},
		{"R17 FireLens log group name CloudWatch refuses", func(s *schema.Spec) {
			fireLens(s, map[string]string{"Name": "cloudwatch", "log_group_name": "app logs"})
		}, `spec.cue:20:2: services.web.containers.web.log.options.log_group_name: [R17] "app logs" is not a CloudWatch Logs group name — use letters, digits and . - _ / # only, at most 512 characters`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			tc.edit(s)
			got := run(s)
			if tc.want == "" {
				if len(got) > 0 {
					t.Fatalf("findings on a valid spec:\n%s", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("want exactly one finding, got %d:\n%s", len(got), got)
			}
			if g := got[0].String(); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}
