package build_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/check"
	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/internal/load"
)

// TestBuildGrowsLinearly guards against work that grows with the square of the
// number of services, which a few services never show and a thousand make take minutes: the
// tag-count rule once built a generator environment (every service's callers and dedicated
// listeners) for each service: 10 000 services took 3.5x the CPU they take now.
//
// It counts allocations, which do not depend on the machine's load (no timing): the load, the
// rules and the generators on 400 services must allocate about 8 times what they allocate on
// 50 (the generated specs repeat the same shapes), and at most 12 times; the quadratic rule
// allocated 31 times as much (checked by putting it back).
func TestBuildGrowsLinearly(t *testing.T) {
	if testing.Short() {
		t.Skip("loads specs of 50 and 400 services")
	}
	allocs := func(n int) (loading, rules, generate float64) {
		file := filepath.Join(t.TempDir(), "spec.cue")
		if err := os.WriteFile(file, []byte(benchspec.Spec(n)), 0o644); err != nil {
			t.Fatal(err)
		}
		var res *load.Result
		loading = testing.AllocsPerRun(1, func() {
			var findings diag.List
			var err error
			if res, findings, err = load.Files([]string{file}, load.Options{}); err != nil || res == nil {
				t.Fatalf("the spec of %d services does not load: %v\n%s", n, err, findings)
			}
		})
		rules = testing.AllocsPerRun(2, func() {
			if f := check.Spec(res.Spec, res.Positions); len(f) > 0 {
				t.Fatalf("findings:\n%s", f)
			}
		})
		generate = testing.AllocsPerRun(1, func() {
			if _, err := generators.Generate(res.Spec); err != nil {
				t.Fatal(err)
			}
		})
		return loading, rules, generate
	}
	l50, r50, g50 := allocs(50)
	l400, r400, g400 := allocs(400)
	for _, c := range []struct {
		what       string
		small, big float64
	}{{"the load (load.Files)", l50, l400}, {"the rules (check.Spec)", r50, r400}, {"the generators", g50, g400}} {
		ratio := c.big / c.small
		t.Logf("%s: %.0f allocations at 50 services, %.0f at 400: %.1fx", c.what, c.small, c.big, ratio)
		if ratio > 12 {
			t.Errorf("%s allocate %.1fx as much for 8x the services (%.0f -> %.0f): something grows faster than the spec", c.what, ratio, c.small, c.big)
		}
	}
}
