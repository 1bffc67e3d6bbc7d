package build_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/cache"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/internal/plan"
	"github.com/ecsgen/ecsgen/internal/write"
)

// BenchmarkOneServiceEdited is issue 14's rebuild of a large spec with one service edited, as
// `ecsgen build` does it (build, plan against the previous output, write): each iteration
// edits one service (a new value each time, so that its entries are never in the cache) and
// rebuilds it twice, alternately, into two output directories: without the cache ("cold") and
// with a cache warm from the builds before ("cached"). It reports the time of each, their
// ratio, and the cached build's phases, all measured in the same run.
func BenchmarkOneServiceEdited(b *testing.B) {
	mustLoad(b, "../../examples/cluster-autoscaling/spec.cue")
	for _, n := range []int{30, 100, 1000} {
		if testing.Short() && n > 30 {
			continue
		}
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			spec := filepath.Join(dir, "spec.cue")
			src := benchspec.Spec(n)
			edited := benchspec.Name(n / 2)
			feature := fmt.Sprintf(`FEATURE_%04d: "on"`, n/2)
			if !strings.Contains(src, feature) {
				b.Fatalf("the generated spec has no %s to edit", feature)
			}
			c := cache.Open(filepath.Join(dir, "cache"))
			version := 0
			edit := func() {
				version++
				s := strings.Replace(src, feature, fmt.Sprintf(`FEATURE_%04d: "v%d"`, n/2, version), 1)
				if err := os.WriteFile(spec, []byte(s), 0o644); err != nil {
					b.Fatal(err)
				}
			}
			var phases [4]time.Duration // build, plan, write, total of the cached builds
			rebuild := func(memo load.Memo, out string, timed bool) {
				t0 := time.Now()
				opts := load.Options{}
				if memo != nil {
					opts.Memo = memo
				}
				res, err := build.Files([]string{spec}, opts)
				if err != nil || res.Files == nil {
					b.Fatalf("%v\n%v", err, res.Findings)
				}
				t1 := time.Now()
				var wo write.Options // with the cache, as `ecsgen build`: the record of each generation written
				if memo != nil {
					wo.Records = c
				}
				if _, err := (plan.Options{Unchanged: wo.Unchanged(out)}).Environments(out, res.Envs, res.Files); err != nil {
					b.Fatal(err)
				}
				t2 := time.Now()
				st, err := wo.Dir(out, res.Files)
				if err != nil {
					b.Fatal(err)
				}
				t3 := time.Now()
				for _, p := range st.Written {
					if !timed && memo == nil {
						break // the first build of the cold output writes everything
					}
					// Its own files, and the environment's (plan, README, checklist), only.
					if strings.Contains(p, "svc-") && !strings.Contains(p, edited) {
						b.Fatalf("the edit of %s wrote %s", edited, p)
					}
				}
				if timed {
					phases[0] += t1.Sub(t0)
					phases[1] += t2.Sub(t1)
					phases[2] += t3.Sub(t2)
					phases[3] += t3.Sub(t0)
				}
			}
			cold, cached := filepath.Join(dir, "cold"), filepath.Join(dir, "cached")
			edit()
			rebuild(nil, cold, false) // the previous outputs and a warm cache, outside the timings
			rebuild(nil, cached, false)
			rebuild(c, cached, false)
			var coldTime time.Duration
			for b.Loop() {
				edit()
				t := time.Now()
				rebuild(nil, cold, false)
				coldTime += time.Since(t)
				edit()
				rebuild(c, cached, true)
			}
			per := func(d time.Duration) float64 { return float64(d.Milliseconds()) / float64(b.N) }
			b.ReportMetric(per(coldTime), "cold-ms")
			b.ReportMetric(per(phases[3]), "cached-ms")
			b.ReportMetric(float64(phases[3])/float64(coldTime), "cached/cold")
			b.ReportMetric(per(phases[0]), "cached-build-ms")
			b.ReportMetric(per(phases[1]), "cached-plan-ms")
			b.ReportMetric(per(phases[2]), "cached-write-ms")
		})
	}
}
