package generators

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// catchAllLastByPairs is catchAllLast as its comment says, comparing every pair of services.
func catchAllLastByPairs(names []string, catchAll, rulesOn map[string][][2]string) []string {
	after := map[string]string{}
	for _, n := range names {
		for _, other := range names {
			if other == n || len(catchAll[other]) > 0 {
				continue
			}
			for _, l := range catchAll[n] {
				if slices.Contains(rulesOn[other], l) && other > n && other > after[n] {
					after[n] = other
				}
			}
		}
	}
	var out []string
	for _, n := range names {
		if after[n] != "" {
			continue
		}
		out = append(out, n)
		for _, m := range names {
			if after[m] == n {
				out = append(out, m)
			}
		}
	}
	return out
}

// TestCatchAllLastAgreesWithPairs compares the order with the pairwise definition on random
// listeners, catch-all holders and rule holders.
func TestCatchAllLastAgreesWithPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 50000))
	listeners := [][2]string{{"a", "http"}, {"a", "https"}, {"b", "http"}, {"b", "test"}}
	for trial := range 3000 {
		n := 1 + r.IntN(10)
		var names []string
		catchAll, rulesOn := map[string][][2]string{}, map[string][][2]string{}
		for i := range n {
			name := fmt.Sprintf("s%02d", i)
			names = append(names, name)
			for _, l := range listeners {
				switch r.IntN(6) {
				case 0:
					catchAll[name] = append(catchAll[name], l)
					rulesOn[name] = append(rulesOn[name], l)
				case 1, 2:
					rulesOn[name] = append(rulesOn[name], l)
				}
			}
		}
		got, want := catchAllLast(names, catchAll, rulesOn), catchAllLastByPairs(names, catchAll, rulesOn)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: catch-all %v, rules %v:\ngot  %v\nwant %v", trial, catchAll, rulesOn, got, want)
		}
	}
}
