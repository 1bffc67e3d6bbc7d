package check

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/internal/golden" // defines -update for this package
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
				DesiredCount: intp(1),
				NetworkMode:  "bridge",
				Capacity:     map[string]schema.StrategyItem{"general": {Base: 1, Weight: 1}},
				Containers: map[string]schema.Container{
					"web": {Image: "nginx:latest", Essential: true, Memory: intp(512), Ports: []schema.PortMapping{
						{Container: 80, Host: intp(80), Protocol: "tcp"},
					}, Log: schema.Log{Driver: "awslogs"}},
				},
				Deployment:      schema.Deployment{MinimumHealthyPercent: 100, MaximumPercent: 200},
				RuntimePlatform: schema.RuntimePlatform{OperatingSystemFamily: "LINUX", CPUArchitecture: "X86_64"},
			},
		},
	}
}

// withALB puts the base service behind an HTTP application load balancer on dynamic ports.
func withALB(s *schema.Spec) {
	s.Network.Subnets = []string{"subnet-0123456789abcdef0", "subnet-0fedcba9876543210"}
	s.LoadBalancers = map[string]schema.LoadBalancer{"public": {
		Type: "application", Scheme: "internal", AllowFrom: []string{"10.0.0.0/8"}, DropInvalidHeaderFields: true, RestrictEgress: true,
		Listeners: map[string]schema.Listener{
			"http":      {Port: 80, Protocol: "HTTP"},
			"http-test": {Port: 8080, Protocol: "HTTP"},
		},
	}}
	svc := s.Services["web"]
	svc.LoadBalancer = &schema.ServiceLoadBalancer{Name: "public", Listener: "http",
		HealthCheck: schema.TargetHealth{Path: "/", Matcher: "200", Interval: 15, Timeout: 5, HealthyThreshold: 3, UnhealthyThreshold: 3}}
	c := svc.Containers["web"]
	c.Ports = []schema.PortMapping{{Container: 80, Protocol: "tcp"}}
	svc.Containers = map[string]schema.Container{"web": c}
	svc.Deployment.Strategy = "rolling"
	s.Services["web"] = svc
}

// fargate turns the base service into a valid Fargate service.
func fargate(s *schema.Spec) {
	svc := s.Services["web"]
	svc.Capacity = map[string]schema.StrategyItem{"FARGATE": {Weight: 1}}
	svc.CPU, svc.Memory = 512, 1024
	svc.NetworkMode = "" // derived: awsvpc
	c := svc.Containers["web"]
	c.Ports = []schema.PortMapping{{Container: 80, Protocol: "tcp"}}
	svc.Containers = map[string]schema.Container{"web": c}
	s.Services["web"] = svc
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
			web(s, func(svc *schema.Service) { svc.DesiredCount = intp(2) })
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
		}, `spec.cue:20:2: services.web.capacity.genral: [R29] "genral" is not a capacity of this cluster — use one of: general, FARGATE, FARGATE_SPOT`},
		{"R02 bridge on Fargate", func(s *schema.Spec) {
			fargate(s)
			web(s, func(svc *schema.Service) { svc.NetworkMode = "bridge" })
		}, "spec.cue:20:2: services.web.networkMode: [R02] Fargate supports only the awsvpc network mode, not bridge — remove networkMode (Fargate uses awsvpc)"},
		{"R02 no task size", func(s *schema.Spec) {
			fargate(s)
			web(s, func(svc *schema.Service) { svc.CPU, svc.Memory = 0, 0 })
		}, "spec.cue:20:2: services.web: [R02] a Fargate task needs task-level cpu and memory — set cpu and memory on the service, e.g. cpu: 512, memory: 1024"},
		{"R01 invalid Fargate size", func(s *schema.Spec) {
			fargate(s)
			web(s, func(svc *schema.Service) { svc.CPU, svc.Memory = 512, 512 })
		}, "spec.cue:20:2: services.web.memory: [R01] Fargate has no task size of 512 CPU and 512 MiB — with cpu 512 use memory 1024 to 4096 in steps of 1024"},
		{"R01 invalid Fargate cpu", func(s *schema.Spec) {
			fargate(s)
			web(s, func(svc *schema.Service) { svc.CPU = 300 })
		}, "spec.cue:20:2: services.web.cpu: [R01] 300 is not a Fargate CPU size — use 256, 512, 1024, 2048, 4096, 8192 or 16384"},
		{"R02 placement on Fargate", func(s *schema.Spec) {
			fargate(s)
			web(s, func(svc *schema.Service) {
				svc.Placement.Constraints = []schema.PlacementConstraint{{Type: "distinctInstance"}}
			})
		}, "spec.cue:20:2: services.web.placement: [R02] placement strategies and constraints apply to EC2 capacity only — remove placement: Fargate places tasks itself"},
		{"R04 8 vCPU on 1.3.0", func(s *schema.Spec) {
			fargate(s)
			web(s, func(svc *schema.Service) { svc.CPU, svc.Memory, svc.PlatformVersion = 8192, 16384, "1.3.0" })
		}, `spec.cue:20:2: services.web.platformVersion: [R04] 8192 CPU units need Fargate platform version 1.4.0 or later — use "1.4.0" or "LATEST"`},
		{"R05 platform version on EC2", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) { svc.PlatformVersion = "1.4.0" })
		}, "spec.cue:20:2: services.web.platformVersion: [R05] a platform version applies to Fargate only; this service runs on EC2 capacity — remove platformVersion"},
		{"R06 EFS on 1.3.0", func(s *schema.Spec) {
			fargate(s)
			web(s, func(svc *schema.Service) {
				svc.PlatformVersion = "1.3.0"
				svc.Volumes = map[string]schema.Volume{"data": {EFS: &schema.EFSVolume{FileSystemID: "fs-01234567", TransitEncryption: true}}}
			})
		}, `spec.cue:20:2: services.web.platformVersion: [R06] EFS volumes need Fargate platform version 1.4.0 or later (volume data) — use "1.4.0" or "LATEST"`},
		{"R07 IAM without transit encryption", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Volumes = map[string]schema.Volume{"data": {EFS: &schema.EFSVolume{FileSystemID: "fs-01234567", IAM: true}}}
			})
		}, "spec.cue:20:2: services.web.volumes.data.efs.transitEncryption: [R07] IAM authorization and access points need transit encryption — set transitEncryption: true"},
		{"R07 access point with root directory", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Volumes = map[string]schema.Volume{"data": {EFS: &schema.EFSVolume{FileSystemID: "fs-01234567", AccessPointID: "fsap-01234567", RootDirectory: "/data", TransitEncryption: true}}}
			})
		}, "spec.cue:20:2: services.web.volumes.data.efs.rootDirectory: [R07] with an access point, the root directory is the access point's; rootDirectory must be left out — set the directory on the access point instead"},
		{"R14 unknown dependency", func(s *schema.Spec) {
			webContainer(s, func(c *schema.Container) { c.DependsOn = map[string]string{"db": "START"} })
		}, `spec.cue:20:2: services.web.containers.web.dependsOn.db: [R14] "db" is not a container of this task — use one of: web`},
		{"R14 HEALTHY without health check", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Containers["init"] = schema.Container{Image: "busybox", Memory: intp(64), Log: schema.Log{Driver: "awslogs"}}
				c := svc.Containers["web"]
				c.DependsOn = map[string]string{"init": "HEALTHY"}
				svc.Containers["web"] = c
			})
		}, "spec.cue:20:2: services.web.containers.web.dependsOn.init: [R14] init has no health check, so it never becomes HEALTHY and the task stays PENDING — give init a healthCheck, or depend on START"},
		{"R14 SUCCESS on an essential container", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Containers["init"] = schema.Container{Image: "busybox", Essential: true, Memory: intp(64), Log: schema.Log{Driver: "awslogs"}}
				c := svc.Containers["web"]
				c.DependsOn = map[string]string{"init": "SUCCESS"}
				svc.Containers["web"] = c
			})
		}, "spec.cue:20:2: services.web.containers.web.dependsOn.init: [R14] a SUCCESS dependency must not be essential: when it exits, an essential container stops the task — set essential: false on init"},
		{"R14 cycle", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Containers["a"] = schema.Container{Image: "busybox", Memory: intp(64), Log: schema.Log{Driver: "awslogs"}, DependsOn: map[string]string{"web": "START"}}
				c := svc.Containers["web"]
				c.DependsOn = map[string]string{"a": "START"}
				svc.Containers["web"] = c
			})
		}, "spec.cue:20:2: services.web.containers.a.dependsOn: [R14] the containers depend on each other in a cycle: a → web → a — break the cycle"},
		{"R15 awsfirelens without a router", func(s *schema.Spec) {
			webContainer(s, func(c *schema.Container) { c.Log = schema.Log{Driver: "awsfirelens"} })
		}, `spec.cue:20:2: services.web.containers.web.log.driver: [R15] the awsfirelens log driver needs a FireLens log router container in the task — add a log router container with firelens: {type: "fluentbit"} (image public.ecr.aws/aws-observability/aws-for-fluent-bit)`},
		{"R15 router without users", func(s *schema.Spec) {
			webContainer(s, func(c *schema.Container) { c.Firelens = &schema.Firelens{Type: "fluentbit"} })
		}, `spec.cue:20:2: services.web.containers.web.firelens: [R15] the task has a FireLens log router but no container logs through it — set log: driver: "awsfirelens" on the containers whose logs it routes`},
		{"R20 partial secret ARN", func(s *schema.Spec) {
			webContainer(s, func(c *schema.Container) {
				c.Secrets = map[string]schema.Secret{"DB_PASSWORD": {ValueFrom: "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db"}}
			})
		}, `spec.cue:20:2: services.web.containers.web.secrets.DB_PASSWORD: [R20] "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db" is not a complete Secrets Manager ARN: it must end in the secret's name, a hyphen and its 6-character suffix (…:secret:name-AbCdEf), optionally with :json-key:version-stage:version-id; a partial ARN does not match the execution role's policy (name a secret of the spec's account and region by name instead: {secretsManager: "name"})`},
		{"R20 secret name ending like a random suffix", func(s *schema.Spec) {
			webContainer(s, func(c *schema.Container) {
				c.Secrets = map[string]schema.Secret{"DB": {ByName: &schema.SecretByName{SecretsManager: "db-backup"}}}
			})
		}, `spec.cue:20:2: services.web.containers.web.secrets.DB: [R20] the name "db-backup" ends in a hyphen and six characters, which Secrets Manager takes for the random suffix of a full ARN, so the secret would not be found by name — give the secret's full ARN (…:secret:name-AbCdEf) instead`},
		{"R20 JSON key on Fargate 1.3.0", func(s *schema.Spec) {
			fargate(s)
			web(s, func(svc *schema.Service) { svc.PlatformVersion = "1.3.0" })
			webContainer(s, func(c *schema.Container) {
				c.Secrets = map[string]schema.Secret{"DB": {ByName: &schema.SecretByName{SecretsManager: "prod/db", Key: "password"}}}
			})
		}, `spec.cue:20:2: services.web.containers.web.secrets.DB: [R20] a JSON key or version of a Secrets Manager secret needs Fargate platform version 1.4.0 or later — use platformVersion "1.4.0" or "LATEST", or read the whole secret`},
		{"R89 secret by name without account", func(s *schema.Spec) {
			s.Account = ""
			webContainer(s, func(c *schema.Container) {
				c.Secrets = map[string]schema.Secret{"DB": {ByName: &schema.SecretByName{SecretsManager: "prod/db"}}}
			})
		}, `spec.cue:20:2: warning: services.web.containers.web.secrets.DB: [R89] taskdefs/web.json names Secrets Manager secrets by partial ARN, which needs the account: the spec has none, so the file holds "<deploy-time: account id>" in its place (the stack's task definition has the account) — set account, or fill in the account before registering that file by hand, then waive R89 with the reason`},
		{"R20 reserved parameter name", func(s *schema.Spec) {
			webContainer(s, func(c *schema.Container) { c.Secrets = map[string]schema.Secret{"TOKEN": {ValueFrom: "/aws/token"}} })
		}, `spec.cue:20:2: services.web.containers.web.secrets.TOKEN: [R20] "/aws/token" starts with "aws" or "ssm", which SSM reserves`},
		{"R24 ARM64 on Fargate Spot", func(s *schema.Spec) {
			fargate(s)
			web(s, func(svc *schema.Service) {
				svc.Capacity = map[string]schema.StrategyItem{"FARGATE_SPOT": {Weight: 1}}
				svc.RuntimePlatform.CPUArchitecture = "ARM64"
			})
		}, "spec.cue:20:2: services.web.runtimePlatform.cpuArchitecture: [R24] FARGATE_SPOT runs only X86_64 tasks; the ARM64 tasks on its share would never start — use X86_64, or drop FARGATE_SPOT from the strategy"},
		{"R27 Fargate mixed with EC2", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Capacity = map[string]schema.StrategyItem{"general": {Base: 1, Weight: 1}, "FARGATE": {Weight: 1}}
			})
		}, "spec.cue:20:2: services.web.capacity: [R27] the strategy mixes Fargate (FARGATE) with Auto Scaling group capacity (general), which ECS refuses — use either Fargate or EC2 capacity in one strategy"},
		{"FireLens S3 configuration on Fargate", func(s *schema.Spec) {
			fargate(s)
			web(s, func(svc *schema.Service) {
				svc.Containers["router"] = schema.Container{Image: "fluent-bit", Essential: true, Log: schema.Log{Driver: "awslogs"},
					Firelens: &schema.Firelens{Type: "fluentbit", ConfigFile: &schema.ConfigFile{Type: "s3", Value: "arn:aws:s3:::bucket/extra.conf"}}}
				c := svc.Containers["web"]
				c.Log = schema.Log{Driver: "awsfirelens"}
				svc.Containers["web"] = c
			})
		}, `spec.cue:20:2: services.web.containers.router.firelens.configFile.type: Fargate tasks read FireLens configuration from a file only, not from S3 — build the file into the router's image and use type: "file"`},
		{"R30 internal- prefix", func(s *schema.Spec) {
			withALB(s)
			s.System = "internal"
		}, `spec: loadBalancers.public: [R30] the load balancer name "internal-dev-public" starts with "internal-", which Elastic Load Balancing reserves — rename the load balancer or the system`},
		{"R33 unknown load balancer", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) { svc.LoadBalancer.Name = "private" })
		}, `spec.cue:20:2: services.web.loadBalancer.name: [R33] "private" is not a load balancer of this spec — use one of: public`},
		{"R33 unknown listener", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) { svc.LoadBalancer.Listener = "https" })
		}, `spec.cue:20:2: services.web.loadBalancer.listener: [R33] "https" is not a listener of load balancer public — use one of: http, http-test`},
		{"R33 CodeDeploy listener shared", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) {
				svc.Deployment.Strategy = "codeDeploy"
				svc.LoadBalancer.TestListener = "http-test"
			})
			other := s.Services["web"]
			other.Deployment.Strategy = "rolling"
			other.LoadBalancer = &schema.ServiceLoadBalancer{Name: "public", Listener: "http", Rule: schema.ListenerRule{Paths: []string{"/api/*"}}, HealthCheck: other.LoadBalancer.HealthCheck}
			s.Services["api"] = other
		}, "spec.cue:20:2: services.web.loadBalancer.listener: [R33] listener http forwards all its traffic to service web (a network load balancer or CodeDeploy listener), so api cannot use it too — give web a listener of its own"},
		{"R34 missing port", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) { svc.LoadBalancer.Port = 8080 })
		}, "spec.cue:20:2: services.web.loadBalancer.port: [R34] container web has no port 8080 — add {container: 8080} to the ports of web"},
		{"R35 HTTPS without certificate", func(s *schema.Spec) {
			withALB(s)
			s.LoadBalancers["public"].Listeners["https"] = schema.Listener{Port: 443, Protocol: "HTTPS"}
		}, "spec: loadBalancers.public.listeners.https.certificates: [R35] a HTTPS listener needs a certificate — add the ARN of an issued ACM certificate in ap-northeast-1"},
		{"R35 certificate in another region", func(s *schema.Spec) {
			withALB(s)
			s.LoadBalancers["public"].Listeners["https"] = schema.Listener{Port: 443, Protocol: "HTTPS",
				Certificates: []string{"arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d"}}
		}, "spec: loadBalancers.public.listeners.https.certificates[0]: [R35] the certificate is in us-east-1, but the load balancer is in ap-northeast-1 — request or import the certificate in ap-northeast-1"},
		{"R36 one subnet", func(s *schema.Spec) {
			withALB(s)
			s.Network.Subnets = s.Network.Subnets[:1]
		}, "spec: loadBalancers.public.subnets: [R36] an application load balancer needs at least two subnets, got 1 — give two subnets in different Availability Zones"},
		{"R37 grace period without load balancer", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) { svc.HealthCheckGracePeriod = intp(60) })
		}, "spec.cue:20:2: services.web.healthCheckGracePeriod: [R37] a health check grace period needs a load balancer or a container health check — remove it, or add a loadBalancer or a container healthCheck"},
		{"R49 blue/green without load balancer", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) { svc.Deployment.Strategy = "codeDeploy" })
		}, "spec.cue:20:2: services.web.deployment.strategy: [R49] a codeDeploy deployment shifts traffic between two target groups, so the service needs a load balancer — add a loadBalancer to the service, or use the rolling strategy"},
		{"derived priorities collide", func(s *schema.Spec) {
			// generators.RulePriority derives 44125 for both (pinned in TestRulePriority).
			withALB(s)
			web := s.Services["web"]
			web.LoadBalancer.Rule.Paths = []string{"/api/*"}
			s.Services["web"] = web
			api := web
			lb := *web.LoadBalancer
			api.LoadBalancer = &lb
			s.Services["api4"] = api
		}, "spec.cue:20:2: services.web.loadBalancer.rule: the priority derived for this rule on listener http (44125) is also derived for service api4 — set rule.priority on api4 or web (e.g. 44126, any number no other rule of the listener uses)"},
		{"explicit priority taken by a derived one", func(s *schema.Spec) {
			withALB(s)
			web := s.Services["web"]
			web.LoadBalancer.Rule.Paths = []string{"/api/*"}
			s.Services["web"] = web
			api := web
			lb := *web.LoadBalancer
			lb.Rule.Priority = 44125
			api.LoadBalancer = &lb
			s.Services["api"] = api
		}, "spec.cue:20:2: services.web.loadBalancer.rule: the priority derived for this rule on listener http (44125) is the one service api sets — set rule.priority on web (e.g. 44126), or choose another one for api"},
		{"two services create one log group", func(s *schema.Spec) {
			web := s.Services["web"]
			c := web.Containers["web"]
			c.Log.Group = "/shared/logs"
			c.Ports = []schema.PortMapping{{Container: 80, Protocol: "tcp"}} // dynamic: both fit (R12)
			web.Containers = map[string]schema.Container{"web": c}
			s.Services["web"] = web
			s.Services["api"] = web
		}, "spec.cue:20:2: services.web.containers.web.log.group: the log group /shared/logs is also created by service api; a log group can belong to one stack only — give each service log groups of its own"},
		{"two catch-all rules", func(s *schema.Spec) {
			withALB(s)
			other := s.Services["web"]
			s.Services["api"] = other
		}, "spec.cue:20:2: services.web.loadBalancer.rule: service api already takes every request on listener http; web would never get any — give one of them hosts or paths"},
		{"ALB protocol on a network load balancer", func(s *schema.Spec) {
			withALB(s)
			lb := s.LoadBalancers["public"]
			lb.Type = "network"
			lb.Listeners = map[string]schema.Listener{"http": {Port: 80, Protocol: "HTTP"}}
			s.LoadBalancers["public"] = lb
		}, "spec: loadBalancers.public.listeners.http.protocol: a network load balancer has no HTTP listeners — use TCP, TLS, UDP or TCP_UDP"},
		{"test listener with rolling", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) { svc.LoadBalancer.TestListener = "http-test" })
		}, "spec.cue:20:2: services.web.loadBalancer.testListener: a test listener serves blue/green deployments; this service deploys rolling — remove it, or use a blue/green strategy"},
		{"R53 min above max", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Autoscaling = &schema.ServiceAutoscaling{Min: 4, Max: 2, TargetTracking: map[string]schema.TargetTracking{"cpu": {Metric: schema.Metric{Predefined: "cpu"}, Target: 60}}}
			})
		}, "spec.cue:20:2: services.web.autoscaling.min: [R53] min 4 is above max 2"},
		{"R53 desired count outside the range", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Autoscaling = &schema.ServiceAutoscaling{Min: 2, Max: 4, TargetTracking: map[string]schema.TargetTracking{"cpu": {Metric: schema.Metric{Predefined: "cpu"}, Target: 60}}}
			})
		}, "spec.cue:20:2: services.web.desiredCount: [R53] desiredCount 1 is outside the autoscaling range 2–4: the scaling would change the count as soon as the service starts — use a count from 2 to 4, or leave desiredCount out to start with 2"},
		{"R55 request count without a load balancer", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Autoscaling = &schema.ServiceAutoscaling{Min: 1, Max: 4, TargetTracking: map[string]schema.TargetTracking{"requests": {Metric: schema.Metric{Predefined: "requestCount"}, Target: 500}}}
			})
		}, `spec.cue:20:2: services.web.autoscaling.targetTracking.requests.metric: [R55] requestCount counts requests per task through the service's load balancer, and the service has none — add a loadBalancer to the service, or scale on "cpu" or "memory"`},
		{"R55 request count on a blue/green service", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) {
				svc.Deployment.Strategy = "blueGreen"
				svc.Autoscaling = &schema.ServiceAutoscaling{Min: 1, Max: 4, TargetTracking: map[string]schema.TargetTracking{"requests": {Metric: schema.Metric{Predefined: "requestCount"}, Target: 500}}}
			})
		}, `spec.cue:20:2: services.web.autoscaling.targetTracking.requests.metric: [R55] requestCount follows one target group, but a blueGreen deployment moves the traffic to the other after each release, and scaling would stop — scale on "cpu" or "memory", or deploy with the rolling strategy`},
		{"load balancer metric of an unknown load balancer", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) {
				svc.Autoscaling = &schema.ServiceAutoscaling{Min: 1, Max: 4, StepScaling: map[string]schema.StepScaling{"requests": {
					Alarm: schema.ScalingAlarm{Metric: schema.Metric{Custom: &schema.CustomMetric{Namespace: "AWS/ApplicationELB", Name: "RequestCount", Statistic: "Sum", LoadBalancer: "private"}},
						Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Comparison: ">=", Threshold: 100},
					AdjustmentType: "ChangeInCapacity", Steps: []schema.Step{{Adjustment: 1}}}}}
			})
		}, `spec.cue:20:2: services.web.autoscaling.stepScaling.requests.alarm.metric.loadBalancer: "private" is not a load balancer of this spec — use one of: public`},
		{"load balancer metric in the wrong namespace", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) {
				svc.Autoscaling = &schema.ServiceAutoscaling{Min: 1, Max: 4, TargetTracking: map[string]schema.TargetTracking{"requests": {
					Metric: schema.Metric{Custom: &schema.CustomMetric{Namespace: "AWS/NetworkELB", Name: "ActiveFlowCount", Statistic: "Average", LoadBalancer: "public"}}, Target: 100}}}
			})
		}, `spec.cue:20:2: services.web.autoscaling.targetTracking.requests.metric.namespace: the metrics of application load balancer public are in AWS/ApplicationELB; AWS/NetworkELB has no LoadBalancer dimension for it — use namespace: "AWS/ApplicationELB"`},
		{"R30 explicit load balancer name too long", func(s *schema.Spec) {
			withALB(s)
			lb := s.LoadBalancers["public"]
			lb.Name = "handson-production-public-alb-tokyo"
			s.LoadBalancers["public"] = lb
		}, `spec: loadBalancers.public.name: [R30] the load balancer name "handson-production-public-alb-tokyo" has 35 characters; AWS allows 32 — use at most 32 characters`},
		{"R30 explicit load balancer name reserved", func(s *schema.Spec) {
			withALB(s)
			lb := s.LoadBalancers["public"]
			lb.Name = "internal-web"
			s.LoadBalancers["public"] = lb
		}, `spec: loadBalancers.public.name: [R30] the load balancer name "internal-web" starts with "internal-", which Elastic Load Balancing reserves — choose a name that does not start with "internal-"`},
		{"R31 target group names of a rolling service", func(s *schema.Spec) {
			withALB(s)
			s.Waivers = []schema.Waiver{{Rule: "R38", Reason: "the port never changes"}}
			web(s, func(svc *schema.Service) {
				svc.LoadBalancer.TargetGroupNames = []string{"demo-dev-web-tg01", "demo-dev-web-tg02"}
			})
		}, "spec.cue:20:2: services.web.loadBalancer.targetGroupNames: [R31] a rolling deployment uses 1 target group(s), and 2 name(s) are given — give 1 name(s)"},
		{"R31 target group name with a trailing hyphen", func(s *schema.Spec) {
			withALB(s)
			s.Waivers = []schema.Waiver{{Rule: "R38", Reason: "the port never changes"}}
			web(s, func(svc *schema.Service) { svc.LoadBalancer.TargetGroupNames = []string{"demo-dev-web-"} })
		}, `spec.cue:20:2: services.web.loadBalancer.targetGroupNames[0]: [R31] a target group name cannot start or end with a hyphen: "demo-dev-web-" — remove the hyphen`},
		{"R38 custom target group names", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) { svc.LoadBalancer.TargetGroupNames = []string{"demo-dev-web-tg01"} })
		}, "spec.cue:20:2: warning: services.web.loadBalancer.targetGroupNames: [R38] a target group is replaced when its port, protocol or target type changes, and CloudFormation refuses to replace a resource with a custom name: such a change fails until the names change in the same update — keep the names and waive R38 if you accept this, or leave targetGroupNames out to let CloudFormation name the groups"},
		{"R46 a role where an instance profile belongs", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) { c.InstanceProfile = "arn:aws:iam::123456789012:role/ecsInstanceRole" })
		}, `spec: cluster.capacity.ec2.general.instanceProfile: [R46] arn:aws:iam::123456789012:role/ecsInstanceRole is a role; a launch template takes the role's instance profile, and EC2 refuses a role ARN as "Invalid IAM Instance Profile ARN" — use arn:aws:iam::123456789012:instance-profile/ecsInstanceRole (a role created in the IAM console has an instance profile of the same name)`},
		{"R22 an instance profile where a role belongs", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) { svc.TaskRole.ARN = "arn:aws:iam::123456789012:instance-profile/ecsTaskRole" })
		}, "spec.cue:20:2: services.web.taskRole.arn: [R22] arn:aws:iam::123456789012:instance-profile/ecsTaskRole is an instance profile; a task role is an IAM role that trusts ecs-tasks.amazonaws.com — use the ARN of the role itself: arn:aws:iam::123456789012:role/ecsTaskRole if the profile holds a role of its name"},
		{"existing role of another account", func(s *schema.Spec) {
			s.Account = "210987654321"
			s.ExecutionRole.ARN = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"
		}, "spec: executionRole.arn: arn:aws:iam::123456789012:role/ecsTaskExecutionRole belongs to account 123456789012, but the spec deploys to account 210987654321: a role of another account cannot be passed to ECS or EC2 — name a role of account 210987654321, or correct account"},
		{"existing role of another partition", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.ExecutionRole.ARN = "arn:aws-cn:iam::123456789012:role/ecsTaskExecutionRole"
			})
		}, "spec.cue:20:2: services.web.executionRole.arn: arn:aws-cn:iam::123456789012:role/ecsTaskExecutionRole is in partition aws-cn, but region ap-northeast-1 is in aws — use an ARN of partition aws"},
		{"statements for an existing task role", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.TaskRole = schema.TaskRole{ARN: "arn:aws:iam::123456789012:role/ecsTaskRole", Statements: []schema.Statement{{Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{"arn:aws:s3:::b/*"}}}}
			})
		}, "spec.cue:20:2: services.web.taskRole.statements: ecsgen adds statements only to a task role it creates; arn:aws:iam::123456789012:role/ecsTaskRole exists already — grant them to the existing role yourself, or leave taskRole.arn out so that ecsgen creates the role with them"},
		{"group policies under managed scaling", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) {
				c.Scaling.TargetTracking = map[string]schema.TargetTracking{"cpu": {Metric: schema.Metric{Predefined: "cpu"}, Target: 70}}
			})
		}, "spec: cluster.capacity.ec2.general.scaling: the capacity provider already scales this group (managed scaling); policies of its own would fight it — set managedScaling: enabled: false to scale the group yourself, or remove the policies"},
		{"overlapping steps", func(s *schema.Spec) {
			one, two := 0.0, 10.0
			web(s, func(svc *schema.Service) {
				svc.Autoscaling = &schema.ServiceAutoscaling{Min: 1, Max: 4, StepScaling: map[string]schema.StepScaling{"cpu": {
					Alarm:          schema.ScalingAlarm{Metric: schema.Metric{Predefined: "cpu"}, Comparison: ">", Threshold: 50},
					AdjustmentType: "ChangeInCapacity",
					Steps:          []schema.Step{{Lower: &one, Adjustment: 1}, {Lower: &two, Adjustment: 2}},
				}}}
			})
		}, "spec.cue:20:2: services.web.autoscaling.stepScaling.cpu.steps: the steps overlap — give each step its own [lower, upper) range past the threshold"},
		{"rate schedule on an Auto Scaling group", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) {
				c.Scaling.Scheduled = map[string]schema.ScheduledScaling{"night": {Schedule: "rate(1 day)", Min: intp(0)}}
			})
		}, `spec: cluster.capacity.ec2.general.scaling.scheduled.night.schedule: Auto Scaling group schedules take no rate — use cron(…) with five fields, e.g. "cron(0 9 * * 1-5)"`},
		{"S01 instances open to the internet", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) {
				c.Ingress = []schema.IngressRule{{Description: "ssh", Protocol: "tcp", FromPort: 22, ToPort: 22, CIDR: "0.0.0.0/0"}}
			})
		}, "spec: warning: cluster.capacity.ec2.general.ingress[0]: [S01] port 22 of the instances is open to the whole internet — reach the instances through a load balancer or SSM, or waive S01 with the reason"},
		{"S03 public task IPs", func(s *schema.Spec) {
			fargate(s)
			web(s, func(svc *schema.Service) { svc.AssignPublicIP = true })
		}, "spec.cue:20:2: warning: services.web.assignPublicIp: [S03] the service's tasks get public IP addresses — run the tasks in private subnets, or waive S03 with the reason"},
		{"S06 plain HTTP on the internet", func(s *schema.Spec) {
			withALB(s)
			lb := s.LoadBalancers["public"]
			lb.Scheme = "internet-facing"
			lb.AllowFrom = []string{"0.0.0.0/0"}
			s.LoadBalancers["public"] = lb
		}, "spec: warning: loadBalancers.public.listeners: [S06] the internet-facing load balancer serves plain HTTP only — add an HTTPS listener with an ACM certificate (HTTP then redirects to it), or waive S06 with the reason"},
		{"S07 access logs off", func(s *schema.Spec) {
			withALB(s)
			lb := s.LoadBalancers["public"]
			lb.AccessLogs.Enabled = boolp(false)
			s.LoadBalancers["public"] = lb
		}, "spec: warning: loadBalancers.public.accessLogs: [S07] the load balancer keeps no access logs — leave access logs on, mark a throwaway environment with ephemeral: true, or waive S07 with the reason"},
		{"S07 access logs off in an ephemeral environment is no finding, S06 remains", func(s *schema.Spec) {
			withALB(s)
			s.Ephemeral = true
			lb := s.LoadBalancers["public"]
			lb.Scheme = "internet-facing"
			lb.AllowFrom = []string{"0.0.0.0/0"}
			lb.AccessLogs.Enabled = boolp(false)
			s.LoadBalancers["public"] = lb
		}, "spec: warning: loadBalancers.public.listeners: [S06] the internet-facing load balancer serves plain HTTP only — add an HTTPS listener with an ACM certificate (HTTP then redirects to it), or waive S06 with the reason"},
		{"S08 topic not encrypted", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) { c.Notifications = true })
			s.Notifications.Encrypt = false
		}, "spec: warning: notifications.encrypt: [S08] the notifications topic is not encrypted at rest — leave it on, or waive S08 with the reason"},
		{"S08 Auto Scaling notifications without a key", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) { c.Notifications = true })
			s.Notifications.Encrypt = true
		}, "spec: warning: notifications.kmsKey: [S08] the notifications topic is not encrypted at rest: Auto Scaling notifications publish through a service-linked role that a key created by the stack cannot name — name a customer-managed key whose policy lets cloudwatch.amazonaws.com and the AWSServiceRoleForAutoScaling role use it, or waive S08 with the reason"},
		{"S09 open egress", func(s *schema.Spec) {
			withALB(s)
			lb := s.LoadBalancers["public"]
			lb.RestrictEgress = false
			s.LoadBalancers["public"] = lb
		}, "spec: warning: loadBalancers.public.restrictEgress: [S09] the load balancer may open connections to any address, not only to its targets — leave it on, or waive S09 with the reason"},
		{"P01 the starter's account", func(s *schema.Spec) { s.Account = PlaceholderAccount },
			`spec: warning: account: [P01] "000000000000" is a placeholder from ecsgen init, not your account — aws sts get-caller-identity --query Account prints yours`},
		{"P01 the starter's VPC", func(s *schema.Spec) { s.Network.VPC = PlaceholderVPCs[2] },
			`spec: warning: network.vpc: [P01] "vpc-00000000000000003" is a placeholder from ecsgen init: a deploy fails until it is your VPC — aws ec2 describe-vpcs --query 'Vpcs[].[VpcId,CidrBlock]' lists yours`},
		{"P01 a starter's subnet on a service", func(s *schema.Spec) {
			fargate(s)
			web(s, func(svc *schema.Service) { svc.Subnets = []string{"subnet-0123456789abcdef0", PlaceholderSubnets[1]} })
		}, `spec.cue:20:2: warning: services.web.subnets[1]: [P01] "subnet-00000000000000012" is a placeholder from ecsgen init: a deploy fails until it is a subnet of your VPC — aws ec2 describe-subnets --filters Name=vpc-id,Values=<vpc> --query 'Subnets[].[SubnetId,AvailabilityZone]' lists your VPC's, with their zones`},
		{"R71 too many condition values", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) {
				svc.LoadBalancer.Rule = schema.ListenerRule{Paths: []string{"/a/*", "/b/*"}, SourceIPs: []string{"10.0.0.0/8", "192.168.0.0/16"}, Headers: map[string][]string{"X-Release": {"canary", "beta"}}}
			})
		}, "spec.cue:20:2: services.web.loadBalancer.rule: [R71] the rule has 6 condition values (hosts, paths, source ranges and header values together); Elastic Load Balancing allows 5 per rule — split the rule's values over fewer conditions, or route with a broader pattern (e.g. /api/*)"},
		{"R80 more than 5 target groups", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) {
				c := svc.Containers["web"]
				svc.LoadBalancer.AdditionalTargets = map[string]schema.AdditionalTarget{}
				for i := 1; i <= 5; i++ {
					c.Ports = append(c.Ports, schema.PortMapping{Container: 9000 + i, Protocol: "tcp"})
					svc.LoadBalancer.AdditionalTargets[fmt.Sprintf("t%d", i)] = additionalTarget(9000+i, fmt.Sprintf("/t%d/*", i))
				}
				svc.Containers["web"] = c
			})
		}, "spec.cue:20:2: services.web.loadBalancer.additionalTargets: [R80] the service would register its tasks in 6 target groups; ECS allows 5 per service — keep at most 4 additional targets, or move ports to a service of their own"},
		{"R81 additional targets with blue/green", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) {
				svc.Deployment.Strategy = schema.BlueGreen
				c := svc.Containers["web"]
				c.Ports = append(c.Ports, schema.PortMapping{Container: 9090, Protocol: "tcp"})
				svc.Containers["web"] = c
				svc.LoadBalancer.AdditionalTargets = map[string]schema.AdditionalTarget{"admin": additionalTarget(9090, "/admin/*")}
			})
		}, `spec.cue:20:2: services.web.loadBalancer.additionalTargets: [R81] a blueGreen deployment moves the traffic of one target group pair (CodeDeploy takes exactly one target group per service, R49), so a service with additional targets must deploy rolling — use strategy "rolling", or give the other ports services of their own`},
		{"R34 additional target port", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) {
				svc.LoadBalancer.AdditionalTargets = map[string]schema.AdditionalTarget{"admin": additionalTarget(9090, "/admin/*")}
			})
		}, "spec.cue:20:2: services.web.loadBalancer.additionalTargets.admin.port: [R34] container web has no port 9090 — add {container: 9090} to the ports of web"},
		{"additional target takes the catch-all", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) {
				c := svc.Containers["web"]
				c.Ports = append(c.Ports, schema.PortMapping{Container: 9090, Protocol: "tcp"})
				svc.Containers["web"] = c
				svc.LoadBalancer.AdditionalTargets = map[string]schema.AdditionalTarget{"admin": additionalTarget(9090)}
			})
		}, "spec.cue:20:2: services.web.loadBalancer.additionalTargets.admin.rule: service web already takes every request on listener http; this target would never get any — give one of them hosts or paths"},
		{"R82 capacity buffer without increase", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Autoscaling = &schema.ServiceAutoscaling{Min: 1, Max: 4, Predictive: map[string]schema.PredictiveScaling{
					"daily": {Metric: "cpu", Target: 50, Mode: "forecastAndScale", MaxCapacityBreach: "honor", MaxCapacityBuffer: intp(10)}}}
			})
		}, `spec.cue:20:2: services.web.autoscaling.predictive.daily.maxCapacityBuffer: [R82] maxCapacityBuffer applies only when the forecast may raise the capacity above max (IncreaseMaxCapacity), and AWS refuses it otherwise — remove it, or set maxCapacityBreach: "increase"`},
		{"R82 increase without capacity buffer", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) {
				c.ManagedScaling.Enabled, c.ManagedTerminationProtection = false, false
				c.Scaling.Predictive = map[string]schema.PredictiveScaling{"daily": {Metric: "cpu", Target: 50, Mode: "forecastOnly", MaxCapacityBreach: "increase"}}
			})
		}, `spec: cluster.capacity.ec2.general.scaling.predictive.daily.maxCapacityBuffer: [R82] maxCapacityBreach "increase" needs maxCapacityBuffer: AWS requires it with IncreaseMaxCapacity — give the percent the forecast may go above max, e.g. maxCapacityBuffer: 10`},
		{"R83 policy name taken", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Autoscaling = &schema.ServiceAutoscaling{Min: 1, Max: 4,
					TargetTracking: map[string]schema.TargetTracking{"cpu": {Metric: schema.Metric{Predefined: "cpu"}, Target: 60}},
					Predictive:     map[string]schema.PredictiveScaling{"cpu": {Metric: "cpu", Target: 50, Mode: "forecastAndScale", MaxCapacityBreach: "honor"}}}
			})
		}, "spec.cue:20:2: services.web.autoscaling.predictive.cpu: [R83] the name cpu is also a targetTracking or stepScaling policy's; each policy needs a name of its own — give the predictive policy another name"},
		{"R84 empty EBS volume without size", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Volumes = map[string]schema.Volume{"data": {EBS: &schema.EBSVolume{Type: "gp3", Encrypted: true}}}
			})
		}, "spec.cue:20:2: services.web.volumes.data.ebs.sizeInGiB: [R84] an empty volume needs a size — set sizeInGiB (1–65536 for gp3), or snapshotId"},
		{"R84 st1 too small", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Volumes = map[string]schema.Volume{"data": {EBS: &schema.EBSVolume{Type: "st1", SizeInGiB: 100, Encrypted: true}}}
			})
		}, "spec.cue:20:2: services.web.volumes.data.ebs.sizeInGiB: [R84] a st1 volume of 100 GiB cannot be created — use 125–16384, or another type"},
		{"R85 io2 without iops", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Volumes = map[string]schema.Volume{"data": {EBS: &schema.EBSVolume{Type: "io2", SizeInGiB: 100, Encrypted: true}}}
			})
		}, "spec.cue:20:2: services.web.volumes.data.ebs.iops: [R85] a io2 volume needs its provisioned IOPS — set iops (100–256000)"},
		{"R85 iops on gp2", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Volumes = map[string]schema.Volume{"data": {EBS: &schema.EBSVolume{Type: "gp2", SizeInGiB: 100, IOPS: 3000, Encrypted: true}}}
			})
		}, "spec.cue:20:2: services.web.volumes.data.ebs.iops: [R85] a gp2 volume takes no provisioned IOPS — remove it, or use type gp3, io1 or io2"},
		{"R85 gp3 below baseline", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Volumes = map[string]schema.Volume{"data": {EBS: &schema.EBSVolume{Type: "gp3", SizeInGiB: 100, IOPS: 1000, Encrypted: true}}}
			})
		}, "spec.cue:20:2: services.web.volumes.data.ebs.iops: [R85] a gp3 volume cannot have 1000 IOPS — use 3000–80000"},
		{"R85 throughput on io1", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Volumes = map[string]schema.Volume{"data": {EBS: &schema.EBSVolume{Type: "io1", SizeInGiB: 100, IOPS: 1000, Throughput: 250, Encrypted: true}}}
			})
		}, "spec.cue:20:2: services.web.volumes.data.ebs.throughput: [R85] only gp3 volumes take a throughput setting, this one is io1 — remove it, or use type gp3"},
		{"R87 EBS with CodeDeploy", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) {
				svc.LoadBalancer.TestListener = "http-test"
				svc.Volumes = map[string]schema.Volume{"data": {EBS: &schema.EBSVolume{Type: "gp3", SizeInGiB: 20, Encrypted: true}}}
				svc.Deployment.Strategy = schema.CodeDeployBlueGreen
			})
		}, `spec.cue:20:2: services.web.volumes.data.ebs: [R87] ECS attaches EBS volumes only to tasks of services it deploys itself, not through CodeDeploy — use another deployment.strategy ("rolling", or ECS-native "blueGreen")`},
		{"R87 EBS on Fargate 1.3.0", func(s *schema.Spec) {
			fargate(s)
			web(s, func(svc *schema.Service) {
				svc.PlatformVersion = "1.3.0"
				svc.Volumes = map[string]schema.Volume{"data": {EBS: &schema.EBSVolume{Type: "gp3", SizeInGiB: 20, Encrypted: true}}}
			})
		}, `spec.cue:20:2: services.web.platformVersion: [R87] EBS volumes need Fargate platform version 1.4.0 or later (volume data) — use "1.4.0" or "LATEST"`},
		{"R88 two EBS volumes", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Volumes = map[string]schema.Volume{
					"a": {EBS: &schema.EBSVolume{Type: "gp3", SizeInGiB: 20, Encrypted: true}},
					"b": {EBS: &schema.EBSVolume{Type: "gp3", SizeInGiB: 20, Encrypted: true}},
				}
			})
		}, "spec.cue:20:2: services.web.volumes.b.ebs: [R88] a task has at most one volume configured at launch, and this service has 2 (a, b) — mount one EBS volume in several containers, or use EFS for the others"},
		{"R86 KMS key on an unencrypted volume", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Volumes = map[string]schema.Volume{"data": {EBS: &schema.EBSVolume{Type: "gp3", SizeInGiB: 20, KMSKey: "arn:aws:kms:us-east-1:123456789012:key/abc"}}}
			})
		}, "spec.cue:20:2: services.web.volumes.data.ebs.kmsKey: [R86] a KMS key encrypts the volume, but encrypted is false — remove kmsKey, or set encrypted: true"},
		{"R86 NTFS on Linux", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Volumes = map[string]schema.Volume{"data": {EBS: &schema.EBSVolume{Type: "gp3", SizeInGiB: 20, Encrypted: true, FilesystemType: "NTFS"}}}
			})
		}, `spec.cue:20:2: services.web.volumes.data.ebs.filesystemType: [R86] a Linux task cannot mount an NTFS volume — use "xfs", "ext4" or "ext3"`},
		{"R55 predictive requestCount without load balancer", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Autoscaling = &schema.ServiceAutoscaling{Min: 1, Max: 4, Predictive: map[string]schema.PredictiveScaling{
					"daily": {Metric: "requestCount", Target: 500, Mode: "forecastAndScale", MaxCapacityBreach: "honor"}}}
			})
		}, `spec.cue:20:2: services.web.autoscaling.predictive.daily.metric: [R55] requestCount counts requests per task through the service's load balancer, and the service has none — add a loadBalancer to the service, or scale on "cpu" or "memory"`},
		{"predictive scaling beside managed scaling", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) {
				c.Scaling.Predictive = map[string]schema.PredictiveScaling{"daily": {Metric: "cpu", Target: 50, Mode: "forecastOnly", MaxCapacityBreach: "honor"}}
			})
		}, "spec: cluster.capacity.ec2.general.scaling: the capacity provider already scales this group (managed scaling); policies of its own would fight it — set managedScaling: enabled: false to scale the group yourself, or remove the policies"},
		{"health check port in bridge mode", func(s *schema.Spec) {
			withALB(s)
			web(s, func(svc *schema.Service) { svc.LoadBalancer.HealthCheck.Port = 8081 })
		}, "spec.cue:20:2: services.web.loadBalancer.healthCheck.port: a health check port of its own needs the awsvpc network mode: in bridge mode the instances' host ports are not the task's — leave port out (health checks then use the traffic port), or use the awsvpc network mode"},
		{"minInService not below max", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) { c.Replacement = schema.Replacement{Enabled: true, MinInService: intp(2)} })
		}, "spec: cluster.capacity.ec2.general.replacement.minInService: a rolling replacement keeping 2 instances in service in a group of at most 2 can never start one; CloudFormation refuses MinInstancesInService not below MaxSize — use at most 1 (size.max − 1), or raise size.max"},
		{"mixed architectures", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) { c.InstanceTypes = []string{"t3a.small", "t4g.small"} })
		}, "spec: cluster.capacity.ec2.general.instanceTypes[1]: t4g.small is arm64, but instanceType t3.small is x86_64: one launch template boots one AMI, for one architecture — use x86_64 instance types only, or a capacity of its own for arm64"},
		{"R42 task too big for another type", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) { c.InstanceType, c.InstanceTypes = "t3.large", []string{"t3.small"} })
			webContainer(s, func(c *schema.Container) { c.Memory = intp(4096) })
		}, "spec.cue:20:2: services.web.memory: [R42] the task needs 4096 MiB, but a t3.small registers only about 1945 MiB with ECS (capacity general): it would stay PROVISIONING — use a larger instance type or less memory"},
		{"volumesFrom its own container", func(s *schema.Spec) {
			webContainer(s, func(c *schema.Container) { c.VolumesFrom = []schema.VolumeFrom{{Container: "web"}} })
			web(s, func(svc *schema.Service) {
				svc.Containers["log"] = schema.Container{Image: "busybox", Memory: intp(64), Log: schema.Log{Driver: "awslogs"}}
			})
		}, `spec.cue:20:2: services.web.containers.web.volumesFrom[0].container: "web" is not another container of this task — use one of: log`},
		{"S10 wildcard action", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.TaskRole.Statements = []schema.Statement{{Effect: "Allow", Actions: []string{"s3:Get*"}, Resources: []string{"arn:aws:s3:::assets/*"}}}
			})
		}, `spec.cue:20:2: warning: services.web.taskRole.statements[0].actions[0]: [S10] s3:Get* allows every action that matches it, including ones added to the service later — name the actions the application calls, or waive S10 with the reason`},
		{"S10 resource everywhere", func(s *schema.Spec) {
			s.Cluster.InstanceRole.Statements = []schema.Statement{{Effect: "Allow", Actions: []string{"cloudwatch:PutMetricData"}, Resources: []string{"*"}}}
		}, `spec: warning: cluster.instanceRole.statements[0].resources[0]: [S10] the statement allows cloudwatch:PutMetricData on every resource of the account — name the resources by ARN, or waive S10 with the reason if the actions have no resource-level permissions`},
		{"S11 AWS-managed policy", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.TaskRole.ManagedPolicies = []string{"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}
			})
		}, `spec.cue:20:2: warning: services.web.taskRole.managedPolicies[0]: [S11] arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess is an AWS-managed policy: it grants what every user of the service might need, more than this role does — write the permissions the role needs as statements, or waive S11 with the reason`},
		{"managed policy of another account", func(s *schema.Spec) {
			s.Account = "123456789012"
			s.Cluster.InstanceRole.ManagedPolicies = []string{"arn:aws:iam::210987654321:policy/hosts"}
		}, `spec: cluster.instanceRole.managedPolicies[0]: arn:aws:iam::210987654321:policy/hosts belongs to account 210987654321: a role can only have managed policies of its own account or AWS's — name a policy of account 123456789012, or correct account`},
		{"managed policy of another partition", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.TaskRole.ManagedPolicies = []string{"arn:aws-cn:iam::123456789012:policy/app"}
			})
		}, `spec.cue:20:2: services.web.taskRole.managedPolicies[0]: arn:aws-cn:iam::123456789012:policy/app is in partition aws-cn, but region ap-northeast-1 is in aws — use an ARN of partition aws`},
		{"managed policies beside an existing task role", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.TaskRole = schema.TaskRole{ARN: "arn:aws:iam::123456789012:role/app", ManagedPolicies: []string{"arn:aws:iam::123456789012:policy/app"}}
			})
		}, `spec.cue:20:2: services.web.taskRole.managedPolicies: ecsgen attaches managed policies only to a task role it creates; arn:aws:iam::123456789012:role/app exists already — attach them to the existing role yourself, or leave taskRole.arn out so that ecsgen creates the role with them`},
		{"instance role additions without an instance role", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) { c.InstanceProfile = "arn:aws:iam::123456789012:instance-profile/ecs" })
			s.Cluster.InstanceRole.ManagedPolicies = []string{"arn:aws:iam::123456789012:policy/hosts"}
		}, `spec: cluster.instanceRole: every capacity names an instance profile of its own, so ecsgen creates no instance role to add these to — grant them to the role of the instance profile yourself, or leave instanceProfile out of a capacity so that ecsgen creates the role`},
		{"a waiver that accepts nothing", func(s *schema.Spec) {
			s.Waivers = []schema.Waiver{{Rule: "S02", Reason: "public subnets only in this lab"}}
		}, "spec: warning: waivers[0]: the waiver of S02 accepts no finding — remove the waiver"},
		{"mount of an unknown volume", func(s *schema.Spec) {
			webContainer(s, func(c *schema.Container) { c.MountPoints = []schema.MountPoint{{Volume: "data", Path: "/data"}} })
		}, `spec.cue:20:2: services.web.containers.web.mountPoints[0].volume: "data" is not a volume of this service — declare it under the service's volumes`},
		{"GPU on Fargate", func(s *schema.Spec) {
			fargate(s)
			webContainer(s, func(c *schema.Container) { c.GPU = intp(1) })
		}, "spec.cue:20:2: services.web.containers.web.gpu: Fargate has no GPUs — run the service on EC2 capacity with GPU instances"},
		{"ARM64 task on x86 instances", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) { svc.RuntimePlatform.CPUArchitecture = "ARM64" })
		}, "spec.cue:20:2: services.web.runtimePlatform.cpuArchitecture: the task needs ARM64, but capacity general runs t3.small (x86_64): its tasks would never be placed — use Graviton instance types (t4g, m7g, …) for that capacity, or X86_64"},
		{"R40 protection without scaling", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) { c.ManagedScaling.Enabled = false })
		}, "spec: cluster.capacity.ec2.general.managedTerminationProtection: [R40] managed termination protection needs managed scaling; without it protected instances are never scaled in and stack deletion hangs — enable managedScaling, or set managedTerminationProtection: false"},
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
		{"R45 old ECS AMI Docker volume", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) {
				c.RootVolume = schema.RootVolume{Size: 30, Type: "gp2", DeviceName: "/dev/xvdcz"}
			})
		}, "spec: warning: cluster.capacity.ec2.general.rootVolume.deviceName: [R45] /dev/xvdcz was the Docker volume of the old Amazon Linux 1 ECS-optimized AMI; current ECS-optimized AMIs keep images and containers on the root device /dev/xvda: instances would get an extra, unused 30 GiB volume, while the root volume keeps the AMI's size and is encrypted only if the account encrypts EBS by default — leave deviceName out, and set rootVolume.size (e.g. 30) for the root volume"},
		{"R45 not the root device", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) {
				c.RootVolume = schema.RootVolume{Size: 100, Type: "gp3", DeviceName: "/dev/sdb"}
			})
		}, "spec: warning: cluster.capacity.ec2.general.rootVolume.deviceName: [R45] /dev/sdb is not the root device of the ECS-optimized AMI (/dev/xvda): instances would get an extra, unused 100 GiB volume, while the root volume keeps the AMI's size and is encrypted only if the account encrypts EBS by default — leave deviceName out, and set rootVolume.size (e.g. 100) for the root volume"},
		{"R45 Amazon Linux 2 end of life", func(s *schema.Spec) {
			general(s, func(c *schema.EC2Capacity) {
				c.AMI = "/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id"
			})
		}, "spec: warning: cluster.capacity.ec2.general.ami: [R45] the ECS-optimized Amazon Linux 2 AMI reached end of life on 2026-06-30 — use the amazon-linux-2023 parameter (or leave ami out)"},
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
		{"a Docker label alone named like an intrinsic", func(s *schema.Spec) {
			webContainer(s, func(c *schema.Container) { c.DockerLabels = map[string]string{"Ref": "r"} })
		}, `spec.cue:20:2: services.web.containers.web.dockerLabels.Ref: CloudFormation would read a map whose only key is "Ref" as an intrinsic function, not as data — rename the key, or give the map a second key`},
		{"a Docker volume's driver options alone named like an intrinsic", func(s *schema.Spec) {
			web(s, func(svc *schema.Service) {
				svc.Volumes = map[string]schema.Volume{"data": {Docker: &schema.DockerVolume{Scope: "task", DriverOpts: map[string]string{"Fn::GetAtt": "x"}, Labels: map[string]string{"Ref": "a", "team": "b"}}}}
			})
		}, `spec.cue:20:2: services.web.volumes.data.docker.driverOpts.Fn::GetAtt: CloudFormation would read a map whose only key is "Fn::GetAtt" as an intrinsic function, not as data — rename the key, or give the map a second key`},
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

// Log options reach the template only with the FireLens driver, which needs more of the spec
// than TestRules' one-finding cases give: the finding is looked for among the others.
func TestIntrinsicKeyInLogOptions(t *testing.T) {
	s := base()
	svc := s.Services["web"]
	c := svc.Containers["web"]
	c.Log = schema.Log{Driver: "awsfirelens", Options: map[string]string{"Fn::Sub": "x"}}
	svc.Containers = map[string]schema.Container{"web": c}
	s.Services["web"] = svc
	want := `spec.cue:20:2: services.web.containers.web.log.options.Fn::Sub: CloudFormation would read a map whose only key is "Fn::Sub" as an intrinsic function, not as data — rename the key, or give the map a second key`
	got := run(s)
	for _, f := range got {
		if f.String() == want {
			return
		}
	}
	t.Errorf("missing %s\namong:\n%s", want, got)
}

// A waiver accepts the warnings of its rule under its path, and only those.
func TestWaivers(t *testing.T) {
	s := base()
	general := s.Cluster.Capacity.EC2["general"]
	general.Ingress = []schema.IngressRule{
		{Description: "http", Protocol: "tcp", FromPort: 80, ToPort: 80, CIDR: "0.0.0.0/0"},
		{Description: "ssh", Protocol: "tcp", FromPort: 22, ToPort: 22, CIDR: "0.0.0.0/0"},
	}
	s.Cluster.Capacity.EC2["general"] = general
	s.Waivers = []schema.Waiver{{Rule: "S01", Path: "cluster.capacity.ec2.general.ingress[0]", Reason: "nginx answers on the instance's address (seed 000)"}}
	got := run(s)
	if len(got) != 1 || got[0].Path != "cluster.capacity.ec2.general.ingress[1]" {
		t.Fatalf("want only the unwaived rule reported, got:\n%s", got)
	}
}

// A load-balanced service on dynamic ports is valid as it is.
func TestLoadBalancedBaseIsClean(t *testing.T) {
	s := base()
	withALB(s)
	if f := run(s); len(f) > 0 {
		t.Fatalf("findings:\n%s", f)
	}
}

// The dynamic-port setup of seed 002 (host port left out, maximumPercent 200) is fine even
// with more tasks than instances: 5 tasks of 512 MiB on two t3.small (3 each), with room for a
// deployment's extra task.
func TestDynamicPortsNeedNoRoom(t *testing.T) {
	s := base()
	svc := s.Services["web"]
	svc.DesiredCount = intp(5)
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
		"p4d.24xlarge": {96, 1179648}, "t2.micro": {1, 1024}, "x2gd.medium": {1, 16384},
	} {
		got, ok := lookupInstance(typ)
		if !ok || got != want {
			t.Errorf("%s: got %v %v, want %v", typ, got, ok, want)
		}
	}
	if _, ok := lookupInstance("m99z.large"); ok {
		t.Error("m99z.large: unknown types must not be guessed")
	}
}

// TestInstanceTypesAreCurrent keeps instancetypes.go equal to what geninstancetypes makes of
// the installed moto's instance-type data (go generate ./internal/check rewrites it).
func TestInstanceTypesAreCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the generator")
	}
	out := filepath.Join(t.TempDir(), "instancetypes.go")
	if msg, err := exec.Command("go", "run", "./geninstancetypes", out).CombinedOutput(); err != nil {
		t.Skipf("cannot generate (moto missing?): %v\n%s", err, msg)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := golden.File("instancetypes.go", got)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Error(d)
	}
}

// Placement: more tasks than the capacity holds, no room for a deployment, and a fixed host
// port that two services on one capacity both need.
func TestPlacement(t *testing.T) {
	dynamic := func(s *schema.Spec) {
		svc := s.Services["web"]
		c := svc.Containers["web"]
		c.Ports = []schema.PortMapping{{Container: 80, Protocol: "tcp"}}
		svc.Containers = map[string]schema.Container{"web": c}
		s.Services["web"] = svc
	}
	for _, tc := range []struct {
		name string
		edit func(*schema.Spec)
		want string
	}{
		{"more tasks than fit", func(s *schema.Spec) {
			dynamic(s)
			svc := s.Services["web"]
			svc.DesiredCount = intp(7)
			s.Services["web"] = svc
		}, "spec.cue:20:2: services.web.desiredCount: [R42] 7 tasks do not fit: capacity general holds at most 6 of this task at its maximum size — raise size.max of the capacity, use a larger instance type, or run fewer or smaller tasks"},
		{"no room to deploy", func(s *schema.Spec) {
			dynamic(s)
			svc := s.Services["web"]
			svc.DesiredCount = intp(6)
			s.Services["web"] = svc
		}, "spec.cue:20:2: services.web.deployment: [R12] a deployment starts new tasks beside the 6 running ones, but capacity general holds at most 6 of this task: the deployment would never finish — raise size.max of the capacity, or set minimumHealthyPercent below 100 so that old tasks stop first"},
		{"reserved memory counts", func(s *schema.Spec) {
			dynamic(s)
			s.Cluster.Agent.Settings = map[string]string{"ECS_RESERVED_MEMORY": "512"}
			svc := s.Services["web"]
			svc.DesiredCount = intp(4)
			s.Services["web"] = svc
		}, "spec.cue:20:2: services.web.deployment: [R12] a deployment starts new tasks beside the 4 running ones, but capacity general holds at most 4 of this task: the deployment would never finish — raise size.max of the capacity, or set minimumHealthyPercent below 100 so that old tasks stop first"},
		{"host port shared across services", func(s *schema.Spec) {
			s.Services["api"] = s.Services["web"]
		}, "spec.cue:20:2: services.web.containers.web.ports[0]: [R12] host port 80/tcp is mapped by services api and web on capacity general: an instance holds one task of them, and 2 tasks plus one for a deployment need more than its 2 instances — use dynamic host ports (leave host out) behind a load balancer, another host port, or raise size.max"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			tc.edit(s)
			got := run(s)
			if len(got) != 1 || got[0].String() != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func boolp(b bool) *bool { return &b }

// additionalTarget is a target on listener http of withALB: the service's own, with paths here.
func additionalTarget(port int, paths ...string) schema.AdditionalTarget {
	return schema.AdditionalTarget{Listener: "http", Port: port, Rule: schema.ListenerRule{Paths: paths}, DeregistrationDelay: 30,
		HealthCheck: schema.TargetHealth{Path: "/", Matcher: "200", Interval: 15, Timeout: 5, HealthyThreshold: 3, UnhealthyThreshold: 3}}
}
