package load

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"weak"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/load"

	"github.com/ecsgen/ecsgen/internal/benchspec"
)

// TestPlainServicesReleased checks that loading plain data lets each service's syntax go while
// the files are still held (loadPlain's release), and that without release the files keep it:
// the control that shows the test can see syntax held.
func TestPlainServicesReleased(t *testing.T) {
	p := filepath.Join(t.TempDir(), "spec.cue")
	if err := os.WriteFile(p, []byte(benchspec.Spec(30)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, release := range []bool{true, false} {
		inst, err := instance([]string{p}, &load.Config{})
		if err != nil || inst.Err != nil {
			t.Fatal(err, inst.Err)
		}
		services, ok := servicesFromSyntax(inst.Files)
		if !ok || len(services) != 30 {
			t.Fatalf("%d services", len(services))
		}
		var syntax []weak.Pointer[ast.StructLit]
		for _, s := range services {
			syntax = append(syntax, weak.Make(s.expr.(*ast.StructLit)))
		}
		services = nil
		ctx, spec, err := newSchema()
		if err != nil {
			t.Fatal(err)
		}
		res, findings, outcome, err := loadPlain(ctx, spec, inst.Files, sourcesFrom(inst), Options{}, release)
		if err != nil || outcome != plainAnswered || len(findings) > 0 || len(res.Spec.Services) != 30 {
			t.Fatalf("release %v: not loaded: %v %v %s", release, outcome, err, findings)
		}
		runtime.GC()
		held := 0
		for _, w := range syntax {
			if w.Value() != nil {
				held++
			}
		}
		if release && held > 0 {
			t.Errorf("%d of 30 services' syntax still held with release", held)
		}
		if !release && held != 30 {
			t.Errorf("without release, %d of 30 services' syntax held by the files", held)
		}
		runtime.KeepAlive(inst.Files)
	}
}

// TestWorkersDropSyntax checks that a service worker drops each service's syntax once it is
// done with it, valid or not.
func TestWorkersDropSyntax(t *testing.T) {
	p := filepath.Join(t.TempDir(), "spec.cue")
	if err := os.WriteFile(p, []byte(benchspec.Spec(30)), 0o644); err != nil {
		t.Fatal(err)
	}
	inst, err := instance([]string{p}, &load.Config{})
	if err != nil || inst.Err != nil {
		t.Fatal(err, inst.Err)
	}
	services, _ := servicesFromSyntax(inst.Files)
	services[7].expr = ast.NewString("not a service") // declines: the workers stop
	run := startServices(services, nil, true, sourcesFrom(inst))
	if err := run.wait(); err != errDeclined {
		t.Fatalf("want errDeclined, got %v", err)
	}
	for i, s := range services {
		if s.expr != nil && i <= 7 { // 0 to 7 were taken before 7 stopped the workers
			t.Errorf("service %d: syntax kept after its worker", i)
		}
	}
	services, _ = servicesFromSyntax(inst.Files)
	if err := startServices(services, nil, true, sourcesFrom(inst)).wait(); err != nil {
		t.Fatal(err)
	}
	for i, s := range services {
		if s.expr != nil {
			t.Errorf("service %d: syntax kept after its worker", i)
		}
	}
}

// A spec the per-service path declines after its services were released is loaded again from
// the bytes first read, not from the disk: an edit saved in between does not change the findings.
func TestReloadReadsTheFirstBytes(t *testing.T) {
	p := filepath.Join(t.TempDir(), "spec.cue")
	bad := strings.Replace(benchspec.Spec(30), "desiredCount: 2\n", "desiredCount: \"two\"\n", 1)
	if bad == benchspec.Spec(30) {
		t.Fatal("the benchmark spec has no desiredCount: 2 to break")
	}
	if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, want, err := Files([]string{p}, Options{})
	if err != nil || len(want) == 0 {
		t.Fatalf("the bad spec loads: %v %s", err, want)
	}
	reloads := 0
	beforeReload = func() {
		reloads++
		if err := os.WriteFile(p, []byte(benchspec.Spec(30)), 0o644); err != nil {
			t.Error(err)
		}
	}
	defer func() { beforeReload = nil }()
	if err := os.WriteFile(p, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	_, got, err := Files([]string{p}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if reloads != 1 {
		t.Fatalf("%d reloads, want 1: the released path was not taken", reloads)
	}
	if got.String() != want.String() {
		t.Errorf("findings after an edit during the load:\n%s\nwant:\n%s", got, want)
	}
}
