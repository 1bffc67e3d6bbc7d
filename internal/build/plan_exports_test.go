package build_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/cache"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/internal/plan"
	"github.com/ecsgen/ecsgen/internal/write"
)

// TestMayExportOfEveryStagedTemplate: a build through a sink records plan.MayExport of each
// service's stack template it staged, of the very bytes the sink was given, and of no other
// file.
func TestMayExportOfEveryStagedTemplate(t *testing.T) {
	dir := t.TempDir()
	spec := writeSpec(t, dir, 12, nil)
	staged := map[string][]byte{}
	var mu sync.Mutex // Add is called from several goroutines at once
	res, err := build.Options{Begin: func([]string) (generators.Sink, error) {
		return sinkFunc(func(p string, b []byte) error {
			mu.Lock()
			defer mu.Unlock()
			staged[p] = b
			return nil
		}), nil
	}}.Files([]string{spec})
	if err != nil || res.Files == nil {
		t.Fatalf("%v %v", err, res.Findings)
	}
	want := map[string]bool{}
	for p, b := range staged {
		if strings.HasPrefix(p, "perf/stacks/") && strings.HasSuffix(p, ".json") {
			want[p] = plan.MayExport(b)
		}
	}
	if len(want) != 12 || !maps.Equal(res.MayExport, want) {
		t.Errorf("recorded %v, want %v", res.MayExport, want)
	}
	for p := range res.Files {
		if _, ok := res.MayExport[p]; ok {
			t.Errorf("%s is recorded, though the sink did not take it", p)
		}
	}
	plain, err := build.Files([]string{spec}, load.Options{})
	if err != nil || plain.MayExport != nil {
		t.Errorf("a build without a sink records %v (%v)", plain.MayExport, err)
	}
}

// TestPlanReadsNoUnchangedStack: a rebuild after one service's edit, wired as `ecsgen build`
// wires it, does not read the previous output's unchanged service stacks: each is replaced,
// once the build has staged it, by bytes that are not a template, and the plan is still the
// one that reads every file before. Without Result.MayExport, the plan reads them for the
// exports scan and finds them broken: the check sees every read.
func TestPlanReadsNoUnchangedStack(t *testing.T) {
	src := benchspec.Spec(30)
	const old, new = `FEATURE_0015: "on"`, `FEATURE_0015: "v2"`
	for _, withCache := range []bool{false, true} {
		for _, scanned := range []bool{true, false} {
			t.Run(fmt.Sprintf("cache=%v/MayExport=%v", withCache, scanned), func(t *testing.T) {
				dir := t.TempDir()
				out, spec := filepath.Join(dir, "out"), filepath.Join(dir, "spec.cue")
				var c *cache.Cache
				if withCache {
					c = cache.Open(filepath.Join(dir, "cache"))
				}
				os.WriteFile(spec, []byte(src), 0o644)
				for range 2 {
					if _, _, _, err := stagedBuild(t, []string{spec}, out, c, nil); err != nil {
						t.Fatal(err)
					}
					backdate(t, out, time.Now().Add(-time.Hour))
				}
				os.WriteFile(spec, []byte(strings.Replace(src, old, new, 1)), 0o644)
				full, err := build.Files([]string{spec}, load.Options{})
				if err != nil {
					t.Fatal(err)
				}
				want, err := plan.Environments(out, full.Envs, full.Files)
				if err != nil || len(want[0].Stacks) == 0 {
					t.Fatalf("%v %+v", err, want)
				}
				got, broken, err := planWithBrokenPrevious(t, spec, out, c, scanned)
				if err != nil {
					t.Fatal(err)
				}
				if broken != 29 {
					t.Fatalf("%d unchanged service stacks broken, want 29", broken)
				}
				switch {
				case scanned && !reflect.DeepEqual(got, want):
					t.Errorf("with MayExport, the plan read an unchanged stack, or differs:\n%+v\n---\n%+v", got[0], want[0])
				case !scanned && got[0].Unreadable == "":
					t.Errorf("without MayExport, the plan read no unchanged stack: the test shows nothing")
				}
			})
		}
	}
}

// planWithBrokenPrevious rebuilds spec into out as stagedBuild does, but before the plan it
// replaces each template of the previous output that the build found unchanged and that
// cannot export (the services'; not the network's or the cluster's, which the plan parses for
// the deploy order) by bytes that do not parse. The build is aborted: out stays as it was,
// but for those files.
func planWithBrokenPrevious(t *testing.T, spec, out string, c *cache.Cache, scanned bool) ([]*plan.Plan, int, error) {
	t.Helper()
	res, wb := stageRebuild(t, spec, out, c)
	defer wb.Abort()
	broken := 0
	for file, may := range res.MayExport {
		if may || !wb.Same(file) {
			continue
		}
		// A new file renamed over it: the staging directory keeps its link to the old one.
		p := filepath.Join(out, filepath.FromSlash(file))
		if err := os.WriteFile(p+".tmp", []byte(`{"Resources": [ \u not a template`), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(p+".tmp", p); err != nil {
			t.Fatal(err)
		}
		broken++
	}
	plans, err := planStaged(res, wb, out, scanned)
	return plans, broken, err
}

// stageRebuild builds spec into out as `ecsgen build` does, up to the plan: every file is
// given to the build (wb), nothing is published. The caller aborts wb.
func stageRebuild(t testing.TB, spec, out string, c *cache.Cache) (*build.Result, *write.Build) {
	t.Helper()
	wo, opts := write.Options{}, load.Options{}
	if c != nil {
		wo.Records, opts.Memo = c, c
	}
	var wb *write.Build
	res, err := build.Options{Load: opts, Begin: func(envs []string) (generators.Sink, error) {
		var err error
		wb, err = wo.Begin(out, envs)
		return wb, err
	}}.Files([]string{spec})
	if err != nil || res.Files == nil {
		if wb != nil {
			wb.Abort()
		}
		t.Fatalf("%v %v", err, res.Findings)
	}
	for _, p := range slices.Sorted(maps.Keys(res.Files)) {
		if err := wb.Add(p, res.Files[p]); err != nil {
			wb.Abort()
			t.Fatal(err)
		}
	}
	return res, wb
}

// planStaged is the plan `ecsgen build` works out through the staged build wb; with scanned,
// it is given what the build scanned of each template (Result.MayExport).
func planStaged(res *build.Result, wb *write.Build, out string, scanned bool) ([]*plan.Plan, error) {
	o := plan.Options{Unchanged: func(file string, _ []byte) bool { return wb.Same(file) }, PreviousOnly: true, Staged: wb, SkipUnreadable: true}
	if scanned {
		o.MayExport = res.MayExport
	}
	return o.Environments(out, res.Envs, res.Files)
}

// BenchmarkPlanOneServiceEdited is the plan of issue 14's rebuild with one service edited
// (its image tag), as `ecsgen build` works it out through the staged build and the build
// cache: with what the build scanned of each template ("scanned"), and reading every unchanged
// template again to scan it for exports ("read"), in the same run.
func BenchmarkPlanOneServiceEdited(b *testing.B) {
	for _, n := range []int{30, 1000} {
		if testing.Short() && n > 30 {
			continue
		}
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			out, spec := filepath.Join(dir, "out"), filepath.Join(dir, "spec.cue")
			c := cache.Open(filepath.Join(dir, "cache"))
			src := benchspec.Spec(n)
			tag := fmt.Sprintf("%s:1.%d.0", benchspec.Name(n/2), n/2%10)
			if !strings.Contains(src, tag) {
				b.Fatalf("the spec has no %s", tag)
			}
			os.WriteFile(spec, []byte(src), 0o644)
			for range 2 {
				_, wb := stageRebuild(b, spec, out, c)
				if _, err := wb.Commit(); err != nil {
					b.Fatal(err)
				}
				wb.Abort()
				backdate(b, out, time.Now().Add(-time.Hour))
			}
			os.WriteFile(spec, []byte(strings.Replace(src, tag, benchspec.Name(n/2)+":9.9.9", 1)), 0o644)
			res, wb := stageRebuild(b, spec, out, c)
			defer wb.Abort()
			for _, scanned := range []bool{true, false} {
				name := map[bool]string{true: "scanned", false: "read"}[scanned]
				b.Run(name, func(b *testing.B) {
					for b.Loop() {
						plans, err := planStaged(res, wb, out, scanned)
						if err != nil || len(plans[0].Stacks) != 1 {
							b.Fatalf("%v %+v", err, plans)
						}
					}
				})
			}
		})
	}
}
