package build_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/cache"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/internal/plan"
	"github.com/ecsgen/ecsgen/internal/write"
)

// TestPlanThroughRecord: the plan of a rebuild, as `ecsgen build` works it out (the record of
// the published generation vouches for the unchanged files, whose stacks are then parsed only
// when the plan needs them), is the plan that reads and parses every file of the previous
// output, for edits of one service and of what every stack shares.
func TestPlanThroughRecord(t *testing.T) {
	src := benchspec.Spec(30)
	for _, c := range []struct{ name, old, new string }{
		{"an environment variable of one service", `FEATURE_0015: "on"`, `FEATURE_0015: "v2"`},
		{"the desired count of one service", "desiredCount: 2\n", "desiredCount: 5\n"},
		{"the instance type of a capacity", `instanceType: "m7i.xlarge"`, `instanceType: "m7i.2xlarge"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(src, c.old) {
				t.Fatalf("the spec has no %s", c.old)
			}
			dir := t.TempDir()
			spec, out := filepath.Join(dir, "spec.cue"), filepath.Join(dir, "out")
			c0 := cache.Open(filepath.Join(dir, "cache"))
			wo := write.Options{Records: c0}
			vouched := 0
			run := func(s string) (*build.Result, []*plan.Plan) {
				t.Helper()
				if err := os.WriteFile(spec, []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
				res, err := build.Files([]string{spec}, load.Options{Memo: c0})
				if err != nil || res.Files == nil {
					t.Fatalf("%v\n%v", err, res.Findings)
				}
				unchanged := wo.Unchanged(out)
				vouched = 0
				counted := func(file string, data []byte) bool {
					ok := unchanged(file, data)
					if ok && strings.Contains(file, "/stacks/") {
						vouched++
					}
					return ok
				}
				plans, err := plan.Options{Unchanged: counted}.Environments(out, res.Envs, res.Files)
				if err != nil {
					t.Fatal(err)
				}
				return res, plans
			}
			res, _ := run(src)
			if _, err := wo.Dir(out, res.Files); err != nil {
				t.Fatal(err)
			}
			// Files older than the build that records them are vouched for by the next one.
			backdate(t, out, time.Now().Add(-time.Hour))
			res, _ = run(src)
			if _, err := wo.Dir(out, res.Files); err != nil {
				t.Fatal(err)
			}
			res, got := run(strings.Replace(src, c.old, c.new, 1))
			want, err := plan.Environments(out, res.Envs, res.Files)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("the plan through the record differs:\n%+v\n---\n%+v", got[0].Stacks, want[0].Stacks)
			}
			if len(want[0].Stacks) == 0 {
				t.Errorf("the edit changes no stack")
			}
			if vouched < 20 { // 31 stacks, 1 or 2 changed
				t.Errorf("the record vouched for %d stacks: the plan parsed them all", vouched)
			}
		})
	}
}

func backdate(t testing.TB, dir string, when time.Time) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			err = os.Chtimes(p, when, when)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
