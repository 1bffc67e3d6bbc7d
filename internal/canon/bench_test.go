package canon_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/canon"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/schema"
)

// BenchmarkServices encodes and decodes the models of the services of a 100-service spec, as
// the build cache does for its keys and entries.
func BenchmarkServices(b *testing.B) {
	spec := filepath.Join(b.TempDir(), "spec.cue")
	if err := os.WriteFile(spec, []byte(benchspec.Spec(100)), 0o644); err != nil {
		b.Fatal(err)
	}
	res, findings, err := load.Files([]string{spec}, load.Options{})
	if err != nil || res == nil {
		b.Fatalf("%v %v", err, findings)
	}
	var encoded [][]byte
	for _, svc := range res.Spec.Services {
		e, err := canon.Marshal(svc)
		if err != nil {
			b.Fatal(err)
		}
		encoded = append(encoded, e)
	}
	b.Run("marshal", func(b *testing.B) {
		for b.Loop() {
			for _, svc := range res.Spec.Services {
				canon.Marshal(svc)
			}
		}
	})
	b.Run("unmarshal", func(b *testing.B) {
		for b.Loop() {
			for _, e := range encoded {
				var s schema.Service
				if err := canon.Unmarshal(e, &s); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
