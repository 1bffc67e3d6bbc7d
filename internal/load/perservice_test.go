package load

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/ecsgen/ecsgen/internal/benchspec"
)

// TestPerServiceAgrees checks that the per-service path changes nothing: every spec the tests
// know — the examples, the golden and fuzz cases, the specs of the CLI's scripts, generated
// specs, and bad specs at a size where Auto takes the per-service path — loads to the same
// result, the same findings and the same error through the whole-spec path and the
// per-service one (which must fall back to the whole-spec path on any error).
func TestPerServiceAgrees(t *testing.T) {
	dir := t.TempDir()
	specs := examples(t)
	for _, pattern := range []string{"../../testdata/golden/*/spec.cue", "../../testdata/fuzz-seeds/*.cue", "../../examples/*/*.yaml"} {
		m, _ := filepath.Glob(pattern)
		specs = append(specs, m...)
	}
	scripts, _ := filepath.Glob("../../cmd/ecsgen/testdata/script/*.txtar")
	for _, s := range scripts {
		a, err := txtar.ParseFile(s)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range a.Files {
			if ext := filepath.Ext(f.Name); ext != ".cue" && ext != ".yaml" && ext != ".json" {
				continue
			}
			p := filepath.Join(dir, fmt.Sprintf("%s-%d%s", strings.TrimSuffix(filepath.Base(s), ".txtar"), i, filepath.Ext(f.Name)))
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			specs = append(specs, p)
		}
	}
	gen := func(name, src string) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		specs = append(specs, p)
	}
	for _, n := range []int{1, 10, 30} {
		gen(fmt.Sprintf("services-%d.cue", n), benchspec.Spec(n))
	}
	big := benchspec.Spec(30)
	// A bad value in one service of many, a bad service name, an unknown field, a service
	// written in two places, and a missing required field: the whole-spec path's findings.
	gen("bad-value.cue", strings.Replace(big, "memory: ", "memory: -", 1))
	gen("bad-name.cue", big+"services: Bad_Name: services[\"svc-0001\"]\n")
	gen("unknown-field.cue", big+"services: \"svc-0002\": colour: \"red\"\n")
	gen("twice.cue", big+"services: \"svc-0003\": desiredCount: 2\n")
	gen("conflict.cue", big+"services: \"svc-0003\": family: \"other\"\nservices: \"svc-0003\": family: \"another\"\n")
	gen("missing.cue", big+"services: extra: containers: app: memory: 256\n")
	gen("reference.cue", big+"_common: {desiredCount: 3}\nservices: \"svc-0004\": _common\n")
	// A default the user writes that conflicts with the schema's: the whole-spec path finds
	// no value; exporting the service final would pick the user's.
	gen("default.cue", big+"services: \"svc-0005\": assignPublicIp: *true | bool\n")

	// Plain data, which the loader takes from its syntax (plain.go), with a problem in one
	// service or in the rest: the per-service path declines and the whole-spec path answers
	// from the user's value. And two that it answers for: a NUL character, services written
	// in two places.
	gen("plain-unknown-field.cue", strings.Replace(big, "\t\tdesiredCount: 1\n", "\t\tdesiredCount: 1\n\t\tcolour: \"red\"\n", 1))
	gen("plain-bad-name.cue", strings.Replace(big, `"svc-0007": {`, `"Svc_0007": {`, 1))
	gen("plain-missing.cue", strings.Replace(big, "\t\t\t\timage: \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/bench/svc-0000:1.0.0\"\n", "", 1))
	gen("plain-bad-rest.cue", strings.Replace(big, `region:  "eu-west-1"`, `region:  "mars-1"`, 1))
	gen("plain-nul.cue", strings.Replace(big, `LOG_LEVEL:    "info"`, `LOG_LEVEL:    "in\u0000fo"`, 1))
	gen("plain-services-twice.cue", strings.Replace(big, "services: {", "services: \"svc-extra\": containers: app: {image: \"x\", memory: 128}\nservices: {", 1))

	valid := map[string]bool{}
	for _, e := range examples(t) {
		valid[e] = true
	}
	for _, n := range []int{1, 10, 30} {
		valid[filepath.Join(dir, fmt.Sprintf("services-%d.cue", n))] = true
	}
	for _, spec := range specs {
		t.Run(strings.ReplaceAll(strings.TrimPrefix(strings.TrimPrefix(spec, dir+"/"), "../../"), "/", ":"), func(t *testing.T) {
			for _, partial := range []bool{false, true} {
				whole, wholeFindings, wholeErr := Files([]string{spec}, Options{Partial: partial, Evaluation: WholeSpec})
				taken := perServiceTaken.Load()
				per, perFindings, perErr := Files([]string{spec}, Options{Partial: partial, Evaluation: PerService})
				// The comparison means something only if the per-service path answers for
				// valid specs.
				if valid[spec] && perServiceTaken.Load() == taken {
					t.Errorf("the per-service path declined a valid spec")
				}
				if fmt.Sprint(wholeErr) != fmt.Sprint(perErr) {
					t.Fatalf("errors differ:\nwhole spec: %v\nper service: %v", wholeErr, perErr)
				}
				if wholeFindings.String() != perFindings.String() {
					t.Fatalf("findings differ:\nwhole spec:\n%s\nper service:\n%s", wholeFindings, perFindings)
				}
				if !sameResult(whole, per) {
					t.Fatalf("results differ (partial %v)", partial)
				}
				if partial {
					continue
				}
				// With the build cache, cold then warm: the models taken from it are exactly
				// the ones validated (reflect.DeepEqual tells nil from empty), and findings
				// are the same.
				memo := &mapMemo{m: map[string][]byte{}}
				for _, temp := range []string{"cold", "warm"} {
					got, gotFindings, gotErr := Files([]string{spec}, Options{Evaluation: PerService, Memo: memo})
					if fmt.Sprint(wholeErr) != fmt.Sprint(gotErr) || wholeFindings.String() != gotFindings.String() || !sameResult(whole, got) {
						t.Fatalf("with a %s memo, the result differs:\n%v\n%s", temp, gotErr, gotFindings)
					}
				}
				if valid[spec] && len(memo.m) == 0 {
					t.Errorf("a valid spec left nothing in the memo")
				}
			}
		})
	}
}

// mapMemo is a Memo in memory, safe for concurrent use as a Memo must be.
type mapMemo struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (m *mapMemo) Get(kind string, key []byte) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.m[kind+"\x00"+string(key)]
	return b, ok
}

func (m *mapMemo) Put(kind string, key, value []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[kind+"\x00"+string(key)] = value
}

// TestPlainDataNotEvaluated checks that a plain-data spec the per-service path answers for is
// loaded without building the user's value as a whole (counted, plain.go), and that it is
// built, for the whole-spec path, when the spec has a problem or is not plain data.
func TestPlainDataNotEvaluated(t *testing.T) {
	big := benchspec.Spec(30)
	cases := []struct {
		name, src string
		eval      Evaluation
		built     bool // the user's value is built
		findings  int  // how many findings
	}{
		{"valid", big, Auto, false, 0},
		{"valid, per service", big, PerService, false, 0},
		{"services in two places", strings.Replace(big, "services: {", "services: \"svc-extra\": containers: app: {image: \"x\", memory: 128}\nservices: {", 1), Auto, false, 0},
		{"NUL", strings.Replace(big, `LOG_LEVEL:    "info"`, `LOG_LEVEL:    "in\u0000fo"`, 1), Auto, false, 1},
		{"unknown field", strings.Replace(big, "\t\tdesiredCount: 1\n", "\t\tdesiredCount: 1\n\t\tcolour: \"red\"\n", 1), Auto, true, 1},
		{"bad region", strings.Replace(big, `region:  "eu-west-1"`, `region:  "mars-1"`, 1), Auto, true, 1},
		{"whole spec", big, WholeSpec, true, 0},
		{"few services", benchspec.Spec(3), Auto, true, 0},
		{"a reference", big + "_n: 2\nservices: \"svc-0001\": desiredCount: _n\n", Auto, true, 0},
		{"environments", big + "environments: {dev: {}}\n", Auto, true, 1},
	}
	dir := t.TempDir()
	for i, c := range cases {
		p := filepath.Join(dir, fmt.Sprintf("spec-%d.cue", i))
		if err := os.WriteFile(p, []byte(c.src), 0o644); err != nil {
			t.Fatal(err)
		}
		built, taken := userValuesBuilt.Load(), perServiceTaken.Load()
		res, findings, err := Files([]string{p}, Options{Evaluation: c.eval, Partial: true})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := userValuesBuilt.Load() - built; got != map[bool]int64{false: 0, true: 1}[c.built] {
			t.Errorf("%s: the user's value was built %d times", c.name, got)
		}
		if !c.built && perServiceTaken.Load() == taken {
			t.Errorf("%s: the per-service path did not answer", c.name)
		}
		if len(findings) != c.findings {
			t.Errorf("%s: want %d findings, got:\n%s", c.name, c.findings, findings)
		}
		whole, wholeFindings, wholeErr := Files([]string{p}, Options{Evaluation: WholeSpec, Partial: true})
		if wholeErr != nil || wholeFindings.String() != findings.String() || !sameResult(whole, res) {
			t.Errorf("%s: the whole-spec path loads something else: %v\n%s", c.name, wholeErr, wholeFindings)
		}
		if c.findings == 0 && (res == nil || len(res.Spec.Services) == 0) {
			t.Errorf("%s: no services loaded", c.name)
		}
	}
}
