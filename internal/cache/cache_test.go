package cache

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestGetPut(t *testing.T) {
	dir := t.TempDir()
	c := OpenAs(dir, []byte("one"))
	if _, ok := c.Get("k", []byte("a")); ok {
		t.Fatal("an empty cache hit")
	}
	c.Put("k", []byte("a"), []byte("value of a"))
	c.Put("k", []byte("b"), []byte{})
	if v, ok := c.Get("k", []byte("a")); !ok || string(v) != "value of a" {
		t.Fatalf("got %q %v", v, ok)
	}
	if v, ok := c.Get("k", []byte("b")); !ok || len(v) != 0 {
		t.Fatalf("the empty value: %q %v", v, ok)
	}
	if _, ok := c.Get("other kind", []byte("a")); ok {
		t.Error("another kind hit")
	}
	if _, ok := OpenAs(dir, []byte("two")).Get("k", []byte("a")); ok {
		t.Error("another version hit")
	}
	var off *Cache
	off.Put("k", []byte("a"), []byte("x"))
	if _, ok := off.Get("k", []byte("a")); ok {
		t.Error("the cache that is off hit")
	}
	off.Trim()
}

// Damaged entries are misses, never errors, and the next Put repairs them.
func TestDamagedEntriesMiss(t *testing.T) {
	dir := t.TempDir()
	c := OpenAs(dir, []byte("one"))
	c.Put("k", []byte("a"), []byte("value of a"))
	c.Put("k", []byte("b"), []byte("value of b"))
	full, _ := c.fullKey("k", []byte("a"))
	pa := c.path(full)
	fullB, _ := c.fullKey("k", []byte("b"))
	good, _ := os.ReadFile(pa)
	entryB, _ := os.ReadFile(c.path(fullB))
	flipped := bytes.Clone(good)
	flipped[len(magic)+40] ^= 1
	for name, b := range map[string][]byte{
		"empty": nil, "truncated": good[:len(good)-1], "one byte": good[:1], "flipped": flipped,
		"another key's entry": entryB, "longer": append(bytes.Clone(good), 'x'),
	} {
		os.WriteFile(pa, b, 0o644)
		if v, ok := c.Get("k", []byte("a")); ok {
			t.Errorf("%s: hit %q", name, v)
		}
	}
	os.Remove(pa)
	os.MkdirAll(pa, 0o755) // a directory where the entry goes: a miss, and Put fails quietly
	if _, ok := c.Get("k", []byte("a")); ok {
		t.Error("a directory hit")
	}
	c.Put("k", []byte("a"), []byte("value of a"))
	os.Remove(pa)
	c.Put("k", []byte("a"), []byte("value of a"))
	if v, ok := c.Get("k", []byte("a")); !ok || string(v) != "value of a" {
		t.Errorf("after a new Put: %q %v", v, ok)
	}
}

func TestTrim(t *testing.T) {
	dir := t.TempDir()
	c := OpenAs(dir, []byte("one"))
	c.Put("k", []byte("old"), []byte("x"))
	c.Put("k", []byte("new"), []byte("y"))
	full, _ := c.fullKey("k", []byte("old"))
	long := time.Now().Add(-6 * 24 * time.Hour)
	os.Chtimes(c.path(full), long, long)
	c.Trim()
	if _, ok := c.Get("k", []byte("old")); ok {
		t.Error("an entry unused for six days was kept")
	}
	if _, ok := c.Get("k", []byte("new")); !ok {
		t.Error("a recent entry was removed")
	}
	// At most once a day: the marker stops a second Trim.
	c.Put("k", []byte("old"), []byte("x"))
	os.Chtimes(c.path(full), long, long)
	c.Trim()
	if _, err := os.Stat(c.path(full)); err != nil {
		t.Error("a second Trim within a day removed an entry")
	}
	if _, err := os.Stat(filepath.Join(dir, "v1", "trim.txt")); err != nil {
		t.Error(err)
	}
}

func TestDir(t *testing.T) {
	t.Setenv(EnvVar, "")
	if d := Dir("/x"); d != "/x" {
		t.Errorf("the flag: %q", d)
	}
	if d := Dir(Off); d != "" {
		t.Errorf("--cache-dir off: %q", d)
	}
	t.Setenv(EnvVar, "/from-env")
	if d := Dir(""); d != "/from-env" {
		t.Errorf("the environment: %q", d)
	}
	t.Setenv(EnvVar, Off)
	if d := Dir(""); d != "" {
		t.Errorf("%s=off: %q", EnvVar, d)
	}
	if Open("") != nil {
		t.Error("Open(\"\") is not the cache that is off")
	}
}

// The running binary's identity is its executable's hash, remembered per executable.
func TestBinaryIdentity(t *testing.T) {
	dir := t.TempDir()
	a := binaryIdentity(dir)
	if len(a) != 32 {
		t.Fatalf("identity %x", a)
	}
	if b := binaryIdentity(dir); !bytes.Equal(a, b) {
		t.Error("the remembered identity differs")
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "exe", "*")); len(m) != 1 {
		t.Errorf("remembered in %v", m)
	}
}

// A hit refreshes an entry's modification time once it is an hour old, so that Trim keeps
// the entries in use.
func TestHitRefreshes(t *testing.T) {
	c := OpenAs(t.TempDir(), []byte("one"))
	c.Put("k", []byte("a"), []byte("x"))
	full, _ := c.fullKey("k", []byte("a"))
	old := time.Now().Add(-2 * time.Hour)
	os.Chtimes(c.path(full), old, old)
	if _, ok := c.Get("k", []byte("a")); !ok {
		t.Fatal("miss")
	}
	if fi, err := os.Stat(c.path(full)); err != nil || time.Since(fi.ModTime()) > time.Minute {
		t.Errorf("the hit did not refresh the entry: %v", err)
	}
}
