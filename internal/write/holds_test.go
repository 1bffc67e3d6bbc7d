package write

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// holdsData says whether a file holds exactly the bytes given, whatever the buffer the call
// before left behind: equal, one byte shorter or longer, empty, and larger than one read.
func TestHoldsData(t *testing.T) {
	dir := t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB: several reads
	for _, c := range []struct {
		name       string
		file, data []byte
		want       bool
	}{
		{"equal", []byte("abc\n"), []byte("abc\n"), true},
		{"other byte", []byte("abd\n"), []byte("abc\n"), false},
		{"file longer", []byte("abc\nd"), []byte("abc\n"), false},
		{"file shorter", []byte("abc"), []byte("abc\n"), false},
		{"both empty", nil, nil, true},
		{"file empty", nil, []byte("x"), false},
		{"data empty", []byte("x"), nil, false},
		{"large equal", big, big, true},
		{"large, last byte", big, append(slices.Clone(big[:len(big)-1]), 'X'), false},
		{"large file, prefix given", big, big[:len(big)/2], false},
		{"small after large", []byte("abc\n"), []byte("abc\n"), true},
	} {
		name := filepath.Join(dir, "f")
		if err := os.WriteFile(name, c.file, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := holdsData(name, c.data)
		if err != nil || got.same != c.want {
			t.Errorf("%s: holdsData = %v, %v; want %v", c.name, got.same, err, c.want)
		}
		if wantRead := len(c.file) == len(c.data); got.read != wantRead {
			t.Errorf("%s: read %v, want %v (only a file of the same size is read)", c.name, got.read, wantRead)
		}
	}
	if _, err := holdsData(filepath.Join(dir, "missing"), []byte("x")); !os.IsNotExist(err) {
		t.Errorf("a missing file: %v, want an error that says it does not exist", err)
	}
}

// The stat holdsData takes from the open file is what os.Lstat says of the path: the build
// keeps it in its record, which the next build compares with an lstat.
func TestHoldsDataStatIsLstat(t *testing.T) {
	dir := t.TempDir()
	for i, mode := range []os.FileMode{0o644, 0o600, 0o755, 0o400, 0o4755 | os.ModeSetuid, 0o2755 | os.ModeSetgid, 0o1644 | os.ModeSticky} {
		name := filepath.Join(dir, fmt.Sprintf("f%d", i))
		if err := os.WriteFile(name, []byte("abc\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(name, mode); err != nil {
			t.Fatal(err)
		}
		past := time.Date(2024, 2, 29, 12, 30, 45, 123456789, time.UTC)
		if err := os.Chtimes(name, past, past); err != nil {
			t.Fatal(err)
		}
		want, err := os.Lstat(name)
		if err != nil {
			t.Fatal(err)
		}
		h, err := holdsData(name, []byte("abc\n"))
		if err != nil || !h.same || h.info == nil {
			t.Fatalf("%v: holdsData = %+v, %v", mode, h, err)
		}
		got := h.info
		if got.Name() != want.Name() || got.Size() != want.Size() || got.Mode() != want.Mode() || !got.ModTime().Equal(want.ModTime()) || got.IsDir() != want.IsDir() {
			t.Errorf("%v: holdsData's stat %s %d %v %v, os.Lstat's %s %d %v %v", mode, got.Name(), got.Size(), got.Mode(), got.ModTime(), want.Name(), want.Size(), want.Mode(), want.ModTime())
		}
		gs, gok := statOf(got)
		ws, wok := statOf(want)
		if gs != ws || gok != wok {
			t.Errorf("%v: the record's stat %+v %v, from os.Lstat %+v %v", mode, gs, gok, ws, wok)
		}
	}
}

// Without a record, a file of the current generation whose size differs from the generated
// bytes is known to differ without being read; one of the same size is read.
func TestCompareBySizeFirst(t *testing.T) {
	out := t.TempDir()
	files := map[string][]byte{"dev/a.json": []byte("{\"v\": 1}\n"), "dev/b.json": []byte("b\n")}
	if _, err := Dir(out, files); err != nil {
		t.Fatal(err)
	}
	reads := countReads(t)
	files["dev/a.json"] = []byte("{\"v\": 10}\n") // another size
	files["dev/b.json"] = []byte("c\n")           // the same size
	st, err := Dir(out, files)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(*reads)
	if want := []string{ManifestName, "b.json"}; !slices.Equal(*reads, want) {
		t.Errorf("read %v, want %v (a.json's size tells)", *reads, want)
	}
	if want := []string{"dev/a.json", "dev/b.json"}; !slices.Equal(st.Written, want) {
		t.Errorf("written %v, want %v", st.Written, want)
	}
	assertOutput(t, out, files)
}
