package load

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/diag"
)

// Every load of this package's tests that leaves a region out of its parse checks the region
// against the parse of the whole file (checkKnown).
func init() { verifyKnown = true }

// knownSpec is a generated spec large enough for the parse in regions (parallelParseMin).
func knownSpec(t *testing.T) string {
	t.Helper()
	src := benchspec.Spec(200)
	if len(src) < parallelParseMin {
		t.Fatalf("the spec is %d bytes, under %d", len(src), parallelParseMin)
	}
	return src
}

// loaded is what a load gives, to compare.
type loaded struct {
	res      *Result
	findings string
	err      error
}

func loadText(t *testing.T, path, src string, memo Memo) loaded {
	t.Helper()
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{Partial: true}
	if memo != nil {
		opts.Memo = memo
	}
	res, findings, err := Files([]string{path}, opts)
	return loaded{res, findings.String(), err}
}

// positionsOf are the positions a load gives for some paths in every tenth service.
func positionsOf(res *Result) []diag.Pos {
	if res == nil {
		return nil
	}
	var out []diag.Pos
	for i := 0; i < 200; i += 10 {
		svc := "services." + benchspec.Name(i)
		for _, p := range []string{svc, svc + ".cpu", svc + ".containers.app.image", svc + ".containers.app.ports[1].container", svc + ".taskRole.statements[1].resources[0]"} {
			out = append(out, res.Positions.Of(p))
		}
	}
	return out
}

// sameLoad fails unless got is what a load without a memo gives (want): the spec, every
// environment, the findings, the error and the positions.
func sameLoad(t *testing.T, label string, want, got loaded) {
	t.Helper()
	if (want.err == nil) != (got.err == nil) || want.err != nil && want.err.Error() != got.err.Error() {
		t.Fatalf("%s: error %v, want %v", label, got.err, want.err)
	}
	if got.findings != want.findings {
		t.Fatalf("%s: findings\n%s\nwant\n%s", label, got.findings, want.findings)
	}
	if (want.res == nil) != (got.res == nil) {
		t.Fatalf("%s: result %v, want %v", label, got.res != nil, want.res != nil)
	}
	if want.res == nil {
		return
	}
	if !reflect.DeepEqual(want.res.Spec, got.res.Spec) || want.res.Multi != got.res.Multi || want.res.Partial != got.res.Partial || len(want.res.Envs) != len(got.res.Envs) {
		t.Fatalf("%s: the loaded spec differs", label)
	}
	for i := range want.res.Envs {
		if !reflect.DeepEqual(want.res.Envs[i].Spec, got.res.Envs[i].Spec) {
			t.Fatalf("%s: environment %d differs", label, i)
		}
	}
	if w, g := positionsOf(want.res), positionsOf(got.res); !reflect.DeepEqual(w, g) {
		t.Fatalf("%s: positions\n%v\nwant\n%v", label, g, w)
	}
}

// TestRebuildParsesOnlyWhatChanged: with the memo of a load before, a load of the spec with one
// service edited parses and hashes that service only (and the first and last, parsed with the
// file's other text), and gives what a load without a memo gives, positions of services left
// out of the parse included.
func TestRebuildParsesOnlyWhatChanged(t *testing.T) {
	src := knownSpec(t)
	path := filepath.Join(t.TempDir(), "spec.cue")
	memo := &mapMemo{m: map[string][]byte{}}

	sameLoad(t, "cold", loadText(t, path, src, nil), loadText(t, path, src, memo))
	index := 0
	for k := range memo.m {
		if strings.HasPrefix(k, memoRegions+"\x00") {
			index++
		}
	}
	if index != 1 {
		t.Fatalf("%d indexes of regions stored, want 1", index)
	}

	edited := strings.Replace(src, "svc-0100:1.0.0", "svc-0100:9.9.9", 1)
	if edited == src {
		t.Fatal("no svc-0100:1.0.0 in the spec")
	}
	for _, step := range []struct {
		name, src string
		parsed    int64
	}{
		{"one edited", edited, 3},
		{"back", src, 3},
		{"nothing changed", src, 2},
	} {
		parsed, keyed := servicesParsed.Load(), serviceKeys.Load()
		got := loadText(t, path, step.src, memo)
		parsed, keyed = servicesParsed.Load()-parsed, serviceKeys.Load()-keyed
		if parsed != step.parsed || keyed != step.parsed {
			t.Errorf("%s: %d services parsed and %d hashed, want %d", step.name, parsed, keyed, step.parsed)
		}
		sameLoad(t, step.name, loadText(t, path, step.src, nil), got)
	}
	// The spec named relative to Options.Dir is the same file.
	parsed := servicesParsed.Load()
	if _, findings, err := Files([]string{"spec.cue"}, Options{Dir: filepath.Dir(path), Memo: memo}); err != nil || len(findings) > 0 {
		t.Fatal(err, findings)
	}
	if n := servicesParsed.Load() - parsed; n != 2 {
		t.Errorf("named relative to Dir: %d services parsed, want 2", n)
	}
}

// TestRebuildLeavesOutOnlyWhatItIsSureOf: a memo filled by the spec, then a spec changed in a way
// the services left out of the parse must not hide, loads exactly as without a memo.
func TestRebuildLeavesOutOnlyWhatItIsSureOf(t *testing.T) {
	src := knownSpec(t)
	svc := func(i int) string { return "\t\"" + benchspec.Name(i) + "\": {\n" }
	variants := []struct{ name, src string }{
		{"a finding in one service", strings.Replace(src, svc(50), svc(50)+"\t\tbogus: 1\n", 1)},
		{"a wrong value in one service", strings.Replace(src, "svc-0120:1.0.0\"\n\t\t\t\tmemory: 768", "svc-0120:1.0.0\"\n\t\t\t\tmemory: \"768\"", 1)},
		{"a service written twice", src + "\nservices: \"svc-0060\": desiredCount: 3\n"},
		{"a service written twice in one struct", strings.Replace(src, svc(199), "\t\"svc-0060\": {desiredCount: 3}\n"+svc(199), 1)},
		{"a reference to a service", strings.Replace(src, svc(70), svc(70)+"\t\tcpu: services[\"svc-0071\"].cpu\n", 1)},
		{"a valid reference to a service", strings.Replace(src, svc(70)+"\t\tdesiredCount: ", svc(70)+"\t\tdesiredCount: services[\"svc-0071\"].desiredCount\n\t\t_was: ", 1)},
		{"the rest refers into a service", src + "\nsystem: services[\"svc-0080\"].containers.app.environment.SERVICE_NAME\n"},
		{"a syntax error", strings.Replace(src, svc(90), svc(90)+"\t\tcpu: : 1\n", 1)},
		{"an unclosed string", strings.Replace(src, svc(90), svc(90)+"\t\tcpu: \"\"\"\n", 1)},
		{"environments", strings.Replace(src, "env:     \"perf\"\n", "", 1) + "\nenvironments: perf: {}\n"},
		{"moved down", "// a line that moves every position\n" + src},
		{"an attribute", "@experiment(aliasv2)\n" + src},
		{"a service in a comment", strings.Replace(src, svc(110), "\t// "+benchspec.Name(110)+"\n"+svc(110), 1)},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			if v.src == src {
				t.Fatal("the variant changes nothing")
			}
			path := filepath.Join(t.TempDir(), "spec.cue")
			memo := &mapMemo{m: map[string][]byte{}}
			loadText(t, path, src, memo)
			want := loadText(t, path, v.src, nil)
			t.Logf("without a memo: a result %v, findings:\n%s", want.res != nil, want.findings)
			sameLoad(t, "warm", want, loadText(t, path, v.src, memo))
			sameLoad(t, "again", want, loadText(t, path, v.src, memo))
		})
	}
}

// TestRebuildWithStaleMemo: an index whose models are gone, a damaged index, and an index of
// another file's text all load as without a memo.
func TestRebuildWithStaleMemo(t *testing.T) {
	src := knownSpec(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "spec.cue")
	want := loadText(t, path, src, nil)
	fill := func() *mapMemo {
		memo := &mapMemo{m: map[string][]byte{}}
		loadText(t, path, src, memo)
		return memo
	}
	for _, damage := range []struct {
		name string
		how  func(m *mapMemo)
	}{
		{"models gone", func(m *mapMemo) {
			for k := range m.m {
				if strings.HasPrefix(k, memoService+"\x00") {
					delete(m.m, k)
				}
			}
		}},
		{"some models gone", func(m *mapMemo) {
			n := 0
			for k := range m.m {
				if strings.HasPrefix(k, memoService+"\x00") && n%7 == 0 {
					delete(m.m, k)
				}
				n++
			}
		}},
		{"index truncated", func(m *mapMemo) {
			for k, v := range m.m {
				if strings.HasPrefix(k, memoRegions+"\x00") {
					m.m[k] = v[:len(v)*2/3]
				}
			}
		}},
		{"index garbage", func(m *mapMemo) {
			for k, v := range m.m {
				if strings.HasPrefix(k, memoRegions+"\x00") {
					g := make([]byte, len(v))
					for i := range g {
						g[i] = byte(i * 7)
					}
					m.m[k] = g
				}
			}
		}},
	} {
		t.Run(damage.name, func(t *testing.T) {
			memo := fill()
			damage.how(memo)
			sameLoad(t, "damaged", want, loadText(t, path, src, memo))
			sameLoad(t, "after", want, loadText(t, path, src, memo))
		})
	}
	t.Run("another file's index", func(t *testing.T) {
		// The index of the spec, under the name of a file holding another spec whose
		// services differ from it in every region but a few.
		memo := fill()
		other := filepath.Join(dir, "other.cue")
		otherSrc := strings.ReplaceAll(src, "1.0.0", "2.0.0")
		for k, v := range memo.m {
			if strings.HasPrefix(k, memoRegions+"\x00") {
				memo.m[memoRegions+"\x00"+string(indexKey(other))] = v
			}
		}
		sameLoad(t, "other", loadText(t, other, otherSrc, nil), loadText(t, other, otherSrc, memo))
	})
}

// BenchmarkLoadOneServiceEdited loads a 1000-service spec through a warm memo, one service
// edited and back in turn: the load of a one-service rebuild.
func BenchmarkLoadOneServiceEdited(b *testing.B) {
	src := benchspec.Spec(1000)
	edited := strings.Replace(src, "svc-0500:1.0.0", "svc-0500:9.9.9", 1)
	path := filepath.Join(b.TempDir(), "spec.cue")
	memo := &mapMemo{m: map[string][]byte{}}
	load := func(text string) {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
		if _, findings, err := Files([]string{path}, Options{Memo: memo}); err != nil || len(findings) > 0 {
			b.Fatal(err, findings)
		}
	}
	load(src)
	load(edited)
	verify := verifyKnown
	verifyKnown = false
	defer func() { verifyKnown = verify }()
	i := 0
	for b.Loop() {
		if i++; i%2 == 1 {
			load(src)
		} else {
			load(edited)
		}
	}
}
