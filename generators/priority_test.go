package generators

import (
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

func TestRulePriority(t *testing.T) {
	for _, tc := range []struct {
		name, service string
		rule          schema.ListenerRule
		want          int
	}{
		{"explicit", "web", schema.ListenerRule{Paths: []string{"/api/*"}, Priority: 7}, 7},
		{"catch-all", "web", schema.ListenerRule{}, CatchAllPriority},
		// The check's collision test relies on these two deriving the same number.
		{"paths", "web", schema.ListenerRule{Paths: []string{"/api/*"}}, 44125},
		{"paths, colliding service", "api4", schema.ListenerRule{Paths: []string{"/api/*"}}, 44125},
		{"hosts", "web", schema.ListenerRule{Hosts: []string{"api.example.com"}}, 27625},
		{"hosts and paths", "web", schema.ListenerRule{Hosts: []string{"api.example.com"}, Paths: []string{"/v1/*"}}, 12025},
	} {
		if got := RulePriority("public", "http", tc.service, tc.rule); got != tc.want {
			t.Errorf("%s: RulePriority = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// Rules are evaluated lowest priority first: the more specific rule must win, whatever the
// services are called.
func TestRulePriorityOrdersSpecificFirst(t *testing.T) {
	for _, tc := range []struct{ specific, broad schema.ListenerRule }{
		{schema.ListenerRule{Paths: []string{"/api/v2/*"}}, schema.ListenerRule{Paths: []string{"/api/*"}}},
		{schema.ListenerRule{Paths: []string{"/api*"}}, schema.ListenerRule{Paths: []string{"/ap*"}}},
		{schema.ListenerRule{Hosts: []string{"api.example.com"}}, schema.ListenerRule{Hosts: []string{"*.example.com"}}},
		{schema.ListenerRule{Hosts: []string{"x.io"}, Paths: []string{"/*"}}, schema.ListenerRule{Hosts: []string{"a-very-long-host.example.com"}}},
		{schema.ListenerRule{Hosts: []string{"a-very-long-host.example.com"}}, schema.ListenerRule{Paths: []string{"/a-very-long-path/that/is/long/*"}}},
		{schema.ListenerRule{Paths: []string{"/*"}}, schema.ListenerRule{}},
		// Source-IP and header conditions narrow the same hosts and paths.
		{schema.ListenerRule{Paths: []string{"/api/*"}, Headers: map[string][]string{"X-Release": {"canary"}}}, schema.ListenerRule{Paths: []string{"/api/*"}}},
		{schema.ListenerRule{Hosts: []string{"a.example.com"}, SourceIPs: []string{"10.0.0.0/8"}}, schema.ListenerRule{Hosts: []string{"a.example.com"}}},
		{schema.ListenerRule{Headers: map[string][]string{"X-Release": {"canary"}}}, schema.ListenerRule{}},
		// The broadest pattern of a rule decides: "/a/*" OR "/*" takes everything "/*" takes.
		{schema.ListenerRule{Paths: []string{"/ab/*"}}, schema.ListenerRule{Paths: []string{"/abcdef/*", "/*"}}},
	} {
		for _, a := range []string{"a", "web", "zzz-service"} {
			for _, b := range []string{"a", "web", "zzz-service"} {
				ps, pb := RulePriority("lb", "https", a, tc.specific), RulePriority("lb", "https", b, tc.broad)
				if ps >= pb {
					t.Errorf("%v (service %s) gets %d, not before %v (service %s) with %d", tc.specific, a, ps, tc.broad, b, pb)
				}
			}
		}
	}
}

// Every derived priority is a valid one, and never in the range left for explicit priorities.
func TestRulePriorityRange(t *testing.T) {
	long := "/" + string(make([]byte, 200))
	for _, r := range []schema.ListenerRule{
		{Paths: []string{"/*"}}, {Paths: []string{long}}, {Hosts: []string{"*"}}, {Hosts: []string{long}, Paths: []string{long}},
		{Hosts: []string{"*"}, Paths: []string{"*"}},
	} {
		for _, svc := range []string{"a", "b", "c", "d", "e", "f", "g"} {
			p := RulePriority("lb", "l", svc, r)
			if p < 1 || p > 45000 {
				t.Errorf("%v/%s: priority %d outside 1–45000", r, svc, p)
			}
		}
	}
}
