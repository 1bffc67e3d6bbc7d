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
	for _, out := range []string{"cold", "warm", "env", "flag-off"} {
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
