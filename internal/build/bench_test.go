package build_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/check"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/internal/write"
)

// Benchmarks of each phase of a build — load (CUE → model), check (rules), generate (model →
// files, encoding included), encode (the JSON encoding alone), write (files → disk) — and of
// the whole build, on the examples and on generated specs of 1, 10, 100 and 1000 services
// (internal/benchspec). docs/benchmarks.md has the figures and how to reproduce them.
//
// Besides ns/op, each benchmark reports ns/service for the generated specs, so that linear
// growth shows as a flat column.
//
// In CI they run once each, as a smoke test (go test -run '^$' -bench . -benchtime 1x
// -short): -short leaves out the specs of 100 and 1000 services. scripts/bench runs them in
// full.

// benchCase is one spec to benchmark.
type benchCase struct {
	name     string
	file     string // written on demand for generated specs
	services int    // 0 for an example
}

var sizes = []int{1, 10, 100, 1000}

// benchCases are the examples, then the generated specs; under -short only the small ones.
func benchCases(b *testing.B) []benchCase {
	b.Helper()
	examples, err := filepath.Glob("../../examples/*/spec.cue")
	if err != nil || len(examples) == 0 {
		b.Fatalf("no example: %v", err)
	}
	var out []benchCase
	for _, e := range examples {
		out = append(out, benchCase{name: filepath.Base(filepath.Dir(e)), file: e})
	}
	for _, n := range sizes {
		if testing.Short() && n > 10 {
			continue
		}
		out = append(out, benchCase{name: fmt.Sprintf("services=%d", n), services: n})
	}
	return out
}

// specFile returns the case's spec file, writing a generated one into a temporary directory.
func (c benchCase) specFile(b *testing.B) string {
	b.Helper()
	if c.services == 0 {
		return c.file
	}
	p := filepath.Join(b.TempDir(), "spec.cue")
	if err := os.WriteFile(p, []byte(benchspec.Spec(c.services)), 0o644); err != nil {
		b.Fatal(err)
	}
	return p
}

// perService reports the cost per service of a generated spec.
func (c benchCase) perService(b *testing.B) {
	if c.services > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(c.services), "ns/service")
	}
}

// TestGeneratedSpecsBuild keeps internal/benchspec in step with the schema and the rules: a
// generated spec must build without findings, or the benchmarks would time a failed build.
func TestGeneratedSpecsBuild(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{1, 10, 25} {
		p := filepath.Join(dir, fmt.Sprintf("spec-%d.cue", n))
		if err := os.WriteFile(p, []byte(benchspec.Spec(n)), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := build.Files([]string{p}, load.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Files == nil || len(res.Findings) > 0 {
			t.Fatalf("a generated spec with %d services does not build cleanly:\n%s", n, res.Findings)
		}
		if got := len(res.Spec.Services); got != n {
			t.Errorf("%d services generated, want %d", got, n)
		}
	}
}

func mustLoad(b *testing.B, file string) *load.Result {
	b.Helper()
	res, findings, err := load.Files([]string{file}, load.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if res == nil {
		b.Fatalf("the spec does not load:\n%s", findings)
	}
	return res
}

func mustGenerate(b *testing.B, res *load.Result) generators.Files {
	b.Helper()
	files, err := generators.Generate(res.Spec)
	if err != nil {
		b.Fatal(err)
	}
	return files
}

func BenchmarkLoad(b *testing.B) {
	mustLoad(b, "../../examples/cluster-autoscaling/spec.cue") // compile the schema outside the timings
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			file := c.specFile(b)
			b.ReportAllocs()
			for b.Loop() {
				mustLoad(b, file)
			}
			c.perService(b)
		})
	}
}

func BenchmarkCheck(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			res := mustLoad(b, c.specFile(b))
			b.ReportAllocs()
			for b.Loop() {
				if f := check.Spec(res.Spec, res.Positions); len(f) > 0 {
					b.Fatalf("findings:\n%s", f)
				}
			}
			c.perService(b)
		})
	}
}

// BenchmarkGenerate includes the encoding of every file (generators/encode.go writes templates
// straight from their typed values; its CPU profile gives the encoding's share).
func BenchmarkGenerate(b *testing.B) {
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			res := mustLoad(b, c.specFile(b))
			b.ReportAllocs()
			var n int
			for b.Loop() {
				files := mustGenerate(b, res)
				n = 0
				for _, data := range files {
					n += len(data)
				}
			}
			b.SetBytes(int64(n))
			c.perService(b)
		})
	}
}

// BenchmarkWrite writes the output into an empty directory (fresh) and over an identical one
// (unchanged: a rebuild with nothing changed, which must write no file).
func BenchmarkWrite(b *testing.B) {
	for _, c := range benchCases(b) {
		files := func(b *testing.B) generators.Files { return mustGenerate(b, mustLoad(b, c.specFile(b))) }
		b.Run(c.name+"/fresh", func(b *testing.B) {
			fs := files(b)
			root := b.TempDir()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				st, err := write.Dir(filepath.Join(root, fmt.Sprint(i)), fs)
				if err != nil {
					b.Fatal(err)
				}
				if len(st.Written) != len(fs) {
					b.Fatalf("%d of %d files written", len(st.Written), len(fs))
				}
			}
			c.perService(b)
		})
		b.Run(c.name+"/unchanged", func(b *testing.B) {
			fs := files(b)
			dir := b.TempDir()
			if _, err := write.Dir(dir, fs); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				st, err := write.Dir(dir, fs)
				if err != nil {
					b.Fatal(err)
				}
				if len(st.Written) != 0 {
					b.Fatalf("a rebuild with nothing changed wrote %d files", len(st.Written))
				}
			}
			c.perService(b)
		})
	}
}

// BenchmarkBuild is a whole rebuild, as `ecsgen build` does it on every save: load, check,
// generate, and write over the previous output (which writes nothing).
func BenchmarkBuild(b *testing.B) {
	mustLoad(b, "../../examples/cluster-autoscaling/spec.cue") // compile the schema outside the timings
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			file, dir := c.specFile(b), b.TempDir()
			rebuild := func() write.Stats {
				res, err := build.Files([]string{file}, load.Options{})
				if err != nil {
					b.Fatal(err)
				}
				if res.Files == nil || len(res.Findings) > 0 {
					b.Fatalf("findings:\n%s", res.Findings)
				}
				st, err := write.Dir(dir, res.Files)
				if err != nil {
					b.Fatal(err)
				}
				return st
			}
			rebuild() // the previous output, outside the timings
			b.ReportAllocs()
			for b.Loop() {
				if st := rebuild(); len(st.Written) > 0 {
					b.Fatalf("a rebuild with nothing changed wrote %d files", len(st.Written))
				}
			}
			c.perService(b)
		})
	}
}

// BenchmarkLoadEvaluation compares, on the generated specs, the whole-spec evaluation (the
// spec unified with #Spec at once) with the per-service one (each service against its schema,
// in parallel), each run alternately in the same benchmark so that their ratio is measured
// under the same load. It reports the time of each as ns/op of its sub-benchmark, and the
// live heap after each load is irrelevant here: peak memory is measured on the whole process
// by scripts/bench.
func BenchmarkLoadEvaluation(b *testing.B) {
	mustLoad(b, "../../examples/cluster-autoscaling/spec.cue")
	for _, c := range benchCases(b) {
		if c.services == 0 {
			continue
		}
		file := c.specFile(b)
		for _, mode := range []struct {
			name string
			eval load.Evaluation
		}{{"whole", load.WholeSpec}, {"per-service", load.PerService}} {
			b.Run(c.name+"/"+mode.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					res, findings, err := load.Files([]string{file}, load.Options{Evaluation: mode.eval})
					if err != nil || res == nil {
						b.Fatalf("the spec does not load: %v\n%s", err, findings)
					}
				}
				c.perService(b)
			})
		}
	}
}
