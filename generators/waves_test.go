package generators

import (
	"slices"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// The waves of `deploy.sh --parallel=N` keep every constraint of the serial order: a service
// deploys in a later wave than the services it calls (but within a cycle of calls, than those
// placed before it), and one holding a listener's catch-all rule in a later wave than the
// others with rules on that listener; the others share wave 0.
func TestServiceWaves(t *testing.T) {
	s := spec()
	base := s.Services["web"]
	for _, c := range []struct {
		name  string
		calls map[string][]string
		want  map[string]int
	}{
		{name: "no calls", want: map[string]int{"a": 0, "b": 0, "c": 0, "d": 0}},
		{name: "a chain", calls: map[string][]string{"b": {"a"}, "c": {"b"}},
			want: map[string]int{"a": 0, "b": 1, "c": 2, "d": 0}},
		{name: "two callees", calls: map[string][]string{"d": {"a", "c"}, "c": {"b"}},
			want: map[string]int{"a": 0, "b": 0, "c": 1, "d": 2}},
		// a and b call each other: the order places a first, then b after it.
		{name: "a cycle", calls: map[string][]string{"a": {"b"}, "b": {"a"}},
			want: map[string]int{"a": 0, "b": 1, "c": 0, "d": 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s.Services = map[string]schema.Service{}
			for _, n := range []string{"a", "b", "c", "d"} {
				svc := base
				svc.Calls = c.calls[n]
				s.Services[n] = svc
			}
			order := callOrder(s, deployOrder(s))
			waves := serviceWaves(s, order)
			for i, n := range order {
				if waves[i] != c.want[n] {
					t.Errorf("service %s in wave %d, want %d (order %q, waves %v)", n, waves[i], c.want[n], order, waves)
				}
			}
		})
	}

	// The catch-all holder after the service with a path rule on the same listener, whatever
	// their names.
	for _, holder := range []string{"api", "web"} {
		s := twoServicesOnOneListener(holder)
		order := callOrder(s, deployOrder(s))
		waves := serviceWaves(s, order)
		other := "api"
		if holder == "api" {
			other = "web"
		}
		if h, o := waves[slices.Index(order, holder)], waves[slices.Index(order, other)]; h != o+1 {
			t.Errorf("catch-all holder %s in wave %d, the other service in %d: want it one wave later", holder, h, o)
		}
	}
}
