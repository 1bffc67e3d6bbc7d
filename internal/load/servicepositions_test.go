package load

import (
	"maps"
	"reflect"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/load"

	"github.com/ecsgen/ecsgen/internal/diag"
)

// TestServicePositionsAgree checks that the positions of plain data read service by service
// (fromRest, and fromService for each service, as loadPlain's workers read them) are exactly
// those of the walk of the whole spec (fromSyntax): same paths, same positions, same NUL
// findings, and the same specs declined. And that loadPlain, which reads them so, answers
// with those positions and findings, and does not take the specs the whole walk declines.
func TestServicePositionsAgree(t *testing.T) {
	ctx, spec, err := newSchema()
	if err != nil {
		t.Fatal(err)
	}
	plain, declined := syntaxSpecs(t)
	instance := func(files []string) *build.Instance {
		inst := load.Instances(files, nil)[0]
		if inst.Err != nil {
			t.Fatal(inst.Err)
		}
		return inst
	}
	parse := func(files []string) []*ast.File { return instance(files).Files }
	// byService reads the positions as loadPlain does (serviceRun.readPositions), the
	// services shared between two positioners as between two workers.
	byService := func(files []*ast.File) (diag.Positions, diag.List, bool) {
		services, ok := servicesFromSyntax(files)
		if !ok || len(services) == 0 || !servicesApart(files, services) {
			return nil, nil, false
		}
		var findings diag.List
		rest := positioner{out: diag.Positions{}, names: map[string]string{}}
		if !rest.fromRest(files, &findings) {
			return nil, nil, false
		}
		out := maps.Clone(rest.out)
		workers := []positioner{{out: diag.Positions{}, names: map[string]string{}}, {out: diag.Positions{}, names: map[string]string{}}}
		for i, svc := range services {
			w := &workers[i%2]
			clear(w.out)
			if !w.fromService(svc.decls, &findings) {
				return nil, nil, false
			}
			maps.Copy(out, w.out)
		}
		return out, findings, true
	}
	answered := 0
	for name, files := range plain {
		var want diag.List
		whole := positioner{out: diag.Positions{}, names: map[string]string{}}
		if !whole.fromSyntax(cue.Value{}, parse(files), &want) {
			t.Fatalf("%s: the whole walk declined a plain spec", name)
		}
		got, findings, ok := byService(parse(files))
		if !ok {
			t.Errorf("%s: read service by service, a plain spec is declined", name)
			continue
		}
		samePositions(t, name+", service by service", whole.out, got)
		if !reflect.DeepEqual(want.Dedup(), findings.Dedup()) {
			t.Errorf("%s: findings differ\nwhole walk:\n%s\nservice by service:\n%s", name, want, findings)
		}

		// Through loadPlain, its services released, when it answers (a valid spec, or one
		// whose only problem is a NUL character).
		inst := instance(files)
		res, loaded, outcome, err := loadPlain(ctx, spec, inst.Files, sourcesFrom(inst), Options{Evaluation: PerService}, true)
		if err != nil || outcome == plainNotTaken || outcome == plainNotTakenReleased {
			t.Errorf("%s: loadPlain does not take a plain spec: %v %v", name, outcome, err)
			continue
		}
		if outcome != plainAnswered {
			continue
		}
		answered++
		samePositions(t, name+", loadPlain", whole.out, res.Positions.(*diag.Lazy).All())
		for _, f := range want {
			if !slicesContains(loaded, f) {
				t.Errorf("%s: loadPlain lacks the finding %s", name, f)
			}
		}
	}
	if answered < 5 {
		t.Errorf("loadPlain answered for %d plain specs only", answered)
	}
	for name, files := range declined {
		var findings diag.List
		whole := positioner{out: diag.Positions{}, names: map[string]string{}}
		if whole.fromSyntax(cue.Value{}, parse(files), &findings) {
			t.Fatalf("%s: the whole walk takes a spec it declined", name)
		}
		if _, _, ok := byService(parse(files)); ok {
			t.Errorf("%s: read service by service, a spec the whole walk declines is taken", name)
		}
		inst := instance(files)
		_, _, outcome, err := loadPlain(ctx, spec, inst.Files, sourcesFrom(inst), Options{Evaluation: PerService}, true)
		if err != nil || (outcome != plainNotTaken && outcome != plainNotTakenReleased) {
			t.Errorf("%s: loadPlain takes a spec the whole walk declines: %v %v", name, outcome, err)
		}
	}
}

func samePositions(t *testing.T, name string, want, got diag.Positions) {
	t.Helper()
	if reflect.DeepEqual(want, got) {
		return
	}
	for p, pos := range want {
		if q, ok := got[p]; !ok || q != pos {
			t.Errorf("%s: %q: the whole walk %v, got %v", name, p, pos, q)
		}
	}
	for p, pos := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: %q: only read service by service (%v)", name, p, pos)
		}
	}
}

func slicesContains(l diag.List, f diag.Finding) bool {
	for _, g := range l {
		if g == f {
			return true
		}
	}
	return false
}
