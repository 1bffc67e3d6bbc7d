package build_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
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

// stagedBuild builds specs into out the way `ecsgen build` does: the environments' directories
// locked before generation, each service's files staged as they are generated (through wrap,
// when set), the rest added, the plan worked out through the staged build, then the swap. On
// any error or finding the build is aborted.
func stagedBuild(t *testing.T, specs []string, out string, c *cache.Cache, wrap func(*write.Build) generators.Sink) (*build.Result, write.Stats, []*plan.Plan, error) {
	t.Helper()
	wo := write.Options{}
	opts := load.Options{}
	if c != nil {
		wo.Records, opts.Memo = c, c
	}
	var wb *write.Build
	res, err := build.Options{Load: opts, Begin: func(envs []string) (generators.Sink, error) {
		var err error
		if wb, err = wo.Begin(out, envs); err != nil || wrap == nil {
			return wb, err
		}
		return wrap(wb), nil
	}}.Files(specs)
	if wb != nil {
		defer wb.Abort()
	}
	if err != nil {
		return nil, write.Stats{}, nil, err
	}
	if res.Findings.HasErrors() {
		t.Fatalf("findings: %v", res.Findings)
	}
	if err := wb.AddAll(res.Files); err != nil {
		return nil, write.Stats{}, nil, err
	}
	same := func(file string, _ []byte) bool { return wb.Same(file) }
	plans, err := plan.Options{Unchanged: same, PreviousOnly: true, Staged: wb, MayExport: res.MayExport}.Environments(out, res.Envs, res.Files)
	if err != nil {
		return nil, write.Stats{}, nil, err
	}
	st, err := wb.Commit()
	return res, st, plans, err
}

// tree is every entry under dir: file contents (with "x" for an executable), "dir" for
// directories.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out[rel] = "dir"
			return nil
		}
		b, err := os.ReadFile(p)
		info, _ := d.Info()
		out[rel] = fmt.Sprintf("%v\n%s", info.Mode(), b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func treeDiff(a, b map[string]string) string {
	var d []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			d = append(d, "-"+k)
		} else if v != w {
			d = append(d, "~"+k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			d = append(d, "+"+k)
		}
	}
	slices.Sort(d)
	if len(d) > 8 {
		d = append(d[:8], fmt.Sprintf("… (%d in all)", len(d)))
	}
	return strings.Join(d, " ")
}

// writeSpec writes a benchmark spec of n services.
func writeSpec(t *testing.T, dir string, n int, edit func(string) string) string {
	t.Helper()
	src := benchspec.Spec(n)
	if edit != nil {
		src = edit(src)
	}
	p := filepath.Join(dir, fmt.Sprintf("spec-%d.cue", n))
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStagedOutputIsTheMapsOutput: the output of a build that stages each service's files as
// they are generated is, byte for byte and mode for mode (manifest included), the output of
// the files generated first and written with write.Dir: for every example, a benchmark spec,
// and (without -short) the 1000-service one; fresh, and rebuilt over the other's output.
func TestStagedOutputIsTheMapsOutput(t *testing.T) {
	specs, err := filepath.Glob("../../examples/*/spec.cue")
	if err != nil || len(specs) < 5 {
		t.Fatalf("examples: %v %v", specs, err)
	}
	dir := t.TempDir()
	specs = append(specs, writeSpec(t, dir, 40, nil))
	if !testing.Short() {
		specs = append(specs, writeSpec(t, dir, 1000, nil))
	}
	for _, spec := range specs {
		t.Run(filepath.Base(filepath.Dir(spec))+"/"+filepath.Base(spec), func(t *testing.T) {
			res, err := build.Files([]string{spec}, load.Options{})
			if err != nil || res.Files == nil {
				t.Fatalf("%v %v", err, res.Findings)
			}
			mapOut, stagedOut := filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "out")
			if _, err := write.Dir(mapOut, res.Files); err != nil {
				t.Fatal(err)
			}
			if _, _, _, err := stagedBuild(t, []string{spec}, stagedOut, nil, nil); err != nil {
				t.Fatal(err)
			}
			want := tree(t, mapOut)
			if got := tree(t, stagedOut); !reflect.DeepEqual(got, want) {
				t.Fatalf("the staged build's output differs: %s", treeDiff(want, got))
			}
			// Over an output of another build: the same again.
			other := writeSpec(t, t.TempDir(), 3, nil)
			for _, out := range []string{mapOut, stagedOut} {
				os.RemoveAll(out)
				if _, _, _, err := stagedBuild(t, []string{other}, out, nil, nil); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := write.Dir(mapOut, res.Files); err != nil {
				t.Fatal(err)
			}
			if _, _, _, err := stagedBuild(t, []string{spec}, stagedOut, nil, nil); err != nil {
				t.Fatal(err)
			}
			if got := tree(t, stagedOut); !reflect.DeepEqual(got, tree(t, mapOut)) {
				t.Fatalf("rebuilt over another output, the staged build's output differs: %s", treeDiff(tree(t, mapOut), got))
			}
		})
	}
}

// watchingSink checks, each time it is given a file, that the files it was given before are
// already in the staging directory beside out/perf, and out/perf is as it was.
type watchingSink struct {
	t      *testing.T
	wb     *write.Build
	out    string
	before map[string]string
	mu     sync.Mutex
	given  []string
	checks int
}

func (s *watchingSink) Add(p string, b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.given); n > 0 && n%25 == 0 {
		s.checks++
		stages, _ := filepath.Glob(filepath.Join(s.out, ".ecsgen-stage.perf.*"))
		if len(stages) != 1 {
			s.t.Errorf("after %d files given: staging directories %v", n, stages)
		} else {
			for _, g := range s.given {
				if _, err := os.Stat(filepath.Join(stages[0], strings.TrimPrefix(g, "perf/"))); err != nil {
					s.t.Errorf("after %d files given, %s is not staged yet: %v", n, g, err)
					break
				}
			}
		}
		if now := tree(s.t, filepath.Join(s.out, "perf")); !reflect.DeepEqual(now, s.before) {
			s.t.Errorf("out/perf changed before the swap: %s", treeDiff(s.before, now))
		}
	}
	s.given = append(s.given, p)
	return s.wb.Add(p, b)
}

// TestServicesStagedAsGenerated: each service's file is in the staging directory as soon as
// generation gives it (no file waits in memory for the end of generation), while the
// environment's directory stays as it was until the swap.
func TestServicesStagedAsGenerated(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	first := writeSpec(t, dir, 3, nil)
	if _, _, _, err := stagedBuild(t, []string{first}, out, nil, nil); err != nil {
		t.Fatal(err)
	}
	sink := &watchingSink{t: t, out: out, before: tree(t, filepath.Join(out, "perf"))}
	spec := writeSpec(t, dir, 40, nil)
	_, st, _, err := stagedBuild(t, []string{spec}, out, nil, func(wb *write.Build) generators.Sink { sink.wb = wb; return sink })
	if err != nil {
		t.Fatal(err)
	}
	if sink.checks < 5 || len(st.Written) < 200 {
		t.Fatalf("%d checks, %d files written", sink.checks, len(st.Written))
	}
	if stages, _ := filepath.Glob(filepath.Join(out, ".ecsgen-*")); len(stages) > 0 {
		t.Errorf("left beside the output: %v", stages)
	}
}

// failingSink gives files to the build and fails the failAt-th time, as a full disk would,
// noting how many files were in the staging directory then.
type failingSink struct {
	wb     *write.Build
	out    string
	mu     sync.Mutex
	n      int
	failAt int
	staged int
}

var errDiskFull = errors.New("no space left on device (injected)")

func (s *failingSink) Add(p string, b []byte) error {
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	if n == s.failAt {
		stages, _ := filepath.Glob(filepath.Join(s.out, ".ecsgen-stage.perf.*"))
		for _, st := range stages {
			filepath.WalkDir(st, func(_ string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					s.staged++
				}
				return nil
			})
		}
		return errDiskFull
	}
	return s.wb.Add(p, b)
}

// TestErrorInGenerationLeavesOutput: an error half-way through generation, when many files are
// staged already, ends the build with that error; the output is as it was, file for file and
// inode for inode, and no staging directory is left. The next build, with the same build
// cache, publishes exactly the new output.
func TestErrorInGenerationLeavesOutput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	c := cache.Open(filepath.Join(dir, "cache"))
	spec := writeSpec(t, dir, 30, nil)
	if _, _, _, err := stagedBuild(t, []string{spec}, out, c, nil); err != nil {
		t.Fatal(err)
	}
	before := tree(t, filepath.Join(out, "perf"))
	envBefore, _ := os.Stat(filepath.Join(out, "perf"))
	edited := writeSpec(t, dir, 30, func(s string) string { return strings.ReplaceAll(s, "desiredCount: 2\n", "desiredCount: 3\n") })
	sink := &failingSink{out: out, failAt: 90}
	_, _, _, err := stagedBuild(t, []string{edited}, out, c, func(wb *write.Build) generators.Sink { sink.wb = wb; return sink })
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("want the sink's error, got %v", err)
	}
	if sink.staged < 50 {
		t.Fatalf("only %d files were staged when generation failed", sink.staged)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if e.Name() != "perf" {
			t.Errorf("left beside the output: %s", e.Name())
		}
	}
	if now := tree(t, filepath.Join(out, "perf")); !reflect.DeepEqual(now, before) {
		t.Errorf("the output changed: %s", treeDiff(before, now))
	}
	if envAfter, _ := os.Stat(filepath.Join(out, "perf")); !os.SameFile(envBefore, envAfter) {
		t.Error("the environment's directory was replaced")
	}
	if _, _, _, err := stagedBuild(t, []string{edited}, out, c, nil); err != nil {
		t.Fatal(err)
	}
	full, err := build.Files([]string{edited}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mapOut := filepath.Join(dir, "map")
	if _, err := write.Dir(mapOut, full.Files); err != nil {
		t.Fatal(err)
	}
	if got, want := tree(t, filepath.Join(out, "perf")), tree(t, filepath.Join(mapOut, "perf")); !reflect.DeepEqual(got, want) {
		t.Errorf("after the failure, the next build: %s", treeDiff(want, got))
	}
}

// TestStagedNoOpWritesNothing: a rebuild that changes nothing stages nothing and swaps
// nothing: the directory and every file are the same inodes with the same times, no staging
// directory appears, and the build reports every file unchanged.
func TestStagedNoOpWritesNothing(t *testing.T) {
	for _, withCache := range []bool{false, true} {
		t.Run(fmt.Sprintf("cache=%v", withCache), func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			var c *cache.Cache
			if withCache {
				c = cache.Open(filepath.Join(dir, "cache"))
			}
			spec := writeSpec(t, dir, 20, nil)
			if _, _, _, err := stagedBuild(t, []string{spec}, out, c, nil); err != nil {
				t.Fatal(err)
			}
			backdate(t, out, time.Now().Add(-time.Hour))
			if _, _, _, err := stagedBuild(t, []string{spec}, out, c, nil); err != nil { // the record vouches from now on
				t.Fatal(err)
			}
			env := filepath.Join(out, "perf")
			inodes := map[string]os.FileInfo{}
			filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
				if err == nil {
					inodes[p], _ = d.Info()
				}
				return err
			})
			var stages []string
			_, st, plans, err := stagedBuild(t, []string{spec}, out, c, func(wb *write.Build) generators.Sink {
				return sinkFunc(func(p string, b []byte) error {
					if m, _ := filepath.Glob(filepath.Join(out, ".ecsgen-*")); len(m) > 0 && len(stages) == 0 {
						stages = append(stages, p+": "+strings.Join(m, " "))
					}
					return wb.Add(p, b)
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			generated := 0
			filepath.WalkDir(env, func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() && d.Name() != write.ManifestName {
					generated++
				}
				return err
			})
			if len(st.Written) != 0 || len(st.Removed) != 0 || st.Unchanged != generated || st.UnchangedIn["perf"] != generated || generated < 100 {
				t.Errorf("a rebuild with nothing changed: %+v", st)
			}
			if len(stages) > 0 {
				t.Errorf("staging directories made: %v", stages)
			}
			if plans[0] == nil || len(plans[0].Stacks) != 0 {
				t.Errorf("plan of nothing changed: %+v", plans[0])
			}
			filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				info, _ := d.Info()
				if was := inodes[p]; was == nil || !os.SameFile(was, info) || !was.ModTime().Equal(info.ModTime()) {
					t.Errorf("%s is not the file it was", p)
				}
				return nil
			})
			if _, err := os.Stat(env); err != nil {
				t.Fatal(err)
			}
		})
	}
}

type sinkFunc func(p string, b []byte) error

func (f sinkFunc) Add(p string, b []byte) error { return f(p, b) }

// TestPlanThroughStagedBuild: the plan `ecsgen build` works out through the staged build (the
// stacks the build found unchanged read from the previous output only when the plan needs
// them, the others from the staging directory) is the plan that reads and parses every file,
// for edits of one service and of what every stack shares, with and without a build cache.
func TestPlanThroughStagedBuild(t *testing.T) {
	src := benchspec.Spec(30)
	for _, c := range []struct{ name, old, new string }{
		{"an environment variable of one service", `FEATURE_0015: "on"`, `FEATURE_0015: "v2"`},
		{"the desired count of one service", "desiredCount: 2\n", "desiredCount: 5\n"},
		{"the instance type of a capacity", `instanceType: "m7i.xlarge"`, `instanceType: "m7i.2xlarge"`},
	} {
		for _, withCache := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/cache=%v", c.name, withCache), func(t *testing.T) {
				if !strings.Contains(src, c.old) {
					t.Fatalf("the spec has no %s", c.old)
				}
				dir := t.TempDir()
				out := filepath.Join(dir, "out")
				var ch *cache.Cache
				if withCache {
					ch = cache.Open(filepath.Join(dir, "cache"))
				}
				spec := filepath.Join(dir, "spec.cue")
				os.WriteFile(spec, []byte(src), 0o644)
				if _, _, _, err := stagedBuild(t, []string{spec}, out, ch, nil); err != nil {
					t.Fatal(err)
				}
				backdate(t, out, time.Now().Add(-time.Hour))
				if _, _, _, err := stagedBuild(t, []string{spec}, out, ch, nil); err != nil {
					t.Fatal(err)
				}
				os.WriteFile(spec, []byte(strings.Replace(src, c.old, c.new, 1)), 0o644)
				full, err := build.Files([]string{spec}, load.Options{})
				if err != nil {
					t.Fatal(err)
				}
				want, err := plan.Environments(out, full.Envs, full.Files)
				if err != nil {
					t.Fatal(err)
				}
				_, _, got, err := stagedBuild(t, []string{spec}, out, ch, nil)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("the plan through the staged build differs:\n%+v\n---\n%+v", got[0].Stacks, want[0].Stacks)
				}
				if len(want[0].Stacks) == 0 {
					t.Errorf("the edit changes no stack")
				}
				if got := tree(t, filepath.Join(out, "perf")); !bytes.Contains([]byte(got["deploy-plan.json"]), []byte("stacks/")) {
					t.Error("no deploy-plan.json in the output")
				}
			})
		}
	}
}
