package write

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
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
		if err != nil || got != c.want {
			t.Errorf("%s: holdsData = %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	if _, err := holdsData(filepath.Join(dir, "missing"), []byte("x")); !os.IsNotExist(err) {
		t.Errorf("a missing file: %v, want an error that says it does not exist", err)
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
