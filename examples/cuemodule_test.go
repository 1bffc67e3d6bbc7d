package examples_test

// The schema as a CUE module (schema/cue.mod, written for users by `ecsgen schema
// --cue-module`): every example, imported into a CUE module of its own the way the README
// shows, is checked by the plain cue command, and CUE's merge of a spec's environments
// (#Environments in schema/environments.cue) gives exactly the environments ecsgen builds
// (internal/load/env.go merges them in Go).

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/load"

	ecsload "github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/schema"
)

var topLevelEnvironments = regexp.MustCompile(`(?m)^environments:`)

// cueModuleSpecs are the example specs and the golden cases' specs.
func cueModuleSpecs(t *testing.T) []string {
	t.Helper()
	var specs []string
	for _, pattern := range []string{"*/spec.cue", "../testdata/golden/*/spec.cue"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, m...)
	}
	if len(specs) < 8 {
		t.Fatalf("found only %d specs", len(specs))
	}
	return specs
}

// importingModule writes, under a new temporary directory, the schema's CUE module (the files
// ecsgen schema --cue-module writes) and a CUE module of the user's whose spec.cue is src
// importing it: schema.#Spec & {…}, or schema.#Environments & {…} for a spec with
// environments. It returns the user's module directory. src (an example) has no package
// clause or imports of its own.
func importingModule(t *testing.T, src []byte) (dir string, multi bool) {
	t.Helper()
	root := t.TempDir()
	for rel, data := range schema.ModuleFiles() {
		name := filepath.Join(root, "ecsgen-schema", filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	multi = topLevelEnvironments.Match(src)
	def := "#Spec"
	if multi {
		def = "#Environments"
	}
	dir = filepath.Join(root, "shop")
	files := map[string]string{
		"cue.mod/module.cue": "module: \"example.com/shop@v0\"\nlanguage: version: \"v0.17.0\"\n" +
			"deps: \"" + schema.ModulePath + "\": v: \"v0.0.0\"\n",
		"cue.mod/local-module.cue": "deps: \"" + schema.ModulePath + "\": replaceWith: \"../ecsgen-schema\"\n",
		"spec.cue": "package shop\n\nimport \"" + schema.ModulePath + "\"\n\nschema." + def + " & {\n" +
			string(src) + "\n}\n",
	}
	for rel, data := range files {
		name := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, multi
}

// CUE's #Environment.<name> is, field for field, the environment ecsgen builds; a spec without
// environments unified with #Spec is the spec ecsgen builds. In process, with cuelang.org/go:
// no cue command needed.
func TestCUEModuleEnvironmentsAreEcsgens(t *testing.T) {
	t.Setenv("CUE_REGISTRY", "none") // the local replacement only: never a registry
	ctx := cuecontext.New()
	checkedMulti := false
	for _, spec := range cueModuleSpecs(t) {
		src, err := os.ReadFile(spec)
		if err != nil {
			t.Fatal(err)
		}
		res, findings, err := ecsload.Files([]string{spec}, ecsload.Options{})
		if err != nil || len(findings) > 0 {
			t.Fatalf("%s: ecsgen does not load it: %v %v", spec, err, findings)
		}
		dir, multi := importingModule(t, src)
		checkedMulti = checkedMulti || multi
		insts := load.Instances([]string{"."}, &load.Config{Dir: dir})
		if insts[0].Err != nil {
			t.Fatalf("%s: %v", spec, insts[0].Err)
		}
		v := ctx.BuildInstance(insts[0])
		if err := v.Validate(); err != nil {
			t.Errorf("%s: CUE reports %v", spec, err)
			continue
		}
		for _, env := range res.Envs {
			ev := v
			if multi {
				ev = v.LookupPath(cue.MakePath(cue.Def("#Environment"), cue.Str(env.Name)))
			}
			var got schema.Spec
			if err := ev.Decode(&got); err != nil {
				t.Errorf("%s: environment %s: CUE's value does not decode: %v", spec, env.Name, err)
				continue
			}
			a, _ := json.MarshalIndent(env.Spec, "", " ")
			b, _ := json.MarshalIndent(&got, "", " ")
			if !bytes.Equal(a, b) {
				t.Errorf("%s: environment %s: CUE's merge differs from ecsgen's:\n%s", spec, env.Name, firstDifference(string(a), string(b)))
			}
		}
	}
	if !checkedMulti {
		t.Fatal("no spec with environments among the examples")
	}
}

// firstDifference shows the line where two texts first differ, with a little context.
func firstDifference(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			from := max(0, i-3)
			return "ecsgen: …" + strings.Join(al[from:min(len(al), i+2)], "\n") + "\ncue:    …" + strings.Join(bl[from:min(len(bl), i+2)], "\n")
		}
	}
	return "(one is a prefix of the other)"
}

// CUE cannot recurse, so #Environments' merge is unrolled to _mergeDepth levels: more than the
// deepest nesting of structs and maps a spec can have (the Go model's), or an override that
// deep would fail in CUE while ecsgen merges it.
func TestCUEModuleMergeIsDeepEnough(t *testing.T) {
	m := regexp.MustCompile(`(?m)^_mergeDepth: ([0-9]+)$`).FindSubmatch(schema.EnvironmentsCUE)
	if m == nil {
		t.Fatal("schema/environments.cue sets no _mergeDepth")
	}
	unrolled, _ := strconv.Atoi(string(m[1]))
	var depth func(reflect.Type, int) int
	depth = func(ty reflect.Type, seen int) int {
		if seen > 64 {
			t.Fatalf("%s nests itself: a spec can be deeper than any unrolled merge", ty)
		}
		switch ty.Kind() {
		case reflect.Pointer:
			return depth(ty.Elem(), seen)
		case reflect.Map:
			return 1 + depth(ty.Elem(), seen+1)
		case reflect.Struct:
			d := 0
			for i := range ty.NumField() {
				if ty.Field(i).IsExported() {
					d = max(d, depth(ty.Field(i).Type, seen+1))
				}
			}
			return 1 + d
		}
		return 0 // scalars and lists: an override replaces them whole
	}
	if d := depth(reflect.TypeFor[schema.Spec](), 0); d >= unrolled {
		t.Errorf("a spec nests structs %d deep; #Environments merges only %d levels: raise _mergeDepth in schema/environments.cue", d, unrolled)
	} else {
		t.Logf("structs nest %d deep; the merge is unrolled to %d levels", d, unrolled)
	}
}

// The real cue command (the version of cuelang.org/go in go.mod, installed by .ci/run) checks
// every example imported from the schema's module: cue vet -c passes, a mistake fails it, and
// for a spec with environments cue export -e '#Environment' gives every environment whole.
func TestCUEModuleCueVet(t *testing.T) {
	required := os.Getenv("ECSGEN_REQUIRE_GATE") == "1"
	if testing.Short() && !required {
		t.Skip("-short: runs the cue command")
	}
	cueCmd, err := exec.LookPath("cue")
	if err != nil {
		if gopath, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			p := filepath.Join(strings.TrimSpace(string(gopath)), "bin", "cue")
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				cueCmd = p
			}
		}
	}
	if cueCmd == "" {
		msg := "the cue command is not installed (go install cuelang.org/go/cmd/cue@" + cueModuleVersion(t) + ")"
		if required {
			t.Fatal(msg + " (ECSGEN_REQUIRE_GATE=1)")
		}
		t.Skip(msg)
	}
	out, err := exec.Command(cueCmd, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "cue version " + cueModuleVersion(t) + "\n"; !strings.HasPrefix(string(out), want) {
		t.Fatalf("%s is not the version go.mod uses: %q, want %q", cueCmd, strings.SplitN(string(out), "\n", 2)[0], strings.TrimSpace(want))
	}
	cue := func(dir string, args ...string) (string, error) {
		cmd := exec.Command(cueCmd, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "CUE_REGISTRY=none") // the local replacement only
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, spec := range cueModuleSpecs(t) {
		src, err := os.ReadFile(spec)
		if err != nil {
			t.Fatal(err)
		}
		dir, multi := importingModule(t, src)
		if out, err := cue(dir, "vet", "-c", "."); err != nil {
			t.Errorf("%s: cue vet -c: %v\n%s", spec, err, out)
		}
		if multi {
			if out, err := cue(dir, "export", "-e", "#Environment", "."); err != nil {
				t.Errorf("%s: cue export -e '#Environment': %v\n%s", spec, err, out)
			}
		}
		// A misspelt field fails the same check; in a spec with environments, also in an
		// environment's override, where only #Environments' merge sees it.
		bad := string(src) + "\nservics: {}\n"
		if multi {
			res, _, err := ecsload.Files([]string{spec}, ecsload.Options{})
			if err != nil || res == nil {
				t.Fatalf("%s: %v", spec, err)
			}
			bad = string(src) + "\nenvironments: " + strconv.Quote(res.Envs[len(res.Envs)-1].Name) + ": clustr: {}\n"
		}
		dir, _ = importingModule(t, []byte(bad))
		if out, err := cue(dir, "vet", "-c", "."); err == nil || !strings.Contains(out, "field not allowed") {
			t.Errorf("%s: cue vet -c passes a misspelt field (%v):\n%s", spec, err, out)
		}
	}
}

// cueModuleVersion is the version of cuelang.org/go that go.mod requires.
func cueModuleVersion(t *testing.T) string {
	t.Helper()
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*cuelang\.org/go (v\S+)`).FindSubmatch(gomod)
	if m == nil {
		t.Fatal("go.mod does not require cuelang.org/go")
	}
	return string(m[1])
}
