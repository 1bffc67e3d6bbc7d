//go:build unix

package write

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Generated files get their modes whatever the umask: a script is executable, the rest
// readable by everyone, as in the repository the output is committed to.
func TestModesWhateverTheUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	files := map[string][]byte{"dev/deploy.sh": []byte("#!/bin/bash\n"), "dev/stacks/a.json": []byte("{}\n")}
	if _, err := Dir(dir, files); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]fs.FileMode{"dev/deploy.sh": 0o755, "dev/stacks/a.json": 0o644} {
		info, err := os.Stat(filepath.Join(dir, rel))
		if err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want %v", rel, info.Mode(), err, want)
		}
	}
}

// A file that cannot be created names itself and the cause, as os's errors do.
func TestWriteFileError(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "a.json")
	if err := writeFile(name, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := writeFile(name, []byte("y"), 0o644)
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Path != name || !errors.Is(err, fs.ErrExist) {
		t.Errorf("writing over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(name); string(b) != "x" {
		t.Errorf("the existing file was changed: %q", b)
	}
}
