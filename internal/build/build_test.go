package build_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/golden"
	"github.com/ecsgen/ecsgen/internal/load"
)

// specs are the specs whose whole output is committed: the examples (judged by the artifacts
// gate too) and the golden cases under testdata.
func specs(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, pattern := range []string{"../../examples/*/spec.cue", "../../testdata/golden/*/spec.cue"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, m...)
	}
	if len(out) == 0 {
		t.Fatal("no spec found")
	}
	return out
}

// TestGolden builds every committed spec and compares the result, file by file, with the
// committed output beside it (out/). Run `go test ./... -update` to rewrite the output.
func TestGolden(t *testing.T) {
	for _, spec := range specs(t) {
		dir := filepath.Dir(spec)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			res, err := build.Files([]string{spec}, load.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Files == nil {
				t.Fatalf("the spec does not build:\n%s", res.Findings)
			}
			if len(res.Findings) > 0 {
				t.Errorf("a committed spec must build without warnings:\n%s", res.Findings)
			}
			diffs, err := golden.Dir(filepath.Join(dir, "out"), res.Files)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range diffs {
				t.Error(d)
			}
		})
	}
}

// TestDeterministic builds each spec twice in one process: the bytes must not depend on map
// order or anything else that varies between runs.
func TestDeterministic(t *testing.T) {
	for _, spec := range specs(t) {
		a, err := build.Files([]string{spec}, load.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			b, err := build.Files([]string{spec}, load.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(a.Files) != len(b.Files) {
				t.Fatalf("%s: %d files, then %d", spec, len(a.Files), len(b.Files))
			}
			for p, data := range a.Files {
				if !bytes.Equal(data, b.Files[p]) {
					t.Fatalf("%s: %s differs between two builds", spec, p)
				}
			}
		}
	}
}

// A rule that fails in some environments only says which; positions stay in the user's file.
func TestFindingsNameTheirEnvironment(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.cue")
	src := `system: "shop"
region: "ap-northeast-1"
network: {vpc: "vpc-0123456789abcdef0", subnets: ["subnet-0123456789abcdef0"]}
cluster: capacity: ec2: general: {instanceType: "t3.small", size: {min: 0, max: 4}}
services: web: {memory: 4096, containers: web: {image: "nginx:1.27"}}
environments: {
	dev: {}
	prod: cluster: capacity: ec2: general: instanceType: "m7i.xlarge"
}
`
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := build.Files([]string{spec}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != nil || len(res.Findings) != 1 {
		t.Fatalf("want one finding, got %d:\n%s", len(res.Findings), res.Findings)
	}
	got := res.Findings[0].String()
	if !strings.Contains(got, "spec.cue:5:17: services.web.memory: [R42] in environment dev: the task needs 4096 MiB, but a t3.small") {
		t.Errorf("got %s", got)
	}
}
