package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/load"
)

// check compares each service's files as the build generates them (committedOutput is the
// build's sink, so the whole output is never held), and finds the same differences as a
// comparison of the whole output built in memory.
func TestCheckComparesServicesAsTheyAreGenerated(t *testing.T) {
	spec, out := builtBenchSpec(t, "off")
	var stdout, stderr bytes.Buffer
	check := func() (int, string, string) {
		stdout.Reset()
		stderr.Reset()
		code := run([]string{"check", "--cache-dir", "off", "-o", out, spec}, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	if code, got, msg := check(); code != 0 || !strings.Contains(got, "up to date (1 environment, ") {
		t.Fatalf("check after build: exit %d: %s%s", code, got, msg)
	}

	// The whole output, built in memory: what check compared before it streamed.
	whole, err := build.Options{Load: load.Options{}}.Files([]string{spec})
	if err != nil || len(whole.Findings) > 0 {
		t.Fatal(err, whole.Findings)
	}
	env := whole.Envs[0]
	var services []string
	for rel := range whole.Files {
		if strings.HasPrefix(rel, env+"/stacks/") && strings.Contains(rel, "-svc-") || strings.HasPrefix(rel, env+"/taskdefs/") {
			services = append(services, rel)
		}
	}
	slices.Sort(services)
	if len(services) < 4 {
		t.Fatalf("too few service files to test: %v", services)
	}
	// Hand edits of the committed output: a service's stack changed, another's task definition
	// gone, a file ecsgen does not generate, and an environment file changed.
	edit := func(rel string, f func([]byte) []byte) {
		p := filepath.Join(out, filepath.FromSlash(rel))
		b, _ := os.ReadFile(p)
		if err := os.WriteFile(p, f(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit(services[0], func(b []byte) []byte { return bytes.Replace(b, []byte(`"DesiredCount"`), []byte(`"DesiredCount" `), 1) })
	os.Remove(filepath.Join(out, filepath.FromSlash(services[len(services)-1])))
	edit(env+"/stacks/extra.json", func([]byte) []byte { return []byte("{}\n") })
	edit(env+"/README.md", func(b []byte) []byte { return append(b, "hand-written\n"...) })

	var want []string
	for rel, b := range whole.Files {
		if got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(rel))); err != nil || !bytes.Equal(got, b) {
			want = append(want, rel)
		}
	}
	want = append(want, env+"/stacks/extra.json")
	slices.Sort(want)
	if len(want) != 4 {
		t.Fatalf("the hand edits should make 4 differences: %v", want)
	}

	c := &committedOutput{dir: out, all: true, generated: map[string]bool{}}
	defer c.release()
	res, err := build.Options{Load: load.Options{}, Begin: func(envs []string) (generators.Sink, error) {
		return c, c.lock(envs, func(string) {})
	}}.Files([]string{spec})
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range services {
		if _, held := res.Files[rel]; held {
			t.Errorf("%s was held with the build's files, not compared as it was generated", rel)
		}
		if !c.generated[rel] {
			t.Errorf("%s was not given to the comparison", rel)
		}
	}
	diffs, err := c.finish(res)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range diffs {
		got = append(got, d.path)
	}
	if !slices.Equal(got, want) {
		t.Errorf("differences:\n got %v\nwant %v", got, want)
	}
	if len(c.generated) != len(whole.Files) {
		t.Errorf("%d files compared; the build makes %d", len(c.generated), len(whole.Files))
	}

	code, stdoutText, msg := check()
	if code != 1 {
		t.Fatalf("check after hand edits: exit %d: %s%s", code, stdoutText, msg)
	}
	for _, rel := range want {
		if !strings.Contains(msg, rel) {
			t.Errorf("check does not name %s: %s", rel, msg)
		}
	}

	// A region change touches every file: the last line names the first ten, the diffs show all.
	src, _ := os.ReadFile(spec)
	moved := strings.Replace(string(src), `region:  "eu-west-1"`, `region:  "eu-west-2"`, 1)
	if moved == string(src) {
		t.Fatal("the spec's region was not changed")
	}
	os.WriteFile(spec, []byte(moved), 0o644)
	code, stdoutText, msg = check()
	line, _, _ := strings.Cut(msg[strings.Index(msg, "ecsgen: "):], "\n")
	_, listed, _ := strings.Cut(line, "differ from what the spec produces: ")
	names := strings.Split(listed, ", ")
	if code != 1 || len(names) != namesShown+1 || !strings.HasPrefix(names[namesShown], "… and ") {
		t.Errorf("exit %d, last line: %s", code, line)
	}
	var differ int
	fmt.Sscanf(line, "ecsgen: %d files", &differ)
	if n := strings.Count(stdoutText, "\n+++ "); differ <= namesShown || n != differ {
		t.Errorf("%d diffs printed; the last line says %d files differ", n, differ)
	}
}

// builtBenchSpec writes the benchmarks' spec of 8 services into a temporary directory and
// builds it there, with the build cache cache, and returns the spec's path and the output
// directory.
func builtBenchSpec(t *testing.T, cache string) (spec, out string) {
	t.Helper()
	dir := t.TempDir()
	spec, out = filepath.Join(dir, "spec.cue"), filepath.Join(dir, "out")
	if err := os.WriteFile(spec, []byte(benchspec.Spec(8)), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"build", "--cache-dir", cache, "-o", out, spec}, &stdout, &stderr); code != 0 {
		t.Fatalf("build: exit %d: %s", code, stderr.String())
	}
	return spec, out
}
