package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/internal/plan"
	"github.com/ecsgen/ecsgen/internal/write"
)

// plan compares each service's stack with the previous output as the build generates it
// (previousStacks is the build's sink) and keeps only the stacks that changed; its plan is
// the plan of the whole output built in memory.
func TestPlanKeepsOnlyChangedStacks(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "cache") // the record of the build vouches for unchanged stacks
	spec, out := builtBenchSpec(t, cache)
	var stdout, stderr bytes.Buffer
	src := benchspec.Spec(8)
	edited := strings.Replace(src, "bench/svc-0002:1.2.0", "bench/svc-0002:9.9.9", 1)
	if edited == src {
		t.Fatal("the spec was not edited")
	}
	os.WriteFile(spec, []byte(edited), 0o644)

	text := func(plans []*plan.Plan) string {
		var b strings.Builder
		for _, p := range plans {
			p.Text(&b, filepath.Join(out, p.Env))
		}
		return b.String()
	}
	whole, err := build.Options{Load: load.Options{}}.Files([]string{spec})
	if err != nil || len(whole.Findings) > 0 {
		t.Fatal(err, whole.Findings)
	}
	wholePlans, err := plan.Environments(out, whole.Envs, whole.Files)
	if err != nil {
		t.Fatal(err)
	}
	want := text(wholePlans)
	if !strings.Contains(want, "svc-0002") {
		t.Fatalf("the plan of the whole output does not show the edited service:\n%s", want)
	}

	var ps *previousStacks
	res, err := build.Options{Load: load.Options{}, Begin: func([]string) (generators.Sink, error) {
		ps = newPreviousStacks(out, write.Options{}.Unchanged(out))
		return ps, nil
	}}.Files([]string{spec})
	if err != nil {
		t.Fatal(err)
	}
	for rel := range res.Files {
		if plan.IsTemplate(rel) && strings.Contains(rel, "-svc-") {
			t.Errorf("%s was held with the build's files, not compared as it was generated", rel)
		}
	}
	if len(ps.held) != 1 {
		t.Errorf("stacks kept: %d, want the edited service's only", len(ps.held))
	}
	for file := range ps.held {
		if !strings.Contains(file, "svc-0002") {
			t.Errorf("kept %s, which did not change", file)
		}
	}
	plans, err := plan.Options{Unchanged: ps.unchanged, Staged: ps, MayExport: res.MayExport}.Environments(out, res.Envs, res.Files)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(plans); got != want {
		t.Errorf("plan:\n%s\nthe plan of the whole output:\n%s", got, want)
	}

	// The command, from several goroutines, with the record of the build.
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"plan", "--cache-dir", cache, "-o", out, spec}, &stdout, &stderr); code != 1 || !strings.Contains(stdout.String(), want) { // 1: a replacement
		t.Errorf("ecsgen plan: exit %d:\n%s%s\nwant the plan of the whole output:\n%s", code, stdout.String(), stderr.String(), want)
	}
}
