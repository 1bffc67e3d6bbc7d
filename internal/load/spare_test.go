package load

import (
	"path/filepath"
	"strings"
	"testing"
)

// A large spec loaded without a memo has its schema compiled while it is parsed (the spare), and
// its workers compile none of their own when no service needs CUE's evaluator; a service that
// does gets the spare's. Both load exactly as before.
func TestSpareWorker(t *testing.T) {
	src := knownSpec(t)
	// A predictive scaling policy is one thing the checkers leave to CUE (TestCheckerCoverage).
	needsCUE := strings.Replace(src, "\t\t\ttargetTracking: cpu: {metric: \"cpu\", target: 60}\n",
		"\t\t\ttargetTracking: cpu: {metric: \"cpu\", target: 60}\n\t\t\tpredictive: daily: {metric: \"cpu\", target: 60}\n", 1)
	if needsCUE == src {
		t.Fatal("no target tracking policy in the spec")
	}
	path := filepath.Join(t.TempDir(), "spec.cue")
	for _, c := range []struct {
		name, src string
		compiles  bool
	}{{"plain data the checkers take", src, false}, {"a service that needs CUE", needsCUE, true}} {
		t.Run(c.name, func(t *testing.T) {
			noSpare := func() {
				for takeSpare() != nil {
				}
			}
			noSpare()
			// Without a spare: as before it.
			noSpares = true
			want := loadText(t, path, c.src, nil)
			noSpares = false
			if want.res == nil || want.findings != "" {
				t.Fatalf("the spec does not load: %s", want.findings)
			}

			noSpare()
			before := workerSchemas.Load()
			got := loadText(t, path, c.src, nil)
			sameLoad(t, "with a spare", want, got)
			compiled := workerSchemas.Load() - before
			spare.mu.Lock()
			left := spare.w != nil || spare.running
			spare.mu.Unlock()
			switch {
			case !c.compiles && compiled != 0:
				t.Errorf("workers compiled %d schemas of their own", compiled)
			case !c.compiles && !left:
				t.Error("no spare was made, or a worker took it without needing CUE")
			case c.compiles && left:
				t.Error("the worker that needed CUE did not take the spare")
			}
		})
	}

	// A load with a memo starts none: it may recall every service and compile no schema.
	for takeSpare() != nil {
	}
	loadText(t, path, src, &mapMemo{m: map[string][]byte{}})
	spare.mu.Lock()
	started := spare.w != nil || spare.running
	spare.mu.Unlock()
	if started {
		t.Error("a load with a memo prepared a spare worker")
	}
}
