package cache

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// packBuild is one build's use of the cache: it gets every key (putting the values it misses)
// and packs. It returns how many came from the cache and any wrong value.
func packBuild(t *testing.T, c *Cache, kind string, keys []string, value func(string) []byte) int {
	t.Helper()
	hits := 0
	for _, k := range keys {
		v, ok := c.Get(kind, []byte(k))
		if ok {
			hits++
			if !bytes.Equal(v, value(k)) {
				t.Fatalf("%s: got %q, want %q", k, v, value(k))
			}
			continue
		}
		c.Put(kind, []byte(k), value(k))
	}
	c.Pack()
	return hits
}

func keysOf(prefix string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%s%03d", prefix, i))
	}
	return out
}

func valueOf(k string) []byte { return bytes.Repeat([]byte(k), 50) }

// removeEntries removes every entry file, so that only packs can answer.
func removeEntries(t *testing.T, dir string) {
	t.Helper()
	subs, _ := filepath.Glob(filepath.Join(dir, "v1", "??"))
	for _, s := range subs {
		if err := os.RemoveAll(s); err != nil {
			t.Fatal(err)
		}
	}
}

func packFiles(dir string) []string {
	ps, _ := filepath.Glob(filepath.Join(dir, "v1", "pack", "*"))
	return ps
}

// TestPackServesEntries: a cold build packs nothing; the next one packs what it used, and the
// one after takes every entry from the pack (the entry files gone); an edit adds a delta
// beside the base, which the next build reads too.
func TestPackServesEntries(t *testing.T) {
	dir := t.TempDir()
	keys := keysOf("k", 40)
	if hits := packBuild(t, OpenAs(dir, []byte("one")), "kind", keys, valueOf); hits != 0 {
		t.Fatalf("a cold cache hit %d", hits)
	}
	if ps := packFiles(dir); len(ps) != 0 {
		t.Fatalf("a cold build packed %v", ps)
	}
	packBuild(t, OpenAs(dir, []byte("one")), "kind", keys, valueOf)
	if ps := packFiles(dir); len(ps) != 1 || filepath.Ext(ps[0]) != ".base" {
		t.Fatalf("packs after a warm build: %v", ps)
	}
	base, _ := os.ReadFile(packFiles(dir)[0])
	removeEntries(t, dir)
	if hits := packBuild(t, OpenAs(dir, []byte("one")), "kind", keys, valueOf); hits != len(keys) {
		t.Fatalf("%d of %d from the pack", hits, len(keys))
	}
	if ps := packFiles(dir); len(ps) != 1 {
		t.Fatalf("a build whose entries were all packed wrote %v", ps)
	}

	// One key edited: a delta, the base as it was.
	edited := slices.Clone(keys)
	edited[7] = "edited"
	packBuild(t, OpenAs(dir, []byte("one")), "kind", edited, valueOf)
	ps := packFiles(dir)
	if len(ps) != 2 || filepath.Ext(ps[1]) != ".delta" {
		t.Fatalf("packs after an edit: %v", ps)
	}
	if b, _ := os.ReadFile(ps[0]); !bytes.Equal(b, base) {
		t.Error("an edit rewrote the base")
	}
	removeEntries(t, dir)
	if hits := packBuild(t, OpenAs(dir, []byte("one")), "kind", edited, valueOf); hits != len(keys) {
		t.Fatalf("%d of %d from the base and the delta", hits, len(keys))
	}
	// Another version reads none of it.
	if hits := packBuild(t, OpenAs(dir, []byte("two")), "kind", keys, valueOf); hits != 0 {
		t.Errorf("another version hit %d", hits)
	}
	// Another kind neither.
	if hits := packBuild(t, OpenAs(dir, []byte("one")), "other", keys, valueOf); hits != 0 {
		t.Errorf("another kind hit %d", hits)
	}
}

// TestPackRewrittenWhenMostlyUnused: packs holding more than twice the entries a build used
// are written again with those only.
func TestPackRewrittenWhenMostlyUnused(t *testing.T) {
	dir := t.TempDir()
	keys := keysOf("k", 60)
	packBuild(t, OpenAs(dir, []byte("one")), "kind", keys, valueOf)
	packBuild(t, OpenAs(dir, []byte("one")), "kind", keys, valueOf)
	few := keys[:20]
	packBuild(t, OpenAs(dir, []byte("one")), "kind", few, valueOf)
	ps := packFiles(dir)
	if len(ps) != 1 {
		t.Fatalf("packs: %v", ps)
	}
	data, _ := os.ReadFile(ps[0])
	index := map[[32]byte][]byte{}
	if n, _ := readPack(bytes.NewReader(data), int64(len(data)), index, nil); n != len(few) {
		t.Errorf("the base holds %d entries, want the %d used", n, len(few))
	}
}

// TestDamagedPacksMiss: a pack damaged in any way gives no wrong value: its damaged entries
// miss (the entry files answer when they exist), the others still hit.
func TestDamagedPacksMiss(t *testing.T) {
	keys := keysOf("k", 40)
	setup := func(t *testing.T) (string, string) {
		dir := t.TempDir()
		packBuild(t, OpenAs(dir, []byte("one")), "kind", keys, valueOf)
		packBuild(t, OpenAs(dir, []byte("one")), "kind", keys, valueOf)
		ps := packFiles(dir)
		if len(ps) != 1 {
			t.Fatalf("packs: %v", ps)
		}
		return dir, ps[0]
	}
	// A pack of another version and one of another kind, put in its place.
	foreignDir := t.TempDir()
	packBuild(t, OpenAs(foreignDir, []byte("two")), "kind", keys, valueOf)
	packBuild(t, OpenAs(foreignDir, []byte("two")), "kind", keys, valueOf)
	packBuild(t, OpenAs(foreignDir, []byte("one")), "other", keys, func(k string) []byte { return []byte("other " + k) })
	packBuild(t, OpenAs(foreignDir, []byte("one")), "other", keys, func(k string) []byte { return []byte("other " + k) })
	foreign := packFiles(foreignDir)
	if len(foreign) != 2 {
		t.Fatalf("foreign packs: %v", foreign)
	}
	for name, damage := range map[string]func(b []byte) []byte{
		"corrupt":         func(b []byte) []byte { c := slices.Clone(b); c[len(c)/2] ^= 0xff; return c },
		"values edited":   func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("k01"), []byte("K01")) },
		"truncated":       func(b []byte) []byte { return b[:len(b)*2/3] },
		"empty":           func([]byte) []byte { return nil },
		"not a pack":      func(b []byte) []byte { return append([]byte("x"), b...) },
		"length too big":  func(b []byte) []byte { c := slices.Clone(b); c[len(packMagic)] = 0xff; return c },
		"another version": func([]byte) []byte { b, _ := os.ReadFile(foreign[0]); return b },
		"another kind":    func([]byte) []byte { b, _ := os.ReadFile(foreign[1]); return b },
	} {
		t.Run(name, func(t *testing.T) {
			// With the entry files, every key hits with its value.
			dir, pack := setup(t)
			b, _ := os.ReadFile(pack)
			os.WriteFile(pack, damage(b), 0o644)
			if hits := packBuild(t, OpenAs(dir, []byte("one")), "kind", keys, valueOf); hits != len(keys) {
				t.Errorf("with the entry files: %d hits of %d", hits, len(keys))
			}
			// Without them, only what is whole in the pack hits (packBuild fails on a wrong value).
			dir, pack = setup(t)
			os.WriteFile(pack, damage(b), 0o644)
			removeEntries(t, dir)
			packBuild(t, OpenAs(dir, []byte("one")), "kind", keys, valueOf)
		})
	}
}

// TestPacksConcurrentAndDeleted: builds of two key sets at once, sharing a directory, each
// packing, never get a wrong value, also when the directory is deleted while they run.
func TestPacksConcurrentAndDeleted(t *testing.T) {
	dir := t.TempDir()
	sets := [][]string{keysOf("a", 30), append(keysOf("a", 15), keysOf("b", 15)...)}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for round := range 3 {
				if i == 7 && round == 1 {
					os.RemoveAll(dir)
				}
				c := OpenAs(dir, []byte("one"))
				for _, k := range sets[i%2] {
					if v, ok := c.Get("kind", []byte(k)); ok && !bytes.Equal(v, valueOf(k)) {
						t.Errorf("%s: got %q", k, v)
					} else if !ok {
						c.Put("kind", []byte(k), valueOf(k))
					}
				}
				c.Pack()
			}
		})
	}
	wg.Wait()
	for _, set := range sets {
		packBuild(t, OpenAs(dir, []byte("one")), "kind", set, valueOf)
	}
}

// TestGetAfterDeletion: a cache whose directory is deleted after its packs were read gives
// the values it read, and packs again.
func TestGetAfterDeletion(t *testing.T) {
	dir := t.TempDir()
	keys := keysOf("k", 20)
	packBuild(t, OpenAs(dir, []byte("one")), "kind", keys, valueOf)
	packBuild(t, OpenAs(dir, []byte("one")), "kind", keys, valueOf)
	c := OpenAs(dir, []byte("one"))
	c.Get("kind", []byte(keys[0]))
	os.RemoveAll(dir)
	packBuild(t, c, "kind", keys, valueOf)
	packBuild(t, OpenAs(dir, []byte("one")), "kind", keys, valueOf)
}

// TestPackHitRefreshes: a build that takes entries from the packs refreshes their
// modification time, as a hit does an entry's, so that Trim keeps packs in use.
func TestPackHitRefreshes(t *testing.T) {
	dir := t.TempDir()
	keys := keysOf("k", 40)
	edited := slices.Clone(keys)
	edited[3] = "edited"
	packBuild(t, OpenAs(dir, []byte("one")), "kind", keys, valueOf)
	packBuild(t, OpenAs(dir, []byte("one")), "kind", keys, valueOf)
	packBuild(t, OpenAs(dir, []byte("one")), "kind", edited, valueOf) // a delta
	ps := packFiles(dir)
	if len(ps) != 2 {
		t.Fatalf("packs: %v", ps)
	}
	old := time.Now().Add(-2 * time.Hour)
	for _, p := range ps {
		os.Chtimes(p, old, old)
	}
	packBuild(t, OpenAs(dir, []byte("one")), "kind", edited, valueOf)
	for _, p := range ps {
		if fi, err := os.Stat(p); err != nil || time.Since(fi.ModTime()) > time.Minute {
			t.Errorf("%s not refreshed: %v", filepath.Base(p), err)
		}
	}
}
