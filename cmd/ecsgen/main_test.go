package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/load"

	_ "github.com/ecsgen/ecsgen/internal/golden" // defines -update for this package
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"ecsgen": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts pins the CLI's behaviour and messages: testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			// The bundled example, so scripts can build it without copying it into each txtar.
			spec, err := os.ReadFile("../../examples/cluster-autoscaling/spec.cue")
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(env.WorkDir, "example.cue"), spec, 0o644)
		},
	})
}

// TestRebuildKeepsFiles: a second build of the same spec rewrites nothing, so every mtime stays.
func TestRebuildKeepsFiles(t *testing.T) {
	out := t.TempDir()
	spec := "../../examples/cluster-autoscaling/spec.cue"
	if code := run([]string{"build", "-o", out, spec}, io.Discard, os.Stderr); code != 0 {
		t.Fatalf("first build: exit %d", code)
	}
	old := time.Now().Add(-time.Hour)
	before := map[string]time.Time{}
	err := filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		if err := os.Chtimes(p, old, old); err != nil {
			return err
		}
		before[p] = old
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"build", "-o", out, spec}, io.Discard, os.Stderr); code != 0 {
		t.Fatalf("second build: exit %d", code)
	}
	for p, mt := range before {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !info.ModTime().Equal(mt) {
			t.Errorf("%s was rewritten", p)
		}
	}
	if len(before) < 10 {
		t.Fatalf("only %d files written", len(before))
	}
}

// TestStartersBuild: every starter of `ecsgen init` builds as it is, without a finding.
func TestStartersBuild(t *testing.T) {
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			res, err := build.Files([]string{"starters/" + s.name + ".cue"}, load.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Files == nil || len(res.Findings) > 0 {
				t.Fatalf("the starter does not build cleanly:\n%s", res.Findings)
			}
		})
	}
}
