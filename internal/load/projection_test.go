package load

import (
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
// element name, a missing required field, a bad value).
func TestProjectionAgrees(t *testing.T) {
	if schemaProjection() == nil {
		t.Fatal("the schema allows no projection: the per-service path unifies every service with #Service whole")
	}
	w := &serviceWorker{}
	if err := w.compile(); err != nil {
		t.Fatal(err)
	}
	proj := w.proj

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
	specs = append(specs, []byte(benchspec.Spec(12)))

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
	}
	var wrongExprs []ast.Expr
	for _, src := range wrong {
		x, err := parser.ParseExpr("wrong", src)
		if err != nil {
			t.Fatal(src, err)
		}
		wrongExprs = append(wrongExprs, x)
	}

	taken, checked := 0, 0
	for i, src := range specs {
		f, err := parser.ParseFile("spec.cue", src)
		if err != nil {
			continue
		}
		services, ok := servicesFromSyntax([]*ast.File{f})
		if !ok {
			continue
		}
		for _, svc := range services {
			variants := []userService{svc}
			for _, x := range wrongExprs {
				variants = append(variants, userService{name: svc.name, expr: ast.NewBinExpr(token.AND, svc.expr, x)})
			}
			for j, v := range variants {
				var got schema.Service
				w.proj = proj
				ok := w.projected(v, &got)
				w.proj = nil
				var want schema.Service
				err := w.validate(v, &want)
				checked++
				if !ok {
					continue
				}
				taken++
				what := "as written"
				if j > 0 {
					what = "with " + wrong[j-1]
				}
				if err != nil {
					t.Errorf("spec %d, service %s %s: the projection accepts it, the whole unification does not", i, svc.name, what)
				} else if !reflect.DeepEqual(got, want) {
					t.Errorf("spec %d, service %s %s: the projection's model differs:\n%+v\nwant\n%+v", i, svc.name, what, got, want)
				}
			}
		}
	}
	if taken < 20 {
		t.Errorf("the projection took %d of %d services: the comparison means little", taken, checked)
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
