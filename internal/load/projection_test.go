package load

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/schema"
)

// TestProjectionAgrees checks that the projection (projection.go) only ever accepts what
// unifying the service with #Service whole accepts, with the same model: on every service of
// the specs the tests know, and on each of them made wrong in the ways a projection could miss
// (a field the schema does not have, at the top or inside a field left to its default, a bad
// element name, a missing required field, a bad value). The projection runs without the memo of
// results (projmemo.go), with a cold one and with a warm one that every service and variant
// filled: it must take the same services each time, with the same model.
func TestProjectionAgrees(t *testing.T) {
	if schemaProjection() == nil {
		t.Fatal("the schema allows no projection: the per-service path unifies every service with #Service whole")
	}
	w := &serviceWorker{}
	if err := w.compile(); err != nil {
		t.Fatal(err)
	}
	proj := w.proj

	specs := append(knownSpecs(t), []byte(benchspec.Spec(12)))

	wrong := []string{
		`{colour: "red"}`,
		`{deployment: {foo: 1}}`,
		`{deployment: {strategy: "sideways"}}`,
		`{deployment: {circuitBreaker: {enabled: 1}}}`,
		`{runtimePlatform: {cpuArchitecture: "SPARC"}}`,
		`{assignPublicIp: "yes"}`,
		`{logRetentionDays: 2}`,
		`{desiredCount: -1}`,
		`{taskRole: {statements: [{actions: []}]}}`,
		`{taskRole: {bogus: true}}`,
		`{containers: {extra: {image: "x"}}}`, // right, where the bad names below reuse its value
		`{containers: {"Bad Name!": {image: "x"}}}`,
		`{containers: {"-x": {image: "x"}}}`,
		`{containers: {extra: {memory: 256}}}`,
		`{containers: {extra: {image: "x", bogus: 1}}}`,
		`{containers: {extra: {image: "x", log: {driver: "nope"}}}}`,
		`{containers: {extra: {image: "x", log: {bogus: "x"}}}}`,
		`{containers: {extra: {image: "x", healthCheck: {command: ["BAD"]}}}}`,
		`{containers: {extra: {image: "x", secrets: {X: {secretsManager: "a", bogus: 1}}}}}`,
		`{containers: {extra: {image: "has space"}}}`,
		`{containers: {extra: {image: "x", essential: "no"}}}`,
		`{containers: {extra: {image: "x", ports: [{container: 0}]}}}`,
		`{containers: "none"}`,
		`{containers: {extra: "none"}}`,
		`{volumes: {data: {bogus: {}}}}`,
		`{loadBalancer: {name: "x"}}`,
		`{placement: {strategies: [{type: "spread"}, {type: "spread"}, {type: "spread"}, {type: "spread"}, {type: "spread"}, {type: "spread"}]}}`,
		`{calls: ["a", "a"]}`,
		`{runtimePlatform: 1}`,
		`{deployment: null}`,
		`{containers: {extra: {image: "x", memory: 99999999999999999999999}}}`,
		// Literal forms and kinds the checker (checker.go) reads as CUE's compiler does.
		`{desiredCount: 1.0}`,
		`{desiredCount: 1e3}`,
		`{desiredCount: 0x10, cpu: 1_024, memory: 2K}`,
		`{deployment: {canary: {percent: 1e1}, linear: {stepPercent: 2.5}}}`,
		`{deployment: {maximumPercent: 1_001}}`,
		`{logRetentionDays: 30.0}`,
		`{family: #"raw-name"#}`,
		"{family: \"\"\"\n\t\tmulti\n\t\t\"\"\"}",
		`{family: "a\u0062c"}`,
		`{tags: {"\u00e9t\u00e9": "x"}}`,
		`{containers: {extra: {image: "x", environment: {A: "1", B: 2}}}}`,
		`{containers: {extra: {image: "x", secrets: {X: {secretsManager: "name"}}}}}`,
		`{containers: {extra: {image: "x", secrets: {X: {secretsManager: "name", key: "k"}, Y: "/ssm/y"}}}}`,
		`{containers: {extra: {image: "x", healthCheck: {command: ["CMD", "true"], interval: 5}}}}`,
		`{containers: {extra: {image: "x", mountPoints: [{volume: "v", path: "/data"}]}}}`,
		`{taskRole: {managedPolicies: ["arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/A"]}}`,
		`{autoscaling: {min: 1, max: 2, targetTracking: {cpu: {metric: "cpu", target: 60.5}}}}`,
		`{autoscaling: {min: 1, max: 2, targetTracking: {cpu: {metric: {namespace: "N", name: "M"}, target: 1}}}}`,
	}
	var wrongExprs []ast.Expr
	for _, src := range wrong {
		x, err := parser.ParseExpr("wrong", src)
		if err != nil {
			t.Fatal(src, err)
		}
		wrongExprs = append(wrongExprs, x)
	}

	// Every service and variant, with what the whole unification makes of it.
	type variant = projectionVariant
	var variants []variant
	for i, src := range specs {
		for _, svc := range servicesOf(src) {
			for j := range len(wrongExprs) + 1 {
				v := variant{svc: svc, what: fmt.Sprintf("spec %d, service %s as written", i, svc.name)}
				if j > 0 {
					v.svc.expr = ast.NewBinExpr(token.AND, svc.expr, wrongExprs[j-1])
					v.what = fmt.Sprintf("spec %d, service %s with %s", i, svc.name, wrong[j-1])
				}
				w.proj, w.results = nil, nil
				v.valid = w.validate(v.svc, &v.want) == nil
				variants = append(variants, v)
			}
		}
	}

	// The projection without the memo of results, then with a memo of its own for each
	// service (cold), then with one memo shared by every service and variant, three times
	// over: a result is kept the second time its key is met, so the third round takes every
	// field and element that validated anywhere from the memo. Each round runs without the
	// checker (checker.go), then with it: the projection must take the same services, with
	// the same model, either way.
	w.proj = proj
	taken := make([]bool, len(variants))
	check := func(round string, memo func() *projectionMemo) {
		t.Helper()
		for _, checkOff := range []bool{true, false} {
			w.checkOff, w.checked = checkOff, 0
			if checkOff {
				checkRound(t, w, round+", without the checker", variants, taken, memo)
				continue
			}
			checkRound(t, w, round+", with the checker", variants, taken, memo)
			if w.checked < len(variants) {
				t.Errorf("%s: the checker took %d fields of %d services and variants: the comparison means little", round, w.checked, len(variants))
			}
		}
	}
	check("without the memo", func() *projectionMemo { return nil })
	check("with a cold memo", newProjectionMemo)
	shared := newProjectionMemo()
	for round := range 3 {
		before := shared.hits.Load()
		check(fmt.Sprintf("with a shared memo, round %d", round+1), func() *projectionMemo { return shared })
		hits := shared.hits.Load() - before
		t.Logf("round %d: %d results taken from the memo for %d services and variants", round+1, hits, len(variants))
		if round == 2 && hits < int64(len(variants)) {
			t.Errorf("round 3 took %d results from the memo for %d services: the memo is not exercised", hits, len(variants))
		}
	}
}

// projectionVariant is a service, or a wrong variant of one, with what the whole unification
// makes of it.
type projectionVariant struct {
	svc   userService
	what  string
	valid bool
	want  schema.Service
}

// checkRound runs the projection on every variant and compares it with the whole unification
// and, through taken, with the first round (without the memo and the checker).
func checkRound(t *testing.T, w *serviceWorker, round string, variants []projectionVariant, taken []bool, memo func() *projectionMemo) {
	t.Helper()
	{
		n := 0
		for k, v := range variants {
			w.results = memo()
			var got schema.Service
			ok := w.projected(v.svc, &got)
			if round == "without the memo, without the checker" {
				taken[k] = ok
			} else if ok != taken[k] {
				t.Errorf("%s, %s: the projection takes it %v, without the memo and the checker %v", v.what, round, ok, taken[k])
			}
			if !ok {
				continue
			}
			n++
			if !v.valid {
				t.Errorf("%s, %s: the projection accepts it, the whole unification does not", v.what, round)
			} else if !reflect.DeepEqual(got, v.want) {
				t.Errorf("%s, %s: the projection's model differs:\n%+v\nwant\n%+v", v.what, round, got, v.want)
			}
		}
		t.Logf("%s: the projection took %d of %d services and variants", round, n, len(variants))
		if n < 20 {
			t.Errorf("%s, the projection took %d of %d services: the comparison means little", round, n, len(variants))
		}
	}
}

// TestProjectionTaken checks that the projection takes every service of a generated spec, so
// that the per-service path is as cheap as it can be.
func TestProjectionTaken(t *testing.T) {
	w := &serviceWorker{}
	if err := w.compile(); err != nil {
		t.Fatal(err)
	}
	if w.proj == nil {
		t.Fatal("no projection")
	}
	f, err := parser.ParseFile("spec.cue", benchspec.Spec(12))
	if err != nil {
		t.Fatal(err)
	}
	services, _ := servicesFromSyntax([]*ast.File{f})
	for _, svc := range services {
		var s schema.Service
		if !w.projected(svc, &s) {
			t.Errorf("the projection does not take %s", svc.name)
		}
	}
}

// TestProjectionAnalysis checks that a schema whose #Service is not the plain conjunction of
// its fields allows no projection.
func TestProjectionAnalysis(t *testing.T) {
	type container struct {
		Image string `json:"image"`
	}
	type service struct {
		Replicas   int                  `json:"replicas"`
		Min        int                  `json:"min"`
		Containers map[string]container `json:"containers"`
	}
	const base = `package schema

import "strings"

#Label: =~"^[a-z]+$" & strings.MaxRunes(63)

#Spec: {
	system: #Label
	services: {[#Label]: #Service}
}

#Container: {
	image: string
}
`
	good := base + `
#Service: {
	replicas: *1 | int
	min?:     int & >=0
	containers: {[#Label]: #Container}
}
`
	p := analyse([]byte(good), reflect.TypeFor[service]())
	if p == nil {
		t.Fatal("a schema of independent fields allows no projection")
	}
	if c := p.service.fields["containers"]; c == nil || c.elem == nil || c.elemName != "#Label" {
		t.Errorf("containers is not projected element by element: %+v", c)
	}
	// A #Container that cannot be projected leaves containers to be unified whole.
	q := analyse([]byte(strings.Replace(good, "image: string", "image: string\n\ttag: image", 1)), reflect.TypeFor[service]())
	if q == nil || q.service.fields["containers"].elem != nil {
		t.Errorf("a #Container with a sibling reference is projected: %+v", q)
	}
	for name, src := range map[string]string{
		"a sibling reference":         strings.Replace(good, "min?:     int & >=0", "min?:     int & <=replicas", 1),
		"a nested reference":          strings.Replace(good, "min?:     int & >=0", "min?:     {a: int, b: a}", 1),
		"a comprehension":             strings.Replace(good, "min?:     int & >=0", "if true {min?: int}", 1),
		"an embedding":                strings.Replace(good, "min?:     int & >=0", "#Container", 1),
		"a required field":            strings.Replace(good, "min?:", "min!:", 1),
		"a let":                       strings.Replace(good, "min?:     int & >=0", "let x = 1\n\tmin?: x", 1),
		"an ellipsis":                 strings.Replace(good, "min?:     int & >=0", "...", 1),
		"a pattern":                   strings.Replace(good, "min?:     int & >=0", "[string]: int", 1),
		"an alias":                    strings.Replace(good, "min?:     int & >=0", "M=min?: int", 1),
		"services constrained twice":  strings.Replace(good, "system: #Label", "system: #Label\n\tservices: {}", 1),
		"services by another pattern": strings.Replace(good, "services: {[#Label]: #Service}", "services: {[string]: #Service}", 1),
		"a projected name taken":      good + "\n#ecsgenProjected_Service_min: 1\n",
	} {
		if src == good {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		if analyse([]byte(src), reflect.TypeFor[service]()) != nil {
			t.Errorf("a schema with %s allows a projection", name)
		}
	}
}

// knownSpecs are the specs the tests know: the examples', the golden tests', the fuzz seeds'
// and the scripts'.
func knownSpecs(t *testing.T) [][]byte {
	t.Helper()
	var specs [][]byte
	var files []string
	for _, pattern := range []string{"../../examples/*/spec.cue", "../../testdata/golden/*/spec.cue", "../../testdata/fuzz-seeds/*.cue"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, b)
	}
	scripts, _ := filepath.Glob("../../cmd/ecsgen/testdata/script/*.txtar")
	for _, s := range scripts {
		a, err := txtar.ParseFile(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range a.Files {
			if filepath.Ext(f.Name) == ".cue" {
				specs = append(specs, f.Data)
			}
		}
	}
	return specs
}

// servicesOf are the services of a spec written as plain data, or none.
func servicesOf(src []byte) []userService {
	f, err := parser.ParseFile("spec.cue", src)
	if err != nil {
		return nil
	}
	services, ok := servicesFromSyntax([]*ast.File{f})
	if !ok {
		return nil
	}
	return services
}
