package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The CUE module that `ecsgen schema --cue-module` writes is the schema directory itself, byte
// for byte: schema/spec.cue stays the one source of #Spec, and every CUE file of the schema's
// module is published.
func TestCUEModuleIsTheSchemaDirectory(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	if code := run([]string{"schema", "--cue-module", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("ecsgen schema --cue-module: exit %d: %s", code, stderr.String())
	}
	// What the module holds in the repository: every file under schema/ that CUE reads as
	// part of the module (its .cue files and cue.mod/module.cue; Go files and the Go
	// packages below are not CUE).
	var want []string
	err := filepath.WalkDir("../../schema", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("../../schema", p)
		if d.IsDir() && rel != "." && rel != "cue.mod" {
			return fs.SkipDir // a subdirectory would be another package of the module
		}
		if !d.IsDir() && strings.HasSuffix(p, ".cue") {
			want = append(want, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return err
	})
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("ecsgen schema --cue-module wrote %v; the schema module in the repository has %v", got, want)
	}
	for _, rel := range want {
		a, _ := os.ReadFile(filepath.Join("../../schema", rel))
		b, _ := os.ReadFile(filepath.Join(dir, rel))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from schema/%s", rel, rel)
		}
	}
	if !strings.Contains(stdout.String(), `replaceWith: "`+filepath.ToSlash(dir)+`"`) {
		t.Errorf("the command does not say how to use the module:\n%s", stdout.String())
	}
	// The README shows the same two lines the command prints (for --cue-module ecsgen-schema).
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(stdout.String(), "\n") {
		if want, ok := strings.CutPrefix(line, "\t"); ok {
			want = strings.ReplaceAll(want, filepath.ToSlash(dir), "./ecsgen-schema")
			if !strings.Contains(string(readme), "\n"+want+"\n") {
				t.Errorf("the README does not show %s", want)
			}
		}
	}
}
