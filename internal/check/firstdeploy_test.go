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
	web := func(s *schema.Spec, f func(*schema.Service)) {
		svc := s.Services["web"]
		f(&svc)
		s.Services["web"] = svc
	}
	// split gives the network two public and two private subnets instead of unnamed ones.
	split := func(s *schema.Spec) {
		s.Network.Subnets = nil
		s.Network.PublicSubnets = []string{"subnet-0000000000000000a", "subnet-0000000000000000b"}
		s.Network.PrivateSubnets = []string{"subnet-1111111111111111a", "subnet-1111111111111111b"}
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
		{"public and private subnets, each resource where it belongs", func(s *schema.Spec) {
			fargate(s)
			withALB(s)
			split(s)
		}, ""},
		{"R62 internet-facing load balancer with only private subnets known", func(s *schema.Spec) {
			withALB(s)
			split(s)
			s.Network.PublicSubnets = nil
			lb := s.LoadBalancers["public"]
			lb.Scheme, lb.AllowFrom = "internet-facing", []string{"0.0.0.0/0"}
			lb.Listeners = map[string]schema.Listener{"https": {Port: 443, Protocol: "HTTPS", Certificates: []string{"arn:aws:acm:ap-northeast-1:123456789012:certificate/0a1b2c3d"}}}
			s.LoadBalancers["public"] = lb
			web(s, func(svc *schema.Service) { svc.LoadBalancer.Listener = "https" })
		}, "spec: network.privateSubnets: [R62] internet-facing load balancer public would be in private subnets (subnet-1111111111111111a, subnet-1111111111111111b), which have no route from the internet — place it in public subnets: list them in network.publicSubnets (or the load balancer's subnets), or make it scheme: \"internal\""},
		{"R63 tasks without a public IP in public subnets", func(s *schema.Spec) {
			fargate(s)
			split(s)
			web(s, func(svc *schema.Service) { svc.Subnets = s.Network.PublicSubnets })
		}, "spec.cue:20:2: services.web.subnets: [R63] the tasks get no public IP, but would run in public subnets (subnet-0000000000000000a, subnet-0000000000000000b): without one they cannot pull images or reach the ECS and CloudWatch Logs APIs there — run the tasks in network.privateSubnets (or the service's subnets), or set assignPublicIp: true"},
		{"R63 instances without a public IP in public subnets", func(s *schema.Spec) {
			split(s)
			s.Network.PrivateSubnets = nil
		}, "spec: network.publicSubnets: [R63] the instances get no public IP, but would launch in public subnets (subnet-0000000000000000a, subnet-0000000000000000b): without one they cannot register with ECS or pull images — launch the instances in network.privateSubnets (or the capacity's subnets), or set associatePublicIp: true"},
		{"R62 a subnet both public and private", func(s *schema.Spec) {
			split(s)
			s.Network.PrivateSubnets = append(s.Network.PrivateSubnets, s.Network.PublicSubnets[0])
		}, "spec: network.privateSubnets[2]: [R62] subnet-0000000000000000a is listed as public and private: a subnet routes to an internet gateway or not — list it once, under the kind its route table makes it"},
		{"R64 test listener open to a private range on an internet-facing load balancer", func(s *schema.Spec) {
			withALB(s)
			lb := s.LoadBalancers["public"]
			lb.Scheme, lb.AllowFrom = "internet-facing", []string{"0.0.0.0/0"}
			lb.Listeners["http-test"] = schema.Listener{Port: 8080, Protocol: "HTTP", AllowFrom: []string{"10.0.0.0/8", "sg-0123456789abcdef0"}}
			s.LoadBalancers["public"] = lb
			web(s, func(svc *schema.Service) {
				svc.Deployment.Strategy = "blueGreen"
				svc.LoadBalancer.TestListener = "http-test"
			})
			s.Waivers = []schema.Waiver{{Rule: "S06", Reason: "a test of the test listener alone"}}
		}, "spec: loadBalancers.public.listeners.http-test.allowFrom: [R64] listener http-test of internet-facing load balancer public admits only 10.0.0.0/8, sg-0123456789abcdef0, but clients in the VPC reach an internet-facing load balancer from their NAT gateway's public address: it admits no one — allow the public addresses the clients come from, e.g. your NAT gateways' Elastic IPs (\"203.0.113.10/32\") or the office's range; private ranges and security groups only reach an internal load balancer"},
		{"a security group source on an internal load balancer", func(s *schema.Spec) {
			withALB(s)
			lb := s.LoadBalancers["public"]
			lb.AllowFrom = []string{"sg-0123456789abcdef0"}
			s.LoadBalancers["public"] = lb
		}, ""},
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
