package generators

import (
	"slices"

	"github.com/ecsgen/ecsgen/schema"
)

// serviceWaves gives each service of deploy.sh's order (names, as callOrder left them) the wave
// its stack deploys in under `deploy.sh --parallel=N`: stacks of one wave deploy side by side,
// and a wave starts when the one before it has ended. A stack's wave is 0 when it follows no
// other, else one more than the latest wave of those it must follow that come before it in the
// order, which are what the order itself keeps:
//
//   - its callees (callOrder): a task resolves only the Service Connect endpoints that exist
//     when it starts. Within a cycle of calls, a callee placed after its caller is not waited
//     for, as in the order.
//   - for a service holding a listener's catch-all rule, every service with a rule on that
//     listener that does not hold it (deployOrder): the one that gives the catch-all up
//     releases priority 50000 before the other's stack creates its rule.
//
// So the waves keep every constraint of the order; with one stack at a time, deploy.sh keeps the
// order itself.
func serviceWaves(s *schema.Spec, names []string) []int {
	index := make(map[string]int, len(names))
	for i, n := range names {
		index[n] = i
	}
	dedicated := s.DedicatedListeners()
	// The latest wave of the services placed so far with a rule on each shared listener and no
	// catch-all there: those a later catch-all holder of the listener follows.
	holders := map[[2]string]int{}
	waves := make([]int, len(names))
	for i, n := range names {
		wave := 0
		for _, c := range s.Services[n].Calls {
			if j, ok := index[c]; ok && j < i {
				wave = max(wave, waves[j]+1)
			}
		}
		catchAll, rulesOn := catchAllListeners(s, dedicated, n)
		for _, l := range catchAll {
			if w, ok := holders[l]; ok {
				wave = max(wave, w+1)
			}
		}
		waves[i] = wave
		for _, l := range rulesOn {
			if !slices.Contains(catchAll, l) {
				if w, ok := holders[l]; !ok || wave > w {
					holders[l] = wave
				}
			}
		}
	}
	return waves
}
