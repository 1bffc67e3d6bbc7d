package load

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/load"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/schema"
)

// TestNothingMissingWhenValid guards a shortcut of check: the walk for missing required fields
// runs only when CUE's validation fails, because a spec that validates as concrete lacks no
// required field. So on every valid spec the walk must find nothing — if it ever did, a field
// the walker calls required would have a value anyway, and the walker would be wrong.
func TestNothingMissingWhenValid(t *testing.T) {
	ctx, spec, err := compiledSchema()
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range validSpecs(t) {
		inst := load.Instances([]string{file}, nil)[0]
		if inst.Err != nil {
			t.Fatal(inst.Err)
		}
		for _, user := range envValues(t, ctx, ctx.BuildInstance(inst)) {
			if err := spec.Unify(user).Validate(cue.All(), cue.Concrete(true)); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			w := walker{ctx: ctx, positions: diag.Positions{}}
			w.missing(spec, user, "")
			if len(w.findings) > 0 {
				t.Errorf("%s validates, yet the walker finds missing fields:\n%s", file, w.findings)
			}
		}
	}
}

// validSpecs are the examples and generated specs of a few sizes (internal/benchspec).
func validSpecs(t *testing.T) []string {
	t.Helper()
	files := examples(t)
	dir := t.TempDir()
	for _, n := range []int{1, 10, 40} {
		p := filepath.Join(dir, fmt.Sprintf("services-%d.cue", n))
		if err := os.WriteFile(p, []byte(benchspec.Spec(n)), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	return files
}

// TestDecodeAgrees checks that decode, the loader's fast decoder, gives exactly what
// Value.Decode gives.
func TestDecodeAgrees(t *testing.T) {
	ctx, spec, err := compiledSchema()
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range validSpecs(t) {
		inst := load.Instances([]string{file}, nil)[0]
		if inst.Err != nil {
			t.Fatal(inst.Err)
		}
		for _, user := range envValues(t, ctx, ctx.BuildInstance(inst)) {
			v := spec.Unify(user)
			if err := v.Validate(cue.All(), cue.Concrete(true)); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			var want, got schema.Spec
			if err := v.Decode(&want); err != nil {
				t.Fatal(err)
			}
			if err := new(decoder).decode(v, reflect.ValueOf(&got).Elem()); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(want, got) {
				t.Errorf("%s: decode differs from Value.Decode\nValue.Decode: %+v\ndecode:       %+v", file, want, got)
			}
		}
	}
}

// TestSyntaxPositionsAgree checks the loader's fast position walk (from the syntax of plain
// data specs) against the walk of the evaluated value: same positions, same NUL findings. It
// also checks that the fast walk applies to the examples and the generated specs, and that it
// declines what it cannot see in syntax alone.
func TestSyntaxPositionsAgree(t *testing.T) {
	ctx, _, err := compiledSchema()
	if err != nil {
		t.Fatal(err)
	}
	plain, declined := syntaxSpecs(t)
	run := func(files []string) (user cue.Value, syntax []*ast.File) {
		inst := load.Instances(files, nil)[0]
		if inst.Err != nil {
			t.Fatal(inst.Err)
		}
		return ctx.BuildInstance(inst), inst.Files
	}
	for name, files := range plain {
		user, syntax := run(files)
		var fromValue, fromSyntax diag.List
		want := positioner{out: diag.Positions{}, names: map[string]string{}}
		want.collect(user, "", &fromValue)
		// With the value (the root and the structs written twice from it), and without.
		got := positioner{out: diag.Positions{}, names: map[string]string{}}
		if !got.fromSyntax(user, syntax, &fromSyntax) {
			t.Errorf("%s: the syntax walk declined a plain data spec", name)
			continue
		}
		var alone diag.List
		syntaxOnly := positioner{out: diag.Positions{}, names: map[string]string{}}
		if !syntaxOnly.fromSyntax(cue.Value{}, syntax, &alone) {
			t.Errorf("%s: the syntax walk without the value declined a plain data spec", name)
			continue
		}
		if !reflect.DeepEqual(got.out, syntaxOnly.out) || !reflect.DeepEqual(fromSyntax, alone) {
			for p, pos := range got.out {
				if syntaxOnly.out[p] != pos {
					t.Errorf("%s: %q: with the value %v, without %v", name, p, pos, syntaxOnly.out[p])
				}
			}
			t.Errorf("%s: the syntax walk without the value differs from the walk with it", name)
		}
		if !reflect.DeepEqual(want.out, got.out) {
			for p, pos := range want.out {
				if got.out[p] != pos {
					t.Errorf("%s: %q: value walk %v, syntax walk %v", name, p, pos, got.out[p])
				}
			}
			for p, pos := range got.out {
				if _, ok := want.out[p]; !ok {
					t.Errorf("%s: %q: only the syntax walk has it (%v)", name, p, pos)
				}
			}
		}
		if !reflect.DeepEqual(fromValue.Dedup(), fromSyntax.Dedup()) {
			t.Errorf("%s: findings differ\nvalue walk:\n%s\nsyntax walk:\n%s", name, fromValue, fromSyntax)
		}
		if name == "nul" && len(fromSyntax) != 2 {
			t.Errorf("nul: want 2 NUL findings, got:\n%s", fromSyntax)
		}
	}
	for name, files := range declined {
		user, syntax := run(files)
		var findings diag.List
		p := positioner{out: diag.Positions{}, names: map[string]string{}}
		if p.fromSyntax(user, syntax, &findings) {
			t.Errorf("%s: the syntax walk accepted a spec it cannot see whole", name)
		}
		if len(p.out) > 0 || len(findings) > 0 {
			t.Errorf("%s: a declined syntax walk left results behind", name)
		}
	}
}

// syntaxSpecs are the specs the syntax walk of positions applies to (plain data: the examples
// without @tag, the generated specs, and specs written for the walk's cases), and specs it
// declines, each as its files.
func syntaxSpecs(t *testing.T) (plain, declined map[string][]string) {
	t.Helper()
	dir := t.TempDir()
	specFile := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain = map[string][]string{}
	var withTags []string
	for _, f := range validSpecs(t) {
		if data, err := os.ReadFile(f); err == nil && strings.Contains(string(data), "@tag(") {
			withTags = append(withTags, f) // a spec with @tag is not plain data
			continue
		}
		plain[f] = []string{f}
	}
	plain["nul"] = []string{specFile("nul.cue", minimal+"services: web: containers: web: {image: \"nginx\", memory: 256, environment: A: \"x\\u0000y\", command: [\"a\", \"b\\u0000\"]}\n")}
	plain["shorthand and lists"] = []string{specFile("short.cue", "// a comment\n"+minimal+"services: web: containers: web: {\n\timage: \"nginx\"\n\tmemory: 256\n\tports: [{container: 80}, {container: 443, host: 443}]\n}\n")}
	plain["struct written twice"] = []string{specFile("twice.cue", minimal+"services: web: containers: web: {image: \"nginx\", memory: 256}\nservices: api: desiredCount: -1\nservices: {web: desiredCount: 2, api: containers: api: image: \"x\"}\n")}
	// Many services, as the loader reads them service by service (plain.go): a NUL character
	// inside a service, and services written in several places, one of them twice with a
	// struct inside it written twice.
	big := benchspec.Spec(30)
	plain["many services, NUL"] = []string{specFile("big-nul.cue", strings.Replace(big, `LOG_LEVEL:    "info"`, `LOG_LEVEL:    "in\u0000fo"`, 1))}
	plain["many services, in several places"] = []string{specFile("big-split.cue", strings.Replace(big, "services: {", "services: \"svc-extra\": containers: app: {image: \"x\", memory: 128}\nservices: {", 1)+
		"services: \"svc-0003\": containers: app: environment: EXTRA: \"1\"\nservices: \"svc-extra\": containers: app: environment: A: \"a\\u0000\"\n")}
	plain["two files"] = []string{specFile("a.cue", minimal), specFile("b.cue", "services: web: containers: web: {image: #\"nginx\"#, memory: 256}\n")}
	// Structs written in several places, within a file and across files whose first
	// declarations are a package clause after a comment, or a field.
	plain["structs written in several places"] = []string{
		specFile("e.cue", "package spec\n\n"+minimal+"services: web: containers: web: image: \"nginx\"\nservices: {\n\tweb: desiredCount: 2\n\tapi: {\n\t\tdesiredCount: 1\n\t}\n}\nservices: web: containers: web: memory: 256\ntags: {a: \"1\"}\ntags: b: \"2\"\n"),
		specFile("f.cue", "// the API\npackage spec\n\nservices: api: containers: api: {image: \"x\", memory: 256}\ntags: c: \"3\"\nservices: api: {family: \"api\"}\n"),
		specFile("g.cue", "package spec\nservices: api: containers: api: cpu: 256\n"),
	}
	declined = map[string][]string{
		"reference":        {specFile("ref.cue", minimal+"_img: \"nginx\"\nservices: web: containers: web: {image: _img, memory: 256}\n")},
		"scalar twice":     {specFile("scalar.cue", minimal+"services: web: desiredCount: 2\nservices: web: desiredCount: 2\n")},
		"list twice":       {specFile("list.cue", minimal+"services: web: containers: web: command: [\"a\"]\nservices: web: containers: web: command: [\"a\"]\n")},
		"tag":              {specFile("tag.cue", minimal+"services: web: containers: web: {image: \"nginx\" @tag(image), memory: 256}\n")},
		"interpolation":    {specFile("interp.cue", minimal+"services: web: containers: web: {image: \"nginx:\\(1+1)\", memory: 256}\n")},
		"optional field":   {specFile("opt.cue", minimal+"services: web: containers: web: {image: \"nginx\", memory?: 256}\n")},
		"comprehension":    {specFile("comp.cue", minimal+"services: {for n in [\"a\"] {(n): containers: web: {image: \"nginx\", memory: 256}}}\n")},
		"across two files": {specFile("c.cue", minimal+"services: web: desiredCount: 2\n"), specFile("d.cue", "services: web: desiredCount: 3\n")},
		"optional service": {specFile("optsvc.cue", minimal+"services: web?: containers: web: {image: \"nginx\", memory: 256}\n")},
		"bytes":            {specFile("bytes.cue", minimal+"services: web: containers: web: {image: 'nginx', memory: 256}\n")},
		"dotted names":     {specFile("dotted.cue", minimal+"services: web: containers: {}\nservices: \"web.containers\": 1\n")},
		// Many services: one that is not valid, then one that is not plain data.
		"many services, the last not plain": {specFile("big-bytes.cue", strings.Replace(strings.Replace(big, "memory: ", "memory: -", 1), `"svc-0029": {`, `"svc-0029": {family: 'bytes'`+"\n", 1))},
	}
	for _, f := range withTags {
		declined[f] = []string{f}
	}
	return plain, declined
}

// envValues are the values of a spec's environments as the loader builds them (the defaults
// with each environment's overrides merged in), or the spec itself without environments.
func envValues(t *testing.T, ctx *cue.Context, user cue.Value) []cue.Value {
	t.Helper()
	envs := user.LookupPath(cue.ParsePath("environments"))
	if !envs.Exists() {
		return []cue.Value{user}
	}
	it, err := envs.Fields()
	if err != nil {
		t.Fatal(err)
	}
	var out []cue.Value
	for it.Next() {
		out = append(out, merge(ctx, user, it.Value(), true).FillPath(cue.ParsePath("env"), selectorLabel(it.Selector())))
	}
	return out
}
