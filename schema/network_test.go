package schema

import (
	"fmt"
	"net/netip"
	"testing"
)

func TestLayout(t *testing.T) {
	cases := []struct {
		cidr            string
		zones           int
		public, private string
	}{
		{"10.0.0.0/16", 2, "[10.0.192.0/20 10.0.208.0/20]", "[10.0.0.0/18 10.0.64.0/18]"},
		{"10.40.0.0/16", 3, "[10.40.192.0/20 10.40.208.0/20 10.40.224.0/20]", "[10.40.0.0/18 10.40.64.0/18 10.40.128.0/18]"},
		{"192.168.10.0/23", 3, "[192.168.11.128/27 192.168.11.160/27 192.168.11.192/27]", "[192.168.10.0/25 192.168.10.128/25 192.168.11.0/25]"},
	}
	for _, tc := range cases {
		l, err := CreatedNetwork{CIDR: tc.cidr, AvailabilityZones: tc.zones}.Layout()
		if err != nil {
			t.Fatalf("%s: %v", tc.cidr, err)
		}
		if got := fmt.Sprint(l.Public); got != tc.public {
			t.Errorf("%s public: %s, want %s", tc.cidr, got, tc.public)
		}
		if got := fmt.Sprint(l.Private); got != tc.private {
			t.Errorf("%s private: %s, want %s", tc.cidr, got, tc.private)
		}
	}
}

// Every layout of every allowed size keeps its subnets inside the VPC, apart from each other,
// and at least /27 (what a load balancer needs in each subnet).
func TestLayoutSubnetsDisjoint(t *testing.T) {
	for bits := MinVPCPrefix; bits <= MaxVPCPrefix; bits++ {
		cidr := netip.PrefixFrom(netip.MustParseAddr("10.0.0.0"), bits).String()
		l, err := CreatedNetwork{CIDR: cidr, AvailabilityZones: 3}.Layout()
		if err != nil {
			t.Fatalf("%s: %v", cidr, err)
		}
		all := append(append([]netip.Prefix{}, l.Public...), l.Private...)
		for i, a := range all {
			if !l.VPC.Contains(a.Addr()) || a.Bits() < l.VPC.Bits() || a.Bits() > 27 {
				t.Errorf("%s: subnet %s outside the VPC or smaller than /27", cidr, a)
			}
			for _, b := range all[i+1:] {
				if a.Overlaps(b) {
					t.Errorf("%s: subnets %s and %s overlap", cidr, a, b)
				}
			}
		}
	}
}

func TestLayoutRefuses(t *testing.T) {
	for _, cidr := range []string{"10.0.0.0/15", "10.0.0.0/24", "10.0.0.1/16", "fd00::/56", "10.0.0.0"} {
		if _, err := (CreatedNetwork{CIDR: cidr, AvailabilityZones: 2}).Layout(); err == nil {
			t.Errorf("%s: no error", cidr)
		}
	}
}
