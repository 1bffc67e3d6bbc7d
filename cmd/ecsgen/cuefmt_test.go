package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Every CUE file of the repository, and every one ecsgen writes (the starters of init), is
// formatted as cue fmt formats it: what users copy from us is what their editor keeps.
// formatCUE is cmd/cue's own formatting (same library, same steps); run `ecsgen fmt` on a file
// this test names.
func TestCUEFilesAreFormatted(t *testing.T) {
	out, err := exec.Command("git", "-C", "../..", "ls-files", "*.cue").Output()
	if err != nil {
		t.Skipf("git ls-files: %v (not a git checkout)", err)
	}
	files := strings.Fields(string(out))
	if len(files) == 0 {
		t.Fatal("no CUE file found")
	}
	for _, f := range files {
		if strings.HasPrefix(f, "testdata/fuzz-seeds/") {
			continue // fuzzing inputs, some deliberately not CUE at all
		}
		src, err := os.ReadFile(filepath.Join("../..", f))
		if err != nil {
			t.Fatal(err)
		}
		want, err := formatCUE(f, src)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if !bytes.Equal(src, want) {
			t.Errorf("%s is not formatted: run ecsgen fmt %s", f, f)
		}
	}
}
