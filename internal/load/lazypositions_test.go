package load

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/parser"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	rules "github.com/ecsgen/ecsgen/internal/check"
	"github.com/ecsgen/ecsgen/internal/diag"
)

// sameResult reports whether two results are the same, their positions read in full: a
// diag.Lazy (the per-service path on plain data) is compared, path by path, with the map of
// the whole-spec path.
func sameResult(a, b *Result) bool {
	return reflect.DeepEqual(readAll(a), readAll(b))
}

func readAll(r *Result) *Result {
	if r == nil {
		return nil
	}
	c := *r
	c.Positions = allPositions(r.Positions)
	c.Envs = slices.Clone(r.Envs)
	for i := range c.Envs {
		c.Envs[i].Positions = allPositions(c.Envs[i].Positions)
	}
	return &c
}

func allPositions(l diag.Locator) diag.Locator {
	if lazy, ok := l.(*diag.Lazy); ok {
		return lazy.All()
	}
	return l
}

// TestPositionsReadOnDemand checks that loading and checking a valid plain-data spec reads the
// positions of none of its services, and that a path in one service then reads that service's
// positions, once, and gives exactly the position the whole-spec path gives.
func TestPositionsReadOnDemand(t *testing.T) {
	p := filepath.Join(t.TempDir(), "spec.cue")
	if err := os.WriteFile(p, []byte(benchspec.Spec(30)), 0o644); err != nil {
		t.Fatal(err)
	}
	read, taken := servicePositionsRead.Load(), perServiceTaken.Load()
	res, findings, err := Files([]string{p}, Options{})
	if err != nil || res == nil || len(findings) > 0 {
		t.Fatalf("the spec does not load: %v\n%s", err, findings)
	}
	if perServiceTaken.Load() == taken {
		t.Fatal("the per-service path did not answer")
	}
	if _, ok := res.Positions.(*diag.Lazy); !ok {
		t.Fatalf("positions %T, want *diag.Lazy", res.Positions)
	}
	if f := rules.Spec(res.Spec, res.Positions); len(f) > 0 {
		t.Fatalf("the rules find:\n%s", f)
	}
	if n := servicePositionsRead.Load() - read; n != 0 {
		t.Fatalf("a valid spec read the positions of %d services", n)
	}
	whole, _, err := Files([]string{p}, Options{Evaluation: WholeSpec})
	if err != nil || whole == nil {
		t.Fatal(err)
	}
	if _, ok := whole.Positions.(diag.Positions); !ok {
		t.Fatalf("whole-spec positions %T, want diag.Positions", whole.Positions)
	}
	// The rest of the spec reads no service.
	for _, path := range []string{"", "region", "cluster.capacity.ec2.general.size.max", "services", "loadBalancers.lb-0"} {
		if got, want := res.Positions.Of(path), whole.Positions.Of(path); got != want || want.Line == 0 && path != "" {
			t.Errorf("%q: %v, want %v", path, got, want)
		}
	}
	if n := servicePositionsRead.Load() - read; n != 0 {
		t.Fatalf("paths outside the services read the positions of %d services", n)
	}
	// A finding's path in service 17, and an unknown path under it (its nearest ancestor).
	for _, path := range []string{
		"services.svc-0017.containers.app.memory",
		"services.svc-0017.containers.app.environment.LOG_LEVEL",
		"services.svc-0017.containers.app.ports[1].container",
		"services.svc-0017.containers.app.noSuchField.deeper",
		"services.svc-0017",
	} {
		got, want := res.Positions.Of(path), whole.Positions.Of(path)
		if got != want || want.Line < 20 {
			t.Errorf("%q: %v, want %v", path, got, want)
		}
	}
	if n := servicePositionsRead.Load() - read; n != 1 {
		t.Errorf("paths in one service read the positions of %d services", n)
	}
	if got, want := res.Positions.Of("services.svc-0029.desiredCount"), whole.Positions.Of("services.svc-0029.desiredCount"); got != want {
		t.Errorf("services.svc-0029.desiredCount: %v, want %v", got, want)
	}
	if n := servicePositionsRead.Load() - read; n != 2 {
		t.Errorf("paths in two services read the positions of %d services", n)
	}
	// The positions of the parts of the spec, which generation keeps, read no service.
	parts := res.Positions.(*diag.Lazy).Shallow()
	wholeParts := diag.ShallowPositions(whole.Positions.(diag.Positions))
	if !reflect.DeepEqual(parts, wholeParts) {
		t.Errorf("the positions of the parts differ from the whole-spec path's")
	}
	// A service's own position is known without reading it.
	if got, want := res.Positions.Of("services.svc-0005"), whole.Positions.Of("services.svc-0005"); got != want {
		t.Errorf("services.svc-0005: %v, want %v", got, want)
	}
	for _, path := range []string{"services.svc-0005", "services.svc-0006.containers.app", "network.vpc", "cluster"} {
		if got, want := parts.Of(path), wholeParts.Of(path); got != want || want.Line == 0 {
			t.Errorf("parts: %q: %v, want %v", path, got, want)
		}
	}
	if n := servicePositionsRead.Load() - read; n != 2 {
		t.Errorf("the positions of the parts read the positions of %d more services", n-2)
	}
	if !sameResult(whole, res) {
		t.Error("the per-service path's positions, all read, differ from the whole-spec path's")
	}
}

// TestServiceSpanRead checks the two ways a service's positions are read on demand: its field
// parsed alone at its lines and columns, and, should that not give the service, the whole
// file parsed again. Both give what the worker's walk (fromService) gives, for every service
// of the specs TestServicePositionsAgree reads, quickService taking most of them.
func TestServiceSpanRead(t *testing.T) {
	plain, _ := syntaxSpecs(t)
	quick := 0
	for name, files := range plain {
		inst := load.Instances(files, nil)[0]
		if inst.Err != nil {
			t.Fatal(inst.Err)
		}
		src := sourcesFrom(inst)
		services, ok := servicesFromSyntax(inst.Files)
		if !ok {
			t.Fatalf("%s: no services", name)
		}
		var labels []string
		for _, svc := range services {
			want := positioner{out: diag.Positions{}, names: map[string]string{}}
			var findings diag.List
			took := want.fromService(svc.decls, &findings)
			if !quickService(svc.decls, &labels) {
				continue
			}
			if len(labels) != 0 {
				t.Fatalf("%s: quickService left %d labels in its scratch", name, len(labels))
			}
			if !took || len(findings) > 0 {
				t.Fatalf("%s: %s: quickService takes a service fromService declines or finds problems in: %v %s", name, svc.name, took, findings)
			}
			quick++
			span, ok := src.spanOf(svc.name, svc.decls[0])
			if !ok {
				t.Fatalf("%s: %s: no span", name, svc.name)
			}
			samePositions(t, name+": "+svc.name+", its field alone", want.out, span.read())
			// A span that is not the service's field (it starts one byte late): the whole file.
			late := *span
			late.start++
			late.col++
			samePositions(t, name+": "+svc.name+", the whole file", want.out, late.read())
			// Text that does not parse at all: the service's own position.
			broken := *span
			broken.file = &sourceFile{name: span.file.name, display: span.file.display, src: bytes.Repeat([]byte("{"), len(span.file.src))}
			key := join(servicesLabel, svc.name)
			samePositions(t, name+": "+svc.name+", no text", diag.Positions{key: want.out[key]}, broken.read())
		}
	}
	if quick < 10 {
		t.Errorf("quickService took %d services only", quick)
	}
}

// TestQuickServiceDefers checks that quickService leaves to fromService every service it is
// not sure of, whether fromService takes it or not.
func TestQuickServiceDefers(t *testing.T) {
	for _, c := range []struct {
		name, src string
		takes     bool // fromService takes it
	}{
		{"plain", `a: {b: 1, c: [1, {d: "x"}], e: -2.5, f: null, g: true, h: """
			multi
			"""}`, true},
		{"a field written twice", `a: {b: 1, b: 1}`, false},
		{"a struct written twice", `a: {b: {c: 1}, b: {d: 2}}`, true},
		{"a struct written twice, a field in both", `a: {b: {c: 1}, b: {c: 1}}`, false},
		{"a label with a dot", `a: {"b.c": 1, b: c: 2}`, false},
		{"a label with a dot, alone", `a: {"b.c": 1}`, true},
		{"a label with a bracket", `a: {"l[0]": 1, l: [2]}`, false},
		{"an empty label", `a: {"": 1}`, true},
		{"a NUL character (a finding)", `a: {b: "x\u0000y"}`, false},
		{"bytes", `a: {b: 'x'}`, false},
		{"a reference", `a: {b: c}`, false},
		{"an optional field", `a: {b?: 1}`, false},
		{"an attribute", `a: {b: 1 @tag(x)}`, false},
		{"a definition", `a: {#b: 1}`, false},
		{"a comprehension", `a: {for x in [] {}}`, false},
		{"an embedding", `a: {{b: 1}}`, false},
		{"an ellipsis", `a: {b: [...]}`, false},
	} {
		f, err := parser.ParseFile("spec.cue", c.src)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		p := positioner{out: diag.Positions{}, names: map[string]string{}}
		var findings diag.List
		takes := p.fromService(f.Decls, &findings) && len(findings) == 0
		if takes != c.takes {
			t.Errorf("%s: fromService takes it: %v, want %v", c.name, takes, c.takes)
		}
		var labels []string
		quick := quickService(f.Decls, &labels)
		if quick && !takes {
			t.Errorf("%s: quickService takes what fromService declines or finds a problem in", c.name)
		}
		if want := c.name == "plain"; quick != want {
			t.Errorf("%s: quickService %v, want %v", c.name, quick, want)
		}
	}
	// A service written in two places is left to fromService.
	f, err := parser.ParseFile("spec.cue", "a: {b: 1}\na: {c: 2}")
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	if quickService([]ast.Decl{f.Decls[0], f.Decls[1]}, &labels) {
		t.Error("quickService takes a service written in two places")
	}
}

// TestFindingInServicePositioned checks that a finding in a service of a large plain-data spec,
// found by the rules after the load, is positioned exactly, as the whole-spec path positions it.
func TestFindingInServicePositioned(t *testing.T) {
	spec := benchspec.Spec(40)
	at := strings.Index(spec, `"svc-0023": {`)
	i := at + strings.Index(spec[at:], "memory: 768")
	spec = spec[:i] + "memory: 4096" + spec[i+len("memory: 768"):]
	// Named relative to the working directory, as findings show it.
	names := write(t, map[string]string{"spec.cue": spec})
	var got [2]string
	for i, eval := range []Evaluation{PerService, WholeSpec} {
		read := servicePositionsRead.Load()
		res, findings, err := Files(names, Options{Evaluation: eval})
		if err != nil || res == nil || len(findings) > 0 {
			t.Fatalf("the spec does not load: %v\n%s", err, findings)
		}
		got[i] = rules.Spec(res.Spec, res.Positions).String()
		if _, lazy := res.Positions.(*diag.Lazy); eval == PerService && (!lazy || servicePositionsRead.Load()-read != 1) {
			t.Errorf("per service: positions %T, the positions of %d services read, want 1", res.Positions, servicePositionsRead.Load()-read)
		}
	}
	// R09: the containers reserve more than the task's memory, at the task's memory.
	task := at + strings.Index(spec[at:], "\tmemory: 1024") + 1
	want := fmt.Sprintf("spec.cue:%d:%d: services.svc-0023.memory: [R09]", strings.Count(spec[:task], "\n")+1, task-strings.LastIndex(spec[:task], "\n"))
	if !strings.Contains(got[0], want) {
		t.Errorf("no finding at %s in service 23:\n%s", want, got[0])
	}
	if got[0] != got[1] {
		t.Errorf("findings differ:\nper service:\n%s\nwhole spec:\n%s", got[0], got[1])
	}
}
