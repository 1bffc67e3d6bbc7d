package check

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ecsgen/ecsgen/schema"
)

// Network placement: what runs in which subnets, and who can reach a listener. A real VPC
// decides both by its route tables, which the emulator has none of:
//   - R62: an internet-facing load balancer needs public subnets (a route to an internet
//     gateway); in private ones it is unreachable, and Elastic Load Balancing refuses it.
//   - R63: tasks and instances without a public IP need private subnets (a NAT gateway or VPC
//     endpoints): in a public subnet they cannot pull images or reach the ECS and Logs APIs.
//   - R64: clients inside the VPC reach an internet-facing load balancer through their NAT
//     gateway, from its public address: a listener open only to private ranges or to security
//     groups admits no one.

func init() {
	rules = append(rules, checkSubnets, checkListenerSources)
}

func checkSubnets(c *checker) {
	s := c.spec
	n := s.Network
	if s.CreatesNetwork() || n.VPC == "" {
		return // the created network places everything itself (R65 refuses ids beside it)
	}
	if len(n.Subnets)+len(n.PublicSubnets)+len(n.PrivateSubnets) == 0 {
		c.errorf("", "network.subnets", `e.g. publicSubnets: ["subnet-…", "subnet-…"], privateSubnets: ["subnet-…", "subnet-…"]`,
			"the network has no subnets: give subnets, or publicSubnets and privateSubnets")
	}
	overlap := false
	for i, id := range n.PrivateSubnets {
		if slices.Contains(n.PublicSubnets, id) {
			overlap = true
			c.errorf("R62", fmt.Sprintf("network.privateSubnets[%d]", i), "list it once, under the kind its route table makes it",
				"%s is listed as public and private: a subnet routes to an internet gateway or not", id)
		}
	}
	if overlap {
		return // where things go follows from the lists, once they are right
	}
	public := func(ids []string) []string { return intersect(ids, n.PublicSubnets) }
	private := func(ids []string) []string { return intersect(ids, n.PrivateSubnets) }

	for _, name := range sortedKeys(s.LoadBalancers) {
		lb := s.LoadBalancers[name]
		if lb.Scheme != "internet-facing" {
			continue
		}
		pl := s.LoadBalancerPlacement(lb)
		if in := private(pl.Subnets); len(in) > 0 {
			c.errorf("R62", placementPath("loadBalancers."+name, pl), "place it in public subnets: list them in network.publicSubnets (or the load balancer's subnets), or make it scheme: \"internal\"",
				"internet-facing load balancer %s would be in private subnets (%s), which have no route from the internet", name, strings.Join(in, ", "))
		}
	}
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		if s.NetworkMode(svc) != "awsvpc" || svc.AssignPublicIP {
			continue
		}
		pl := s.TaskPlacement(svc)
		if in := public(pl.Subnets); len(in) > 0 {
			c.errorf("R63", placementPath("services."+name, pl), "run the tasks in network.privateSubnets (or the service's subnets), or set assignPublicIp: true",
				"the tasks get no public IP, but would run in public subnets (%s): without one they cannot pull images or reach the ECS and CloudWatch Logs APIs there", strings.Join(in, ", "))
		}
	}
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		cp := s.Cluster.Capacity.EC2[name]
		if cp.AssociatePublicIP {
			continue
		}
		pl := s.InstancePlacement(cp)
		if in := public(pl.Subnets); len(in) > 0 {
			c.errorf("R63", placementPath("cluster.capacity.ec2."+name, pl), "launch the instances in network.privateSubnets (or the capacity's subnets), or set associatePublicIp: true",
				"the instances get no public IP, but would launch in public subnets (%s): without one they cannot register with ECS or pull images", strings.Join(in, ", "))
		}
	}
}

// placementPath is the spec field a placement comes from: the resource's own subnets, or the
// network's list.
func placementPath(resource string, pl schema.SubnetPlacement) string {
	if pl.From == schema.OwnSubnets {
		return resource + ".subnets"
	}
	return "network." + pl.From
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// privateRanges are the address ranges that never arrive at an internet-facing load balancer:
// RFC 1918 and the shared address space of carrier-grade NAT (RFC 6598).
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("100.64.0.0/10"),
}

// reachesFromInternet reports whether a source can be the address of a connection to an
// internet-facing load balancer: a public range, or one that contains public addresses.
func reachesFromInternet(source string) bool {
	p, err := netip.ParsePrefix(source)
	if err != nil {
		return false // a security group: it only matches private traffic inside the VPC
	}
	for _, r := range privateRanges {
		if r.Contains(p.Addr()) && r.Bits() <= p.Bits() {
			return false
		}
	}
	return true
}

func checkListenerSources(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.LoadBalancers) {
		lb := s.LoadBalancers[name]
		for _, lname := range sortedKeys(lb.Listeners) {
			l := lb.Listeners[lname]
			path, sources := "loadBalancers."+name+".allowFrom", lb.AllowFrom
			if l.AllowFrom != nil {
				path, sources = "loadBalancers."+name+".listeners."+lname+".allowFrom", l.AllowFrom
			}
			if lb.Scheme != "internet-facing" || len(sources) == 0 || slices.ContainsFunc(sources, reachesFromInternet) {
				continue
			}
			c.errorf("R64", path,
				`allow the public addresses the clients come from, e.g. your NAT gateways' Elastic IPs ("203.0.113.10/32") or the office's range; private ranges and security groups only reach an internal load balancer`,
				"listener %s of internet-facing load balancer %s admits only %s, but clients in the VPC reach an internet-facing load balancer from their NAT gateway's public address: it admits no one",
				lname, name, strings.Join(sources, ", "))
		}
	}
}
