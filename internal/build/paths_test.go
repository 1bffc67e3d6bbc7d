package build_test

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/load"
)

// TestEvaluationPathsAgree builds generated specs of 1, 10 and 100 services and every committed
// spec through the whole-spec evaluation and the per-service one (load.Options.Evaluation), and
// requires the same files, byte for byte, and the same findings.
func TestEvaluationPathsAgree(t *testing.T) {
	dir := t.TempDir()
	files := specs(t)
	for _, n := range []int{1, 10, 100} {
		p := filepath.Join(dir, fmt.Sprintf("services-%d.cue", n))
		if err := os.WriteFile(p, []byte(benchspec.Spec(n)), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	for _, spec := range files {
		t.Run(filepath.Base(filepath.Dir(spec))+"/"+filepath.Base(spec), func(t *testing.T) {
			whole, err := build.Files([]string{spec}, load.Options{Evaluation: load.WholeSpec})
			if err != nil {
				t.Fatal(err)
			}
			per, err := build.Files([]string{spec}, load.Options{Evaluation: load.PerService})
			if err != nil {
				t.Fatal(err)
			}
			if whole.Findings.String() != per.Findings.String() {
				t.Fatalf("findings differ:\nwhole spec:\n%s\nper service:\n%s", whole.Findings, per.Findings)
			}
			if len(whole.Files) == 0 {
				t.Fatal("nothing built")
			}
			if !slices.Equal(slices.Sorted(maps.Keys(whole.Files)), slices.Sorted(maps.Keys(per.Files))) {
				t.Fatal("the two paths build different files")
			}
			for p, b := range whole.Files {
				if !bytes.Equal(b, per.Files[p]) {
					t.Errorf("%s differs between the two paths", p)
				}
			}
		})
	}
}
