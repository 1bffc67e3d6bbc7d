package generators

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/load"
)

// BenchmarkEnvFiles renders each of the environment's files (deploy-plan.json, deploy.sh,
// destroy.sh, README.md, checklist.md) of the benchmark spec (internal/benchspec), from the
// stacks and plan generation made: what every build pays after its services, also when every
// service comes from the build cache. -short leaves out 10 000 services (its load takes a while).
func BenchmarkEnvFiles(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		if testing.Short() && n > 1000 {
			continue
		}
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			e, plan := benchEnv(b, n)
			// Timed as a build renders them: without the checks of the direct encodings
			// against encoding/json that the package's tests turn on.
			defer func(v bool) { verifyEncodings = v }(verifyEncodings)
			verifyEncodings = false
			// Each file alone (deploy.sh and destroy.sh each pay for the data they share), then
			// all five one after another: what a build pays.
			for i, f := range e.envFiles(plan) {
				b.Run(f.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if _, err := e.envFiles(plan)[i].render(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			b.Run("all", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					for _, f := range e.envFiles(plan) {
						if _, err := f.render(); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		})
	}
}

// benchEnv is the env and deploy plan of a generated spec of n services, as Generate has them
// when it renders the environment's files.
func benchEnv(b *testing.B, n int) (*env, deployPlan) {
	b.Helper()
	spec := filepath.Join(b.TempDir(), "spec.cue")
	if err := os.WriteFile(spec, []byte(benchspec.Spec(n)), 0o644); err != nil {
		b.Fatal(err)
	}
	res, findings, err := load.Files([]string{spec}, load.Options{})
	if err != nil || res == nil {
		b.Fatalf("%v %v", err, findings)
	}
	e, _, plan, _, err := Options{}.stacks(res.Spec)
	if err != nil {
		b.Fatal(err)
	}
	return e, plan
}
