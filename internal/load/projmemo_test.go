package load

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/schema"
)

// memoWorker is a worker with the projection and a memo of results of its own.
func memoWorker(t *testing.T) *serviceWorker {
	t.Helper()
	w := &serviceWorker{}
	if err := w.compile(); err != nil {
		t.Fatal(err)
	}
	if w.proj == nil {
		t.Fatal("no projection")
	}
	w.results = newProjectionMemo()
	return w
}

// parseService is a service written as src, named name.
func parseService(t *testing.T, name, src string) userService {
	t.Helper()
	x, err := parser.ParseExpr(name, src)
	if err != nil {
		t.Fatal(err)
	}
	return userService{name: name, expr: x}
}

// TestProjectionMemoDoesNotAlias checks that a result taken from the memo is the service's
// own: changing every map, slice, pointer and value of one service's model leaves the model of
// another service that wrote the same values as it was, and what the memo gives the next one.
func TestProjectionMemoDoesNotAlias(t *testing.T) {
	w := memoWorker(t)
	f, err := parser.ParseFile("spec.cue", benchspec.Spec(1))
	if err != nil {
		t.Fatal(err)
	}
	services, _ := servicesFromSyntax([]*ast.File{f})
	svc := services[0]

	var want schema.Service
	proj := w.proj
	w.proj = nil
	if err := w.validate(svc, &want); err != nil {
		t.Fatal(err)
	}
	w.proj = proj

	project := func() *schema.Service {
		t.Helper()
		var s schema.Service
		if !w.projected(svc, &s) {
			t.Fatalf("the projection does not take %s", svc.name)
		}
		if !reflect.DeepEqual(s, want) {
			t.Fatalf("the projection's model differs:\n%+v\nwant\n%+v", s, want)
		}
		return &s
	}
	// A result is kept the second time its key is met: the third service takes every field.
	project()
	a := project()
	before := w.results.hits.Load()
	b := project()
	if w.results.hits.Load() == before {
		t.Fatal("the third service took nothing from the memo")
	}
	scribble(reflect.ValueOf(a).Elem())
	if reflect.DeepEqual(*a, want) {
		t.Fatal("scribble changed nothing")
	}
	if !reflect.DeepEqual(*b, want) {
		t.Errorf("changing the model of the service whose results the memo kept changed another's:\n%+v\nwant\n%+v", *b, want)
	}
	scribble(reflect.ValueOf(b).Elem())
	project() // fails if the memo's results were changed through a or b
}

// scribble changes every value within v in place: through a map, a slice or a pointer shared
// with another value, that value changes too.
func scribble(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			scribble(v.Field(i))
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			scribble(e)
			v.SetMapIndex(k, e)
		}
		if v.Type().Key().Kind() == reflect.String {
			v.SetMapIndex(reflect.ValueOf("scribbled").Convert(v.Type().Key()), reflect.New(v.Type().Elem()).Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			scribble(v.Index(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			scribble(v.Elem())
		}
	case reflect.String:
		v.SetString(v.String() + "~")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(v.Uint() + 1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(v.Float() + 1)
	}
}

// TestProjectionMemoKeyHasDefinition checks that a result is kept for the definition it was
// validated against: a value valid for one field (memory: 100) is not taken for another field
// of the same Go type whose schema refuses it (cpu: at least 128), nor the other way round
// (ephemeralStorage: at most 200).
func TestProjectionMemoKeyHasDefinition(t *testing.T) {
	const base = `{containers: app: image: "nginx:1.27"} & `
	for _, c := range []struct{ valid, invalid string }{
		{`{memory: 100}`, `{cpu: 100}`},
		{`{cpu: 1024}`, `{ephemeralStorage: 1024}`},
	} {
		w := memoWorker(t)
		valid := parseService(t, "web", base+c.valid)
		invalid := parseService(t, "web", base+c.invalid)

		proj := w.proj
		w.proj = nil
		var s schema.Service
		if err := w.validate(valid, &s); err != nil {
			t.Fatalf("%s: %v", c.valid, err)
		}
		if w.validate(invalid, &s) == nil {
			t.Fatalf("%s is valid", c.invalid)
		}
		w.proj = proj

		for range 3 {
			if !w.projected(valid, &s) {
				t.Fatalf("the projection does not take %s", c.valid)
			}
		}
		if w.results.hits.Load() == 0 {
			t.Fatalf("%s: nothing taken from the memo", c.valid)
		}
		if w.projected(invalid, &s) {
			t.Errorf("after %s, the projection accepts %s", c.valid, c.invalid)
		}
	}
}

// TestProjectionMemoInLoad checks that the workers of a load use a memo: loading a spec whose
// services repeat a sidecar container takes results from it, and the spec loads as the
// whole-spec path loads it.
func TestProjectionMemoInLoad(t *testing.T) {
	p := filepath.Join(t.TempDir(), "spec.cue")
	if err := os.WriteFile(p, []byte(benchspec.Spec(30)), 0o644); err != nil {
		t.Fatal(err)
	}
	hits := projectionMemoHits.Load()
	res, findings, err := Files([]string{p}, Options{Evaluation: PerService})
	if err != nil || res == nil {
		t.Fatalf("the spec does not load: %v\n%s", err, findings)
	}
	if projectionMemoHits.Load() == hits {
		t.Error("the load took nothing from the memo of the projection's results")
	}
	whole, _, err := Files([]string{p}, Options{Evaluation: WholeSpec})
	if err != nil || !sameResult(whole, res) {
		t.Errorf("the whole-spec path loads something else: %v", err)
	}
}
