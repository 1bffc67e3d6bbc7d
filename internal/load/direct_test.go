package load

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/internal/benchspec"
)

// loadDirect loads a spec file with directLoad on (direct) or off, and reports whether
// directLoad answered.
func loadDirect(t *testing.T, files []string, opts Options, direct bool) (loaded, bool) {
	t.Helper()
	noDirectLoad = !direct
	defer func() { noDirectLoad = false }()
	before := directLoads.Load()
	opts.Partial = true
	res, findings, err := Files(files, opts)
	return loaded{res, findings.String(), err}, directLoads.Load() > before
}

// TestDirectLoadAgrees: a large spec loads without cue/load exactly as with it — the spec, the
// findings and the positions — and only when cue/load's own work cannot change the answer.
func TestDirectLoadAgrees(t *testing.T) {
	src := knownSpec(t)
	svc := func(i int) string { return "\t\"" + benchspec.Name(i) + "\": {\n" }
	variants := []struct {
		name, file, src string
		taken           bool
	}{
		{"plain data", "spec.cue", src, true},
		{"a package clause", "spec.cue", "package shop\n\n" + src, true},
		// A finding sends the spec to the whole unification, for its exact messages.
		{"a finding in one service", "spec.cue", strings.Replace(src, svc(50), svc(50)+"\t\tbogus: 1\n", 1), false},
		{"a wrong value in one service", "spec.cue", strings.Replace(src, "svc-0120:1.0.0\"\n\t\t\t\tmemory: 768", "svc-0120:1.0.0\"\n\t\t\t\tmemory: \"768\"", 1), false},
		{"moved down", "spec.cue", "// a line that moves every position\n" + src, true},
		{"a service in a comment", "spec.cue", strings.Replace(src, svc(110), "\t// "+benchspec.Name(110)+"\n"+svc(110), 1), true},
		{"a reference to a service", "spec.cue", strings.Replace(src, svc(70), svc(70)+"\t\tcpu: services[\"svc-0071\"].cpu\n", 1), false},
		{"the rest refers into a service", "spec.cue", src + "\nsystem: services[\"svc-0080\"].containers.app.environment.SERVICE_NAME\n", false},
		{"a reference to nothing", "spec.cue", src + "\nsystem: nowhere\n", false},
		{"a service written twice", "spec.cue", src + "\nservices: \"svc-0060\": desiredCount: 3\n", false},
		{"a syntax error", "spec.cue", strings.Replace(src, svc(90), svc(90)+"\t\tcpu: : 1\n", 1), false},
		{"environments", "spec.cue", strings.Replace(src, "env:     \"perf\"\n", "", 1) + "\nenvironments: perf: {}\n", false},
		{"an attribute", "spec.cue", "@experiment(aliasv2)\n" + src, false},
		{"a tag", "spec.cue", strings.Replace(src, "env:     \"perf\"", "env: \"perf\" @tag(env)", 1), false},
		{"an @ in a string", "spec.cue", strings.Replace(src, "svc-0120:1.0.0", "svc-0120@sha256:"+strings.Repeat("a", 64), 1), false},
		{"an import", "spec.cue", "import \"strings\"\n\n" + src + "\nsystem: strings.ToLower(\"PERF\")\n", false},
		{"an unused import", "spec.cue", "import \"strings\"\n\n_x: strings.ToLower(\"A\")\n" + src, false},
		{"a byte order mark", "spec.cue", "\xef\xbb\xbf" + src, false},
		{"a name cue/load treats apart", "_spec.cue", src, false},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, v.file)
			if err := os.WriteFile(path, []byte(v.src), 0o644); err != nil {
				t.Fatal(err)
			}
			want, _ := loadDirect(t, []string{path}, Options{}, false)
			t.Logf("through cue/load: a result %v, findings:\n%s", want.res != nil, want.findings)
			for _, c := range []struct {
				label string
				files []string
				opts  Options
			}{
				{"absolute", []string{path}, Options{}},
				{"relative to Dir", []string{v.file}, Options{Dir: dir}},
				{"with a memo", []string{path}, Options{Memo: &mapMemo{m: map[string][]byte{}}}},
				{"through ..", []string{filepath.Join("sub", "..", v.file)}, Options{Dir: dir}},
				{"through . and //", []string{"./" + v.file}, Options{Dir: dir + "//"}},
			} {
				got, taken := loadDirect(t, c.files, c.opts, true)
				if taken != v.taken {
					t.Errorf("%s: directLoad answered: %v, want %v", c.label, taken, v.taken)
				}
				sameLoad(t, c.label, want, got)
			}
		})
	}

	t.Run("a CUE module", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "cue.mod"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cue.mod", "module.cue"), []byte("module: \"example.com/shop\"\nlanguage: version: \"v0.9.0\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "spec.cue")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		want, _ := loadDirect(t, []string{path}, Options{}, false)
		got, taken := loadDirect(t, []string{path}, Options{}, true)
		if taken {
			t.Error("directLoad answered for a file in a CUE module")
		}
		sameLoad(t, "module", want, got)
	})

	t.Run("tags", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "spec.cue")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		want, _ := loadDirect(t, []string{path}, Options{Tags: []string{"env=perf"}}, false)
		got, taken := loadDirect(t, []string{path}, Options{Tags: []string{"env=perf"}}, true)
		if taken {
			t.Error("directLoad answered with -t tags")
		}
		sameLoad(t, "tags", want, got)
	})
}
