package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/cache"
)

// The build cache's directory: --cache-dir, else $ECSGEN_CACHE_DIR; "off" turns it off. A
// build with it writes what a build without it writes.
func TestCacheDir(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.cue")
	if err := os.WriteFile(spec, []byte(benchspec.Spec(25)), 0o644); err != nil {
		t.Fatal(err)
	}
	build := func(out string, args ...string) {
		t.Helper()
		var stderr bytes.Buffer
		if code := run(append([]string{"build", "-o", out, spec}, args...), io.Discard, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	}
	entries := func(d string) int {
		m, _ := filepath.Glob(filepath.Join(d, "v1", "??", "*"))
		return len(m)
	}

	build(filepath.Join(dir, "plain")) // ECSGEN_CACHE_DIR=off (TestMain)
	flagDir := filepath.Join(dir, "by-flag")
	build(filepath.Join(dir, "cold"), "--cache-dir", flagDir)
	if n := entries(flagDir); n < 50 {
		t.Fatalf("--cache-dir: %d entries, want one model and one stack per service", n)
	}
	build(filepath.Join(dir, "warm"), "--cache-dir", flagDir)
	// The warm build packed the entries it used, one pack per kind, and the next build reads
	// them from the packs alone.
	if packs, _ := filepath.Glob(filepath.Join(flagDir, "v1", "pack", "*.base")); len(packs) != 2 {
		t.Errorf("packs after a warm build: %v, want one per kind of entry", packs)
	}
	subs, _ := filepath.Glob(filepath.Join(flagDir, "v1", "??"))
	for _, s := range subs {
		os.RemoveAll(s)
	}
	build(filepath.Join(dir, "packed"), "--cache-dir", flagDir)
	if n := entries(flagDir); n != 1 { // the record of the new output directory's generation
		t.Errorf("a build from the packs stored %d entries, want the write record only", n)
	}

	envDir := filepath.Join(dir, "by-env")
	t.Setenv(cache.EnvVar, envDir)
	build(filepath.Join(dir, "env"))
	if entries(envDir) == 0 {
		t.Errorf("$%s: nothing stored", cache.EnvVar)
	}
	offDir := filepath.Join(dir, "off")
	t.Setenv(cache.EnvVar, offDir)
	build(filepath.Join(dir, "flag-off"), "--cache-dir", "off")
	if _, err := os.Stat(offDir); err == nil {
		t.Error("--cache-dir off still wrote the cache")
	}
	for _, out := range []string{"cold", "warm", "packed", "env", "flag-off"} {
		sameTree(t, filepath.Join(dir, "plain"), filepath.Join(dir, out))
	}
}

// sameTree fails when two output directories differ in any file.
func sameTree(t *testing.T, a, b string) {
	t.Helper()
	n := 0
	filepath.Walk(a, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(x, y) {
			t.Errorf("%s differs in %s", rel, b)
		}
		n++
		return nil
	})
	if n == 0 {
		t.Errorf("%s is empty", a)
	}
}
