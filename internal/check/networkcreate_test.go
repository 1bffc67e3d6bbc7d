package check

import (
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// created turns the base spec's network into one ecsgen creates.
func created(s *schema.Spec) {
	s.Network = schema.Network{Create: &schema.CreatedNetwork{
		CIDR: "10.0.0.0/16", AvailabilityZones: 2, NATGateways: schema.SingleNATGateway, Endpoints: true,
		FlowLogs: schema.FlowLogs{RetentionDays: 90},
	}}
}

func TestCreatedNetworkIsClean(t *testing.T) {
	for _, edit := range []func(*schema.Spec){
		created,
		func(s *schema.Spec) { created(s); withALB(s); s.Network.Subnets = nil },
		func(s *schema.Spec) { created(s); fargate(s) },
	} {
		s := base()
		edit(s)
		if f := run(s); len(f) > 0 {
			t.Errorf("findings on a valid spec with a created network:\n%s", f)
		}
	}
}

func TestCreatedNetworkRules(t *testing.T) {
	cases := []struct {
		name string
		edit func(*schema.Spec)
		want []string
	}{
		{"R65 neither a VPC nor a created one", func(s *schema.Spec) { s.Network = schema.Network{} }, []string{
			`spec: network.vpc: [R65] the network names no VPC and creates none — give the existing VPC's id (vpc: "vpc-…" with its subnets), or let ecsgen create one: network: create: {}`,
		}},
		{"R65 both", func(s *schema.Spec) {
			created(s)
			s.Network.VPC = "vpc-0123456789abcdef0"
		}, []string{
			"spec: network.vpc: [R65] the network names an existing VPC (vpc-0123456789abcdef0) and creates one (network.create): a deployment runs in one VPC — remove vpc to deploy into the VPC ecsgen creates, or remove create to use the existing one",
		}},
		{"R65 existing ids beside a created network", func(s *schema.Spec) {
			created(s)
			fargate(s)
			s.Network.SecurityGroups = []string{"sg-0123456789abcdef0"}
			svc := s.Services["web"]
			svc.Subnets = []string{"subnet-0123456789abcdef0"}
			s.Services["web"] = svc
		}, []string{
			"spec: network.securityGroups: [R65] existing security groups belong to an existing VPC, but the network is created (network.create) — remove it: ecsgen places every resource in the created VPC's public or private subnets by what it needs",
			"spec.cue:20:2: services.web.subnets: [R65] existing subnets belong to an existing VPC, but the network is created (network.create) — remove it: ecsgen places every resource in the created VPC's public or private subnets by what it needs",
		}},
		{"R66 not a network address", func(s *schema.Spec) {
			created(s)
			s.Network.Create.CIDR = "10.0.1.0/16"
		}, []string{
			`spec: network.create.cidr: [R66] 10.0.1.0/16 cannot be the range of a created VPC: 10.0.1.0/16 is not the start of its range: that is 10.0.0.0/16 — a private IPv4 range from /16 to /23, e.g. "10.0.0.0/16"`,
		}},
		{"R66 too small for a load balancer's subnets", func(s *schema.Spec) {
			created(s)
			s.Network.Create.CIDR = "10.0.0.0/24"
		}, []string{
			`spec: network.create.cidr: [R66] 10.0.0.0/24 cannot be the range of a created VPC: /24 is outside /16–/23 — a private IPv4 range from /16 to /23, e.g. "10.0.0.0/16"`,
		}},
		{"R66 larger than a VPC may be", func(s *schema.Spec) {
			created(s)
			s.Network.Create.CIDR = "10.0.0.0/8"
		}, []string{
			`spec: network.create.cidr: [R66] 10.0.0.0/8 cannot be the range of a created VPC: /8 is outside /16–/23 — a private IPv4 range from /16 to /23, e.g. "10.0.0.0/16"`,
		}},
		{"R66 Docker's bridge on EC2 capacity", func(s *schema.Spec) {
			created(s)
			s.Network.Create.CIDR = "172.17.128.0/20"
		}, []string{
			`spec: network.create.cidr: [R66] 172.17.128.0/20 overlaps 172.17.0.0/16, Docker's bridge network on every container instance: the instances would route replies to addresses in it to their containers — pick a range outside 172.17.0.0/16, e.g. "10.0.0.0/16"`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			tc.edit(s)
			got := run(s).String()
			if want := strings.Join(tc.want, "\n"); strings.TrimSpace(got) != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// On Fargate alone, 172.17.0.0/16 is an ordinary range: there is no Docker bridge.
func TestDockerBridgeRangeOnFargate(t *testing.T) {
	s := base()
	created(s)
	fargate(s)
	s.Cluster.Capacity.EC2 = nil
	s.Network.Create.CIDR = "172.17.0.0/16"
	if f := run(s); len(f) > 0 {
		t.Errorf("findings:\n%s", f)
	}
}
