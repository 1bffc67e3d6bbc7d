package check

import (
	"fmt"
	"slices"
)

// The ids that the starters of earlier versions of `ecsgen init` held until the user put in
// their own: a VPC, subnets and an account that no AWS account has. Today's starters create
// their VPC (network: create) and hold none; specs written from the earlier ones still build. A spec built with them
// deploys nothing: the first stack fails with InvalidSubnetID.NotFound. P01 names every field
// that still holds one.
var (
	// PlaceholderAccount is the starters' account.
	PlaceholderAccount = "000000000000"
	// PlaceholderVPCs are the starters' VPCs: one per environment of the multi-env starter.
	PlaceholderVPCs = []string{"vpc-00000000000000001", "vpc-00000000000000002", "vpc-00000000000000003"}
	// PlaceholderSubnets are the starters' subnets: two per VPC.
	PlaceholderSubnets = []string{
		"subnet-00000000000000011", "subnet-00000000000000012",
		"subnet-00000000000000021", "subnet-00000000000000022",
		"subnet-00000000000000031", "subnet-00000000000000032",
	}
)

func init() {
	rules = append(rules, checkPlaceholders)
}

// checkPlaceholders warns about every field that still holds a starter's placeholder id.
func checkPlaceholders(c *checker) {
	s := c.spec
	if s.Account == PlaceholderAccount {
		c.warnf("P01", "account", "aws sts get-caller-identity --query Account prints yours",
			"%q is a placeholder from ecsgen init, not your account", s.Account)
	}
	if slices.Contains(PlaceholderVPCs, s.Network.VPC) {
		c.warnf("P01", "network.vpc", "aws ec2 describe-vpcs --query 'Vpcs[].[VpcId,CidrBlock]' lists yours",
			"%q is a placeholder from ecsgen init: a deploy fails until it is your VPC", s.Network.VPC)
	}
	subnets := func(path string, ids []string) {
		for i, id := range ids {
			if slices.Contains(PlaceholderSubnets, id) {
				c.warnf("P01", fmt.Sprintf("%s[%d]", path, i),
					"aws ec2 describe-subnets --filters Name=vpc-id,Values=<vpc> --query 'Subnets[].[SubnetId,AvailabilityZone]' lists your VPC's, with their zones",
					"%q is a placeholder from ecsgen init: a deploy fails until it is a subnet of your VPC", id)
			}
		}
	}
	subnets("network.subnets", s.Network.Subnets)
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		subnets("cluster.capacity.ec2."+name+".subnets", s.Cluster.Capacity.EC2[name].Subnets)
	}
	for _, name := range sortedKeys(s.LoadBalancers) {
		subnets("loadBalancers."+name+".subnets", s.LoadBalancers[name].Subnets)
	}
	for _, name := range sortedKeys(s.Services) {
		subnets("services."+name+".subnets", s.Services[name].Subnets)
	}
}
