package build

import (
	"path/filepath"
	"testing"

	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/internal/load"
)

// The positions kept for generation give, for every part of the spec a stack comes from, the
// position all of them give; for a deeper path, that of its part.
func TestPartPositionsAgree(t *testing.T) {
	specs, err := filepath.Glob("../../examples/*/spec.cue")
	if err != nil || len(specs) == 0 {
		t.Fatal("no example", err)
	}
	for _, spec := range specs {
		loaded, findings, err := load.Files([]string{spec}, load.Options{})
		if err != nil || loaded == nil {
			t.Fatalf("%s: %v %s", spec, err, findings)
		}
		for _, env := range loaded.Envs {
			full := env.Positions.(diag.Positions) // examples are loaded whole: no diag.Lazy
			part := partPositions(full).(diag.Positions)
			if len(part) == 0 || len(part) >= len(full) {
				t.Fatalf("%s: %d of %d positions kept", spec, len(part), len(full))
			}
			paths := []string{"network", "cluster", "services", "loadBalancers"}
			for name := range env.Spec.Services {
				paths = append(paths, "services."+name)
			}
			for p := range full {
				paths = append(paths, p)
			}
			for _, p := range paths {
				want := full.Of(p)
				if diag.Parent(diag.Parent(p)) != "" {
					q := p
					for diag.Parent(diag.Parent(q)) != "" {
						q = diag.Parent(q)
					}
					want = full.Of(q)
				}
				if got := part.Of(p); got != want {
					t.Errorf("%s: %s: %v, want %v", spec, p, got, want)
				}
			}
		}
	}
}
