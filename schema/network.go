package schema

import (
	"fmt"
	"net/netip"
)

// CreatedNetwork is a VPC that ecsgen creates in a stack of its own (network.create).
type CreatedNetwork struct {
	CIDR              string   `json:"cidr"`
	AvailabilityZones int      `json:"availabilityZones"`
	NATGateways       string   `json:"natGateways"`
	Endpoints         bool     `json:"endpoints"`
	FlowLogs          FlowLogs `json:"flowLogs"`
}

type FlowLogs struct {
	RetentionDays int `json:"retentionDays"`
}

// NAT gateway layouts (CreatedNetwork.NATGateways).
const (
	SingleNATGateway  = "single"
	NATGatewayPerZone = "perZone"
)

// Limits of a created VPC's range: /16 is the largest block a VPC may have; /23 is the smallest
// whose public subnets (a sixteenth of it, /27) still hold a load balancer, which needs a /27
// with eight free addresses in each of its subnets.
const (
	MinVPCPrefix = 16
	MaxVPCPrefix = 23
)

// CreatesNetwork reports whether ecsgen creates the VPC (network.create) instead of using the
// existing one the ids name.
func (s *Spec) CreatesNetwork() bool { return s.Network.Create != nil }

// SubnetLayout is where a created VPC's subnets lie, one public and one private per zone, in
// zone order.
type SubnetLayout struct {
	VPC     netip.Prefix
	Public  []netip.Prefix
	Private []netip.Prefix
}

// Layout carves a created VPC's range into its subnets, always the same way: the first three
// quarters are the private subnets (one per zone, in order), and the last quarter is cut into
// sixteenths, the first of which are the public subnets. The range must be a valid network
// address between /16 and /23 (R66 reports it otherwise).
func (n CreatedNetwork) Layout() (SubnetLayout, error) {
	p, err := netip.ParsePrefix(n.CIDR)
	if err != nil {
		return SubnetLayout{}, err
	}
	if !p.Addr().Is4() {
		return SubnetLayout{}, fmt.Errorf("%s is not an IPv4 range", n.CIDR)
	}
	if p.Masked() != p {
		return SubnetLayout{}, fmt.Errorf("%s is not the start of its range: that is %s", n.CIDR, p.Masked())
	}
	if p.Bits() < MinVPCPrefix || p.Bits() > MaxVPCPrefix {
		return SubnetLayout{}, fmt.Errorf("/%d is outside /%d–/%d", p.Bits(), MinVPCPrefix, MaxVPCPrefix)
	}
	l := SubnetLayout{VPC: p}
	size := uint32(1) << (32 - p.Bits()) // addresses in the VPC
	base := addrUint(p.Addr())
	for i := range n.AvailabilityZones {
		l.Private = append(l.Private, netip.PrefixFrom(uintAddr(base+uint32(i)*size/4), p.Bits()+2))
		l.Public = append(l.Public, netip.PrefixFrom(uintAddr(base+3*size/4+uint32(i)*size/16), p.Bits()+4))
	}
	return l, nil
}

func addrUint(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func uintAddr(u uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}
