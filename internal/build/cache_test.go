package build_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/cache"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/internal/write"
)

// The build cache can never change the output: a build with a cold cache, a warm one and stale
// ones (corrupt, truncated and misplaced entries, entries of another version of ecsgen) writes
// the same bytes as a build without a cache, and bad specs keep their exact findings.

// cacheSpecs are the committed specs, a generated one that takes the per-service path, and a
// generated one large enough to be parsed in regions, whose rebuilds leave the services the
// cache knows by their text out of the parse (internal/load/knownparse.go).
func cacheSpecs(t *testing.T) []string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "spec.cue")
	if err := os.WriteFile(p, []byte(benchspec.Spec(30)), 0o644); err != nil {
		t.Fatal(err)
	}
	large := filepath.Join(t.TempDir(), "large", "spec.cue")
	os.MkdirAll(filepath.Dir(large), 0o755)
	if err := os.WriteFile(large, []byte(benchspec.Spec(200)), 0o644); err != nil {
		t.Fatal(err)
	}
	return append(specs(t), large, p) // the 30-service spec last: TestCachePacksNeverChangeOutput takes it
}

// buildWith builds spec with memo (nil: no cache) and returns its files.
func buildWith(t *testing.T, spec string, memo load.Memo, eval load.Evaluation) generators.Files {
	t.Helper()
	res, err := build.Files([]string{spec}, load.Options{Memo: memo, Evaluation: eval})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files == nil {
		t.Fatalf("%s does not build:\n%s", spec, res.Findings)
	}
	return res.Files
}

// sameFiles reports the first difference between two builds.
func sameFiles(t *testing.T, label string, want, got generators.Files) {
	t.Helper()
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for p := range want {
			if !yield(p) {
				return
			}
		}
	}) {
		if !bytes.Equal(want[p], got[p]) {
			t.Fatalf("%s: %s differs from the build without a cache", label, p)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: %d files, want %d", label, len(got), len(want))
	}
}

// entries are the cache's entry files.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(dir, "v1"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && len(filepath.Base(filepath.Dir(p))) == 2 {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestCacheNeverChangesOutput(t *testing.T) {
	for _, spec := range cacheSpecs(t) {
		name := filepath.Base(filepath.Dir(spec))
		t.Run(name, func(t *testing.T) {
			want := buildWith(t, spec, nil, load.Auto)
			dir := t.TempDir()

			sameFiles(t, "cold", want, buildWith(t, spec, cache.Open(dir), load.Auto))
			if len(entries(t, dir)) == 0 {
				t.Fatal("the cold build stored nothing")
			}
			sameFiles(t, "warm", want, buildWith(t, spec, cache.Open(dir), load.Auto))

			// Stale: every entry damaged in one way, then the build again (which stores the
			// entries anew), for each way.
			damages := map[string]func(p string, b []byte) []byte{
				"corrupt":   func(_ string, b []byte) []byte { c := slices.Clone(b); c[len(c)/2] ^= 0xff; return c },
				"truncated": func(_ string, b []byte) []byte { return b[:len(b)*2/3] },
				"empty":     func(string, []byte) []byte { return nil },
			}
			for _, how := range []string{"corrupt", "truncated", "empty"} {
				for _, p := range entries(t, dir) {
					b, err := os.ReadFile(p)
					if err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, damages[how](p, b), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				sameFiles(t, how, want, buildWith(t, spec, cache.Open(dir), load.Auto))
			}

			// Misplaced: each entry's file holds another key's entry (whole and valid).
			ps := entries(t, dir)
			contents := make([][]byte, len(ps))
			for i, p := range ps {
				contents[i], _ = os.ReadFile(p)
			}
			for i, p := range ps {
				os.WriteFile(p, contents[(i+1)%len(ps)], 0o644)
			}
			if len(ps) > 1 {
				sameFiles(t, "misplaced", want, buildWith(t, spec, cache.Open(dir), load.Auto))
			}

			// Another version of ecsgen filled the cache from an edited spec; this one
			// never reads its entries.
			other := cache.OpenAs(t.TempDir(), []byte("another ecsgen"))
			edited := editedSpec(t, spec)
			buildWith(t, edited, other, load.PerService)
			buildWith(t, spec, other, load.PerService)
			sameFiles(t, "another version", want, buildWith(t, spec, cache.OpenAs(dir, []byte("this ecsgen")), load.PerService))
		})
	}
}

// editedSpec is spec with every environment variable value "on" turned "off" (the generated
// spec), or a copy of spec (the examples).
func editedSpec(t *testing.T, spec string) string {
	t.Helper()
	b, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "edited.cue")
	if err := os.WriteFile(p, bytes.ReplaceAll(b, []byte(`: "on"`), []byte(`: "off"`)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCacheOneServiceEdited: after one service changes, the warm build gives the bytes of a
// build without a cache, writes only that service's files, and a rebuild writes nothing.
func TestCacheOneServiceEdited(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.cue")
	src := benchspec.Spec(30)
	os.WriteFile(spec, []byte(src), 0o644)
	c := cache.Open(filepath.Join(dir, "cache"))
	out := filepath.Join(dir, "out")
	if _, err := write.Dir(out, buildWith(t, spec, c, load.Auto)); err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(src, `FEATURE_0007: "on"`, `FEATURE_0007: "off"`, 1)
	if edited == src {
		t.Fatal("the generated spec has no FEATURE_0007 to edit")
	}
	os.WriteFile(spec, []byte(edited), 0o644)
	counted := &countingMemo{Memo: c, hits: map[string]int{}}
	files := buildWith(t, spec, counted, load.Auto)
	// Every other service's model and stack came from the cache.
	if counted.hits["load.service"] != 29 || counted.hits["generators.service"] != 29 {
		t.Errorf("hits %v, want 29 of each kind", counted.hits)
	}
	sameFiles(t, "one service edited", buildWith(t, spec, nil, load.Auto), files)
	st, err := write.Dir(out, files)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range st.Written {
		// Its own files, and the environment's (plan, README, checklist), only.
		if strings.Contains(p, "svc-") && !strings.Contains(p, "svc-0007") {
			t.Errorf("the edit of svc-0007 wrote %s", p)
		}
	}
	if len(st.Written) == 0 {
		t.Error("the edit wrote nothing")
	}
	st, err = write.Dir(out, buildWith(t, spec, c, load.Auto))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Written) > 0 || len(st.Removed) > 0 {
		t.Errorf("a rebuild with nothing changed wrote %v, removed %v", st.Written, st.Removed)
	}
}

// TestCacheLargeSpecEdited: a spec large enough to be parsed in regions, edited one service at
// a time and back, gives with a warm cache the bytes of a build without one, its unchanged
// services known by their text (one index of regions read, the others' models from the cache).
func TestCacheLargeSpecEdited(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.cue")
	src := benchspec.Spec(200)
	c := cache.Open(filepath.Join(dir, "cache"))
	os.WriteFile(spec, []byte(src), 0o644)
	sameFiles(t, "cold", buildWith(t, spec, nil, load.Auto), buildWith(t, spec, c, load.Auto))
	for _, step := range []struct{ name, from, to string }{
		{"svc-0100 edited", "svc-0100:1.0.0", "svc-0100:9.9.9"},
		{"back", "", ""},
		{"svc-0150 edited", "svc-0150:1.0.0", "svc-0150:9.9.9"},
	} {
		edited := strings.Replace(src, step.from, step.to, 1)
		if step.from != "" && edited == src {
			t.Fatalf("no %s in the spec", step.from)
		}
		os.WriteFile(spec, []byte(edited), 0o644)
		counted := &countingMemo{Memo: c, hits: map[string]int{}}
		files := buildWith(t, spec, counted, load.Auto)
		if counted.hits["load.regions"] != 1 || counted.hits["load.service"] < 199 {
			t.Errorf("%s: hits %v, want the index of regions and 199 services", step.name, counted.hits)
		}
		sameFiles(t, step.name, buildWith(t, spec, nil, load.Auto), files)
	}
}

// TestCacheKeepsFindings: a spec whose services were all cached before, now with problems in
// some of them and every line moved, has exactly the findings (positions included) of a build
// without a cache.
func TestCacheKeepsFindings(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.cue")
	src := benchspec.Spec(30)
	os.WriteFile(spec, []byte(src), 0o644)
	c := cache.Open(filepath.Join(dir, "cache"))
	buildWith(t, spec, c, load.Auto)

	bad := strings.Replace(src, "\t\"svc-0005\": {\n", "\t\"svc-0005\": {\n\t\tbogus: 1\n", 1)
	bad = strings.Replace(bad, "\t\"svc-0012\": {\n", "\t\"svc-0012\": {\n\t\tplatformVersion: 3\n", 1)
	bad = strings.Replace(bad, `FEATURE_0020: "on"`, `FEATURE_0020: 7`, 1)
	for _, variant := range []struct{ name, src string }{
		{"in place", bad},
		{"moved down", "// three lines\n// that move\n// every position\n" + bad},
		{"a rule broken", strings.Replace(src, "bench/svc-0003:1.3.0\"\n\t\t\t\tmemory: 768", "bench/svc-0003:1.3.0\"\n\t\t\t\tmemory: 4096", 1)},
	} {
		t.Run(variant.name, func(t *testing.T) {
			os.WriteFile(spec, []byte(variant.src), 0o644)
			want, err := build.Files([]string{spec}, load.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(want.Findings) == 0 {
				t.Fatal("the broken spec has no finding")
			}
			got, err := build.Files([]string{spec}, load.Options{Memo: c})
			if err != nil {
				t.Fatal(err)
			}
			if w, g := want.Findings.String(), got.Findings.String(); w != g {
				t.Errorf("findings with a warm cache:\n%s\nwant:\n%s", g, w)
			}
			if (want.Files == nil) != (got.Files == nil) {
				t.Errorf("files with a warm cache: %v, without: %v", got.Files != nil, want.Files != nil)
			}
		})
	}
}

// TestCacheConcurrentBuilds: builds of a spec and of its edited variant, at the same time,
// sharing one cache directory (each with its own Cache, as separate processes have), give
// the bytes of builds without a cache. Run with -race.
func TestCacheConcurrentBuilds(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.cue")
	os.WriteFile(spec, []byte(benchspec.Spec(6)), 0o644)
	edited := editedSpec(t, spec)
	want := map[string]generators.Files{spec: buildWith(t, spec, nil, load.PerService), edited: buildWith(t, edited, nil, load.PerService)}
	shared := filepath.Join(dir, "cache")
	var wg sync.WaitGroup
	results := make([]generators.Files, 6)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := build.Files([]string{[]string{spec, edited}[i%2]}, load.Options{Memo: cache.Open(shared), Evaluation: load.PerService})
			if err != nil || res.Files == nil {
				t.Errorf("build %d: %v %v", i, err, res.Findings)
				return
			}
			results[i] = res.Files
		}()
	}
	wg.Wait()
	for i, files := range results {
		if files != nil {
			sameFiles(t, fmt.Sprintf("concurrent build %d", i), want[[]string{spec, edited}[i%2]], files)
		}
	}
	sameFiles(t, "after the concurrent builds", want[spec], buildWith(t, spec, cache.Open(shared), load.PerService))
}

// countingMemo counts the hits of each kind of entry.
type countingMemo struct {
	load.Memo
	mu   sync.Mutex
	hits map[string]int
}

func (m *countingMemo) Get(kind string, key []byte) ([]byte, bool) {
	b, ok := m.Memo.Get(kind, key)
	if ok {
		m.mu.Lock()
		m.hits[kind]++
		m.mu.Unlock()
	}
	return b, ok
}

// A service's stack reads who calls it (its security group admits each caller): when web stops
// calling payments, payments' stack changes though payments did not, and a warm cache gives
// the bytes of a build without one.
func TestCacheFollowsCallers(t *testing.T) {
	src, err := os.ReadFile("../../testdata/golden/service-connect/spec.cue")
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(src, []byte(`calls: ["orders", "payments"]`), []byte(`calls: ["orders"]`), 1)
	if bytes.Equal(edited, src) {
		t.Fatal("the service-connect golden spec no longer has web calling orders and payments")
	}
	dir := t.TempDir()
	before, after := filepath.Join(dir, "before.cue"), filepath.Join(dir, "after.cue")
	os.WriteFile(before, src, 0o644)
	os.WriteFile(after, edited, 0o644)
	c := cache.Open(filepath.Join(dir, "cache"))
	old := buildWith(t, before, c, load.Auto)
	want := buildWith(t, after, nil, load.Auto)
	stack := "dev/stacks/shop-dev-svc-payments.json"
	if bytes.Equal(old[stack], want[stack]) {
		t.Fatalf("%s does not change when web stops calling payments: the test proves nothing", stack)
	}
	sameFiles(t, "warm, a caller removed", want, buildWith(t, after, c, load.Auto))
}

// packs are the cache's pack files.
func packs(dir string) []string {
	ps, _ := filepath.Glob(filepath.Join(dir, "v1", "pack", "*"))
	return ps
}

// buildPacked builds spec with the cache in dir and packs what it used, as `ecsgen build` does.
func buildPacked(t *testing.T, spec string, memo load.Memo, c *cache.Cache) generators.Files {
	t.Helper()
	files := buildWith(t, spec, memo, load.Auto)
	c.Pack()
	return files
}

// TestCachePacksNeverChangeOutput: builds that read their entries from packs — whole, with a
// delta after an edit, damaged in every way, deleted while the build runs, written by builds
// of two specs at once — give the bytes of a build without a cache.
func TestCachePacksNeverChangeOutput(t *testing.T) {
	spec := cacheSpecs(t)
	specPath := spec[len(spec)-1] // the generated spec, which has enough services to pack
	src, _ := os.ReadFile(specPath)
	edited := filepath.Join(t.TempDir(), "edited.cue") // one service edited
	os.WriteFile(edited, bytes.Replace(src, []byte(`FEATURE_0007: "on"`), []byte(`FEATURE_0007: "off"`), 1), 0o644)
	want := map[string]generators.Files{specPath: buildWith(t, specPath, nil, load.Auto), edited: buildWith(t, edited, nil, load.Auto)}
	if bytes.Equal(want[specPath]["perf/stacks/bench-perf-svc-svc-0007.json"], want[edited]["perf/stacks/bench-perf-svc-svc-0007.json"]) {
		t.Fatal("the edit changes nothing in svc-0007's stack: the test proves nothing")
	}
	dir := t.TempDir()
	open := func() *cache.Cache { return cache.Open(dir) }
	withPacks := func(label, s string) {
		t.Helper()
		c := open()
		sameFiles(t, label, want[s], buildPacked(t, s, c, c))
	}
	withPacks("cold", specPath)
	if ps := packs(dir); len(ps) != 0 {
		t.Fatalf("a cold build packed %v", ps)
	}
	withPacks("warm", specPath)
	if ps := packs(dir); len(ps) != 2 {
		t.Fatalf("packs after a warm build: %v, want one per kind of entry", ps)
	}
	removeEntries := func() {
		for _, p := range entries(t, dir) {
			os.Remove(p)
		}
	}
	removeEntries()
	counted := &countingMemo{Memo: open(), hits: map[string]int{}}
	sameFiles(t, "from the packs", want[specPath], buildWith(t, specPath, counted, load.Auto))
	if counted.hits["load.service"] != 30 || counted.hits["generators.service"] != 30 {
		t.Errorf("hits from the packs alone %v, want 30 of each kind", counted.hits)
	}
	withPacks("edited", edited)
	withPacks("edited again", edited)
	withPacks("back", specPath)
	if ps := packs(dir); len(ps) != 4 {
		t.Errorf("packs after an edit: %v, want a base and a delta per kind", ps)
	}

	// Damaged packs, and no entry files: only what is whole in a pack may be used.
	damages := map[string]func(b []byte) []byte{
		"corrupt":   func(b []byte) []byte { c := slices.Clone(b); c[len(c)/2] ^= 0xff; return c },
		"truncated": func(b []byte) []byte { return b[:len(b)*2/3] },
		"empty":     func([]byte) []byte { return nil },
	}
	for _, how := range []string{"corrupt", "truncated", "empty"} {
		withPacks("warm", specPath) // packs and entries again
		for _, p := range packs(dir) {
			b, _ := os.ReadFile(p)
			os.WriteFile(p, damages[how](b), 0o644)
		}
		removeEntries()
		withPacks(how+" packs", specPath)
	}
	// Misplaced: each pack under another's name (another kind's, or the delta as base).
	withPacks("warm", specPath)
	withPacks("edited", edited)
	ps := packs(dir)
	contents := make([][]byte, len(ps))
	for i, p := range ps {
		contents[i], _ = os.ReadFile(p)
	}
	for i, p := range ps {
		os.WriteFile(p, contents[(i+1)%len(ps)], 0o644)
	}
	removeEntries()
	withPacks("misplaced packs", edited)

	// The directory deleted while a build reads its packs.
	withPacks("warm", specPath)
	deleting := &deletingMemo{Memo: open(), dir: dir, after: 10}
	c := deleting.Memo.(*cache.Cache)
	sameFiles(t, "deleted during the build", want[specPath], buildPacked(t, specPath, deleting, c))
	withPacks("after the deletion", specPath)

	// Builds of both specs at once, each packing.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 2 {
				s := []string{specPath, edited}[i%2]
				c := open()
				res, err := build.Files([]string{s}, load.Options{Memo: c})
				if err != nil || res.Files == nil {
					t.Errorf("build %d: %v", i, err)
					return
				}
				c.Pack()
				sameFiles(t, fmt.Sprintf("concurrent build %d", i), want[s], res.Files)
			}
		})
	}
	wg.Wait()
	withPacks("after the concurrent builds", specPath)
}

// deletingMemo deletes the cache directory at its after-th Get.
type deletingMemo struct {
	load.Memo
	dir   string
	mu    sync.Mutex
	after int
}

func (m *deletingMemo) Get(kind string, key []byte) ([]byte, bool) {
	m.mu.Lock()
	if m.after--; m.after == 0 {
		os.RemoveAll(m.dir)
	}
	m.mu.Unlock()
	return m.Memo.Get(kind, key)
}
