package check

import (
	"testing"

	"github.com/ecsgen/ecsgen/internal/diag"
	_ "github.com/ecsgen/ecsgen/internal/golden" // defines -update for this package
	"github.com/ecsgen/ecsgen/schema"
)

func intp(v int) *int { return &v }

// base is a valid spec, close to the seed 000 example: every rule must stay silent on it.
func base() *schema.Spec {
	return &schema.Spec{
		System: "demo", Env: "dev", Region: "ap-northeast-1",
		Network: schema.Network{VPC: "vpc-0123456789abcdef0", Subnets: []string{"subnet-0123456789abcdef0"}},
		Cluster: schema.Cluster{
			ContainerInsights: "enabled",
			Capacity: schema.Capacity{EC2: map[string]schema.EC2Capacity{
				"general": {
					InstanceType:                 "t3.small",
					Size:                         schema.Size{Min: 0, Max: 2},
					ManagedScaling:               schema.ManagedScaling{Enabled: true, TargetCapacity: 100, MinimumStep: 1, MaximumStep: 100},
					ManagedTerminationProtection: true,
				},
			}},
		},
		Services: map[string]schema.Service{
			"web": {
				DesiredCount: 1,
				NetworkMode:  "bridge",
				Capacity:     map[string]schema.StrategyItem{"general": {Base: 1, Weight: 1}},
				Containers: map[string]schema.Container{
					"web": {Image: "nginx:latest", Essential: true, Memory: intp(512), Ports: []schema.PortMapping{
						{Container: 80, Host: intp(80), Protocol: "tcp"},
					}},
				},
				Deployment: schema.Deployment{MinimumHealthyPercent: 100, MaximumPercent: 200},
			},
		},
	}
}

func run(s *schema.Spec) diag.List {
	return Spec(s, diag.Positions{"services.web": {File: "spec.cue", Line: 20, Col: 2}})
}

func TestBaseIsClean(t *testing.T) {
	if f := run(base()); len(f) > 0 {
		t.Fatalf("findings on a valid spec:\n%s", f)
	}
}

// Each case breaks one rule in a minimal way and pins the whole message.
func TestRules(t *testing.T) {
	web := func(s *schema.Spec, f func(*schema.Service)) {
		svc := s.Services["web"]
		f(&svc)
		s.Services["web"] = svc
	}
	webContainer := func(s *schema.Spec, f func(*schema.Container)) {
		web(s, func(svc *schema.Service) {
			c := svc.Containers["web"]
			f(&c)
			svc.Containers = map[string]schema.Container{"web": c}
		})
	}
	general := func(s *schema.Spec, f func(*schema.EC2Capacity)) {
		c := s.Cluster.Capacity.EC2["general"]
		f(&c)
		s.Cluster.Capacity.EC2["general"] = c
	}
	cases := []struct {
		name string
		edit func(*schema.Spec)
		want string
	}{
		{"R08 no memory", func(s *schema.Spec) {
			webContainer(s, func(c *schema.Container) { c.Memory = nil })
		}, "spec.cue:20:2: services.web.containers.web: [R08] without task memory, every container needs memory or memoryReservation — set memory or memoryReservation on the container, or memory on the service"},
		{"R09 reservation above limit", func(s *schema.Spec) {
			webContainer(s, func(c *schema.Container) { c.MemoryReservation = intp(1024) })
		}, "spec.cue:20:2: services.web.containers.web.memoryReservation: [R09] memoryReservation 1024 is above the hard limit memory 512"},
		{"R09 containers above task", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) { svc.Memory = 256 })
		}, "spec.cue:20:2: services.web.memory: [R09] the containers reserve 512 MiB, more than the task's 256 MiB"},
		{"R10 no essential container", func(s *schema.Spec) {
			webContainer(s, func(c *schema.Container) { c.Essential = false })
		}, "spec.cue:20:2: services.web.containers: [R10] the task has no essential container — mark at least one container essential: true"},
		{"R11 awsvpc host port differs", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) { svc.NetworkMode = "awsvpc" })
			webContainer(s, func(c *schema.Container) { c.Ports[0].Host = intp(8080) })
		}, "spec.cue:20:2: services.web.containers.web.ports[0].host: [R11] in awsvpc network mode the host port must equal the container port 80 — leave host out: it is the container port"},
		{"R12 fixed port without room", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) { svc.DesiredCount = 2 })
		}, "spec.cue:20:2: services.web.deployment: [R12] a fixed host port fits one task per instance: a deployment runs up to 4 tasks, but the capacity has at most 2 instances, so the deployment would never finish — leave host out for dynamic ports, raise the capacity's size.max, or set maximumPercent: 100 with minimumHealthyPercent below 100"},
		{"R13 reserved host port", func(s *schema.Spec) {
			webContainer(s, func(c *schema.Container) { c.Ports[0].Host = intp(51678) })
		}, "spec.cue:20:2: services.web.containers.web.ports[0].host: [R13] host port 51678 is reserved on ECS container instances (SSH, Docker, the ECS agent) — use another host port, or a dynamic one (leave host out)"},
		{"R28 two bases", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) {})
			s.Cluster.Capacity.EC2["spare"] = s.Cluster.Capacity.EC2["general"]
			web(s, func(svc *schema.Service) {
				svc.Capacity = map[string]schema.StrategyItem{"general": {Base: 1, Weight: 1}, "spare": {Base: 1, Weight: 1}}
			})
		}, "spec.cue:20:2: services.web.capacity.spare.base: [R28] only one capacity provider of a strategy may have a base; general and spare have one — keep base on one capacity provider only"},
		{"R28 no weight", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) { svc.Capacity = map[string]schema.StrategyItem{"general": {Base: 1}} })
		}, "spec.cue:20:2: services.web.capacity: [R28] every weight of the strategy is 0, so no task beyond the base is placed — give at least one capacity provider a weight above 0"},
		{"R29 unknown capacity", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) { svc.Capacity = map[string]schema.StrategyItem{"genral": {Weight: 1}} })
		}, `spec.cue:20:2: services.web.capacity.genral: [R29] "genral" is not a capacity of this cluster — use one of: general`},
		{"R29 nothing to run on", func(s *schema.Spec) {
			s.Cluster.Capacity.EC2 = nil
			web(s, func(svc *schema.Service) { svc.Capacity = nil })
		}, "spec.cue:20:2: services.web: [R29] the service has no capacity provider strategy and the cluster has no capacity to run it on — add an EC2 capacity under cluster.capacity.ec2"},
		{"R40 protection without scaling", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) { c.ManagedScaling.Enabled = false })
		}, "spec: cluster.capacity.ec2.general.managedTerminationProtection: [R40] managed termination protection needs managed scaling; without it protected instances are never scaled in and stack deletion hangs — enable managedScaling, or set managedTerminationProtection: false"},
		{"R41 reserved prefix", func(s *schema.Spec) {
			s.System = "ecsdemo"
		}, `spec: system: [R41] the capacity provider name "ecsdemo-dev-general" starts with "ecs", which ECS reserves — choose a system name that does not start with "aws", "ecs" or "fargate"`},
		{"R42 task too big for the instance", func(s *schema.Spec) {
			webContainer(s, func(c *schema.Container) { c.Memory = intp(2048) })
		}, "spec.cue:20:2: services.web.memory: [R42] the task needs 2048 MiB, but a t3.small registers only about 1945 MiB with ECS (capacity general): it would stay PROVISIONING — use a larger instance type or less memory"},
		{"R42 cpu", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) { svc.CPU = 4096 })
		}, "spec.cue:20:2: services.web.cpu: [R42] the task needs 4096 CPU units, but a t3.small has 2048 (capacity general) — use a larger instance type or fewer CPU units"},
		{"R43 min above max", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) { c.Size = schema.Size{Min: 3, Max: 2} })
		}, "spec: cluster.capacity.ec2.general.size.min: [R43] min 3 is above max 2"},
		{"R45 architecture mismatch", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) {
				c.AMI = "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id"
			})
		}, "spec: cluster.capacity.ec2.general.ami: [R45] the AMI parameter is for arm64, but t3.small is x86_64: instances would not boot the right image — leave ami out to get the AMI that matches the instance type"},
		{"R45 Amazon Linux 2 end of life", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) {
				c.AMI = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id"
			})
		}, "spec: warning: cluster.capacity.ec2.general.ami: [R45] the ECS-optimized Amazon Linux 2 AMI reached end of life on 2026-06-30 — use the amazon-linux-2023 parameter (or leave ami out)"},
		{"R56 role name too long", func(s *schema.Spec) {
			s.System = "averyveryverylongsystemx"
			s.Env = "averyveryverylongenvironm"
			svc := s.Services["web"]
			delete(s.Services, "web")
			s.Services["averyverylongservicename"] = svc
		}, `spec: services.averyverylongservicename: [R56] the IAM role name "averyveryverylongsystemx-averyveryverylongenvironm-averyverylongservicename-execution" is 85 characters; IAM allows 64 — shorten the system, env or service name`},
		{"placement spread needs a field", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Placement.Strategies = []schema.PlacementStrategy{{Type: "spread"}}
			})
		}, `spec.cue:20:2: services.web.placement.strategies[0].field: a spread placement strategy needs a field — e.g. field: "attribute:ecs.availability-zone" or "instanceId"`},
		{"placement memberOf needs an expression", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Placement.Constraints = []schema.PlacementConstraint{{Type: "memberOf"}}
			})
		}, `spec.cue:20:2: services.web.placement.constraints[0].expression: a memberOf constraint needs an expression — e.g. expression: "attribute:ecs.instance-type =~ t3.*"`},
		{"duplicate host port", func(s *schema.Spec) {
			webContainer(s, func(c *schema.Container) {
				c.Ports = append(c.Ports, schema.PortMapping{Container: 8080, Host: intp(80), Protocol: "tcp"})
			})
		}, "spec.cue:20:2: services.web.containers.web.ports[1]: host port 80/tcp is already mapped by services.web.containers.web.ports[0]"},
		{"capacity names differ only in hyphens", func(s *schema.Spec) {
			s.Cluster.Capacity.EC2["gen-eral"] = s.Cluster.Capacity.EC2["general"]
		}, `spec: cluster.capacity.ec2.general: capacity "gen-eral" and capacity "general" differ only in hyphens, which CloudFormation logical ids cannot hold — rename one of them`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			tc.edit(s)
			got := run(s)
			if len(got) != 1 {
				t.Fatalf("want exactly one finding, got %d:\n%s", len(got), got)
			}
			if g := got[0].String(); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}

// The dynamic-port setup of seed 002 (host port left out, maximumPercent 200) is fine even
// with more tasks than instances.
func TestDynamicPortsNeedNoRoom(t *testing.T) {
	s := base()
	svc := s.Services["web"]
	svc.DesiredCount = 6
	c := svc.Containers["web"]
	c.Ports = []schema.PortMapping{{Container: 80, Protocol: "tcp"}}
	svc.Containers = map[string]schema.Container{"web": c}
	s.Services["web"] = svc
	if f := run(s); len(f) > 0 {
		t.Fatalf("unexpected findings:\n%s", f)
	}
}

func TestLookupInstance(t *testing.T) {
	for typ, want := range map[string]instanceSize{
		"t3.small": {2, 2048}, "t4g.medium": {2, 4096}, "m7i.large": {2, 8192}, "m7g.medium": {1, 4096},
		"c6i.2xlarge": {8, 16384}, "r6g.xlarge": {4, 32768}, "m5.24xlarge": {96, 393216},
	} {
		got, ok := lookupInstance(typ)
		if !ok || got != want {
			t.Errorf("%s: got %v %v, want %v", typ, got, ok, want)
		}
	}
	for _, typ := range []string{"p4d.24xlarge", "t2.micro", "m7i-flex.large", "x2gd.medium"} {
		if _, ok := lookupInstance(typ); ok {
			t.Errorf("%s: unknown types must not be guessed", typ)
		}
	}
}
