package check

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/schema"
)

// serialSpec is Spec as it was before the rules ran on every core: one rule after another into
// one list.
func serialSpec(s *schema.Spec, pos diag.Locator) diag.List {
	c := &checker{spec: s, pos: pos}
	for _, rule := range rules {
		rule(c)
	}
	c.applyWaivers()
	c.findings.Sort()
	return c.findings
}

// The rules run on every core and give exactly the findings, in exactly the order, of the rules
// run one after another, however the goroutines interleave: findings of several rules at the
// same path stay in the rules' order.
func TestRulesInParallelAsInSeries(t *testing.T) {
	s := base()
	web := s.Services["web"]
	for i := range 12 {
		svc := web
		svc.Containers = map[string]schema.Container{}
		for name, c := range web.Containers {
			c.Memory = nil                                                                               // no memory on EC2 without task memory
			c.Ports = []schema.PortMapping{{Container: 22, Host: intp(22), Protocol: "tcp"}, c.Ports[0]} // a reserved host port, and port 80 again
			svc.Containers[name] = c
		}
		s.Services[fmt.Sprintf("svc-%02d", i)] = svc
	}
	want := serialSpec(s, diag.Positions{})
	rulesSeen := map[string]bool{}
	for _, f := range want {
		rulesSeen[f.Rule] = true
	}
	if len(want) < 24 || len(rulesSeen) < 3 {
		t.Fatalf("the spec must break several rules in several services: %d findings of rules %v", len(want), rulesSeen)
	}
	for range 50 {
		if got := Spec(s, diag.Positions{}); !reflect.DeepEqual(got, want) {
			t.Fatalf("in parallel:\n%v\none after another:\n%v", got, want)
		}
	}
}
