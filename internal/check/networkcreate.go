package check

import (
	"fmt"
	"net/netip"

	"github.com/ecsgen/ecsgen/schema"
)

// A network is either an existing VPC, named by its ids, or one ecsgen creates:
//   - R65: a spec names a VPC (network.vpc) or creates one (network.create), not both and not
//     neither; a created network places every resource itself, so ids of existing subnets and
//     security groups (which belong to another VPC) are refused beside it.
//   - R66: a created VPC's range must be an IPv4 network address from /16 (the largest a VPC
//     may have) to /23 (the smallest whose public subnets still hold a load balancer), and must
//     not overlap 172.17.0.0/16 when the cluster has EC2 capacity: Docker's bridge network on
//     every container instance uses it, so the instance would send the replies to load balancers
//     and clients in that range to its containers instead.

func init() {
	rules = append(rules, checkNetworkChoice, checkCreatedNetworkRange)
}

// dockerBridge is the range of Docker's default bridge (docker0) on ECS container instances.
var dockerBridge = netip.MustParsePrefix("172.17.0.0/16")

func checkNetworkChoice(c *checker) {
	s := c.spec
	n := s.Network
	switch {
	case n.VPC == "" && n.Create == nil:
		c.errorf("R65", "network.vpc", `give the existing VPC's id (vpc: "vpc-…" with its subnets), or let ecsgen create one: network: create: {}`,
			"the network names no VPC and creates none")
		return
	case n.Create == nil:
		return
	case n.VPC != "":
		c.errorf("R65", "network.vpc", "remove vpc to deploy into the VPC ecsgen creates, or remove create to use the existing one",
			"the network names an existing VPC (%s) and creates one (network.create): a deployment runs in one VPC", n.VPC)
	}
	given := func(path string, ids []string, what string) {
		if len(ids) > 0 {
			c.errorf("R65", path, "remove it: ecsgen places every resource in the created VPC's public or private subnets by what it needs",
				"%s belong to an existing VPC, but the network is created (network.create)", what)
		}
	}
	given("network.subnets", n.Subnets, "existing subnets")
	given("network.publicSubnets", n.PublicSubnets, "existing subnets")
	given("network.privateSubnets", n.PrivateSubnets, "existing subnets")
	given("network.securityGroups", n.SecurityGroups, "existing security groups")
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		given("cluster.capacity.ec2."+name+".subnets", s.Cluster.Capacity.EC2[name].Subnets, "existing subnets")
	}
	for _, name := range sortedKeys(s.LoadBalancers) {
		given("loadBalancers."+name+".subnets", s.LoadBalancers[name].Subnets, "existing subnets")
	}
	for _, name := range sortedKeys(s.Services) {
		given("services."+name+".subnets", s.Services[name].Subnets, "existing subnets")
	}
}

func checkCreatedNetworkRange(c *checker) {
	n := c.spec.Network.Create
	if n == nil {
		return
	}
	const path = "network.create.cidr"
	l, err := n.Layout()
	if err != nil {
		c.errorf("R66", path, fmt.Sprintf(`a private IPv4 range from /%d to /%d, e.g. "10.0.0.0/16"`, schema.MinVPCPrefix, schema.MaxVPCPrefix),
			"%s cannot be the range of a created VPC: %v", n.CIDR, err)
		return
	}
	if len(c.spec.Cluster.Capacity.EC2) > 0 && l.VPC.Overlaps(dockerBridge) {
		c.errorf("R66", path, `pick a range outside 172.17.0.0/16, e.g. "10.0.0.0/16"`,
			"%s overlaps 172.17.0.0/16, Docker's bridge network on every container instance: the instances would route replies to addresses in it to their containers", n.CIDR)
	}
}
