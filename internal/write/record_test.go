package write

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// memRecords is an in-memory Records.
type memRecords struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (r *memRecords) Get(kind string, key []byte) ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.m[kind+"\x00"+string(key)]
	return b, ok
}

func (r *memRecords) Put(kind string, key, value []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string][]byte{}
	}
	r.m[kind+"\x00"+string(key)] = slices.Clone(value)
}

func (r *memRecords) set(f func(v []byte) []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, v := range r.m {
		if v = f(v); v == nil {
			delete(r.m, k)
		} else {
			r.m[k] = v
		}
	}
}

// countReads counts the files of the current generation a build reads to compare.
func countReads(t *testing.T) *[]string {
	var mu sync.Mutex
	var read []string
	holds = func(name string, data []byte) (holding, error) {
		h, err := holdsData(name, data)
		if h.read {
			mu.Lock()
			read = append(read, filepath.Base(name))
			mu.Unlock()
		}
		return h, err
	}
	t.Cleanup(func() { holds = holdsData })
	return &read
}

func backdate(t testing.TB, dir string, when time.Time) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			err = os.Chtimes(p, when, when)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// With a record, a rebuild reads no file the record vouches for, and every file changed by
// hand — in place, in place with its modification time put back, replaced by another file —
// is read, found different and written again; without the record (deleted or damaged) every
// file is read.
func TestRecordVouchesAndEditsAreSeen(t *testing.T) {
	out := t.TempDir()
	recs := &memRecords{}
	o := Options{Records: recs}
	files := map[string][]byte{"dev/a.json": []byte(`{"v":1}` + "\n"), "dev/b.json": []byte("b\n"), "dev/sub/c.sh": []byte("#!/bin/sh\n")}
	reads := countReads(t)
	build := func(wantRead []string, wantWritten ...string) {
		t.Helper()
		*reads = nil
		st, err := o.Dir(out, files)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(*reads)
		slices.Sort(st.Written)
		if !slices.Equal(*reads, wantRead) || !slices.Equal(st.Written, wantWritten) {
			t.Fatalf("read %v, wrote %v; want read %v, wrote %v", *reads, st.Written, wantRead, wantWritten)
		}
		for rel, data := range files {
			if b, err := os.ReadFile(filepath.Join(out, rel)); err != nil || string(b) != string(data) {
				t.Fatalf("%s = %q, %v; want %q", rel, b, err, data)
			}
		}
	}
	all := []string{ManifestName, "a.json", "b.json", "c.sh"}
	slices.Sort(all)

	build(nil, "dev/a.json", "dev/b.json", "dev/sub/c.sh")
	// Files written just now are not vouched for (an edit in the same clock tick would keep
	// every field): the next build reads them.
	build(all)
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	backdate(t, filepath.Join(out, "dev"), old) // changes every file's change time: read again
	build(all)
	build(nil) // now the record vouches for every file
	build(nil)

	a := filepath.Join(out, "dev/a.json")
	if err := os.WriteFile(a, []byte(`{"v":2}`+"\n"), 0o644); err != nil { // in place, same size
		t.Fatal(err)
	}
	build([]string{"a.json"}, "dev/a.json")
	backdate(t, filepath.Join(out, "dev"), old)
	build(all)
	build(nil)

	// In place, same size, its modification time put back: the change time tells.
	os.WriteFile(a, []byte(`{"v":3}`+"\n"), 0o644)
	os.Chtimes(a, old, old)
	build([]string{"a.json"}, "dev/a.json")
	backdate(t, filepath.Join(out, "dev"), old)
	build(all)

	// Replaced by another file of the same size and time (another inode, or the same number
	// reused with another change time), as cp -p, tar or rsync -t do.
	tmp := filepath.Join(out, "dev", "b.tmp")
	os.WriteFile(tmp, []byte("x\n"), 0o644)
	os.Chtimes(tmp, old, old)
	if err := os.Rename(tmp, filepath.Join(out, "dev/b.json")); err != nil {
		t.Fatal(err)
	}
	build([]string{"b.json"}, "dev/b.json")
	backdate(t, filepath.Join(out, "dev"), old)
	build(all)
	build(nil)

	recs.set(func([]byte) []byte { return nil }) // the cache deleted
	build(all)
	build(nil)
	recs.set(func(v []byte) []byte { return v[:len(v)-3] }) // damaged: not decodable
	build(all)
	build(nil)

	// A new content of a file the record knows is written without reading the file: the record
	// says what the file holds, and it is not the new bytes.
	files["dev/b.json"] = []byte("B\n")
	build(nil, "dev/b.json")
}

// A record that says a file holds other bytes than it does never makes a build skip it: the
// sum is compared, not only the file's lstat.
func TestRecordWithWrongSumIsNotTrusted(t *testing.T) {
	out := t.TempDir()
	recs := &memRecords{}
	o := Options{Records: recs}
	files := map[string][]byte{"dev/a.json": []byte("aaaa\n")}
	if _, err := o.Dir(out, files); err != nil {
		t.Fatal(err)
	}
	backdate(t, filepath.Join(out, "dev"), time.Now().Add(-time.Hour))
	if _, err := o.Dir(out, files); err != nil { // records the backdated lstat
		t.Fatal(err)
	}
	target := filepath.Join(out, "dev")
	r := loadRecord(recs, target)
	e, ok := r["a.json"]
	if !ok || e.stat == (fileStat{}) {
		t.Fatalf("no vouching entry for a.json: %+v", r)
	}
	if !o.Unchanged(out)("dev/a.json", files["dev/a.json"]) {
		t.Error("Unchanged: the record vouches for a.json")
	}
	if o.Unchanged(out)("dev/a.json", []byte("bbbb\n")) {
		t.Error("Unchanged: other bytes of the same size said unchanged")
	}
	e.sum[0] ^= 1
	r["a.json"] = e
	recs.Put(recordKind, recordKey(target), r.encode())
	if o.Unchanged(out)("dev/a.json", files["dev/a.json"]) {
		t.Error("Unchanged: a wrong sum vouched for")
	}
	// The file changed on disk behind a record that would vouch for the new bytes: still read.
	os.WriteFile(filepath.Join(target, "a.json"), []byte("cccc\n"), 0o644)
	reads := countReads(t)
	st, err := o.Dir(out, files)
	if err != nil || len(st.Written) != 1 || !slices.Contains(*reads, "a.json") {
		t.Fatalf("%+v %v, read %v", st, err, *reads)
	}
	if got := slices.Collect(maps.Keys(loadRecord(recs, target))); len(got) != 2 {
		t.Errorf("record entries %v, want a.json and the manifest", got)
	}
}
