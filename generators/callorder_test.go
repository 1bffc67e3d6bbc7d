package generators

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// callOrderByScan is the order callOrder gives, computed as its comment says, one step at a
// time: the first service of names whose callees are all placed, else the first not placed.
func callOrderByScan(s *schema.Spec, names []string) []string {
	done := map[string]bool{}
	var out []string
	for len(out) < len(names) {
		next := ""
		for _, n := range names {
			if done[n] {
				continue
			}
			ready := true
			for _, c := range s.Services[n].Calls {
				if _, ok := s.Services[c]; ok && !done[c] && c != n {
					ready = false
				}
			}
			if ready {
				next = n
				break
			}
		}
		if next == "" {
			for _, n := range names {
				if !done[n] {
					next = n
					break
				}
			}
		}
		done[next] = true
		out = append(out, next)
	}
	return out
}

// TestCallOrderAgreesWithScan compares callOrder with the step-by-step definition on random
// call graphs: chains, cycles, self-calls, repeated and unknown callees, names in any order.
func TestCallOrderAgreesWithScan(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 19))
	for trial := range 2000 {
		n := 1 + r.IntN(12)
		s := &schema.Spec{Services: map[string]schema.Service{}}
		var names []string
		for i := range n {
			names = append(names, fmt.Sprintf("s%02d", i))
		}
		for _, name := range names {
			var calls []string
			for range r.IntN(4) {
				switch k := r.IntN(10); {
				case k == 0:
					calls = append(calls, "unknown")
				case k == 1:
					calls = append(calls, name)
				default:
					calls = append(calls, names[r.IntN(n)])
				}
			}
			s.Services[name] = schema.Service{Calls: calls}
		}
		r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		got, want := callOrder(s, names), callOrderByScan(s, names)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: names %v, calls %v:\ncallOrder %v\nby scan   %v", trial, names, s.Services, got, want)
		}
	}
}
