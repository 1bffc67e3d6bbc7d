package write

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/ecsgen/ecsgen/internal/golden" // defines -update for this package
)

func TestWriteOnlyWhatChanged(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{"dev/a.json": []byte("a\n"), "dev/b.sh": []byte("#!/bin/bash\n")}
	st, err := Dir(dir, files)
	if err != nil || len(st.Written) != 2 || st.Unchanged != 0 {
		t.Fatalf("%+v %v", st, err)
	}
	if info, _ := os.Stat(filepath.Join(dir, "dev/b.sh")); info.Mode().Perm() != 0o755 {
		t.Errorf("script mode %v", info.Mode())
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	for p := range files {
		os.Chtimes(filepath.Join(dir, p), old, old)
	}
	files["dev/a.json"] = []byte("changed\n")
	st, err = Dir(dir, files)
	if err != nil || len(st.Written) != 1 || st.Written[0] != "dev/a.json" || st.Unchanged != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	if info, _ := os.Stat(filepath.Join(dir, "dev/b.sh")); !info.ModTime().Equal(old) {
		t.Error("an unchanged file was rewritten")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "dev/a.json")); string(b) != "changed\n" {
		t.Errorf("a.json = %q", b)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "dev", ".ecsgen-tmp-*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// A failure part-way leaves the existing files as they were and no temporary file behind.
func TestFailureLeavesDirectoryAsItWas(t *testing.T) {
	dir := t.TempDir()
	if _, err := Dir(dir, map[string][]byte{"dev/a.json": []byte("old\n")}); err != nil {
		t.Fatal(err)
	}
	// "dev/a.json/x" cannot be created: a.json is a file. It sorts after dev/a.json.
	_, err := Dir(dir, map[string][]byte{"dev/a.json": []byte("new\n"), "dev/a.json/x": []byte("x")})
	if err == nil {
		t.Fatal("want an error")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "dev/a.json")); string(b) != "old\n" {
		t.Errorf("a.json = %q, want it untouched", b)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "dev", ".ecsgen-tmp-*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

func TestRefusesPathsOutside(t *testing.T) {
	if _, err := Dir(t.TempDir(), map[string][]byte{"../evil": nil}); err == nil {
		t.Fatal("wrote outside the directory")
	}
}

// Files ecsgen no longer generates are removed only when its manifest says it wrote them.
func TestManifestRemovesOnlyWhatEcsgenWrote(t *testing.T) {
	dir := t.TempDir()
	if _, err := Dir(dir, map[string][]byte{"dev/a.json": []byte("a"), "dev/old/b.json": []byte("b")}); err != nil {
		t.Fatal(err)
	}
	// The user's own file beside the generated ones.
	if err := os.WriteFile(filepath.Join(dir, "dev", "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := Dir(dir, map[string][]byte{"dev/a.json": []byte("a")})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Removed) != 1 || st.Removed[0] != "dev/old/b.json" {
		t.Fatalf("removed %v", st.Removed)
	}
	if _, err := os.Stat(filepath.Join(dir, "dev", "old")); !os.IsNotExist(err) {
		t.Error("the emptied directory was left behind")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "dev", "notes.txt")); string(b) != "mine" {
		t.Error("the user's file was touched")
	}
	m, _ := os.ReadFile(filepath.Join(dir, "dev", ManifestName))
	if !strings.HasSuffix(string(m), "\na.json\n") {
		t.Errorf("manifest = %q", m)
	}
	// Another environment's files are not this build's to remove.
	if _, err := Dir(dir, map[string][]byte{"prd/x.json": []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "dev", "a.json")); err != nil {
		t.Error("building one environment removed another's files")
	}
}
