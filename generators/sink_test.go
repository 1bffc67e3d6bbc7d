package generators

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"testing"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/load"
)

// mapSink is a Sink that keeps what it is given; failAt makes its failAt-th Add fail.
type mapSink struct {
	mu     sync.Mutex
	files  Files
	n      int
	failAt int
}

var errSinkFull = errors.New("sink full")

func (s *mapSink) Add(p string, b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if s.n == s.failAt {
		return errSinkFull
	}
	if _, dup := s.files[p]; dup {
		return errors.New("given twice: " + p)
	}
	s.files[p] = b
	return nil
}

// TestSinkHoldsServicesInFlight: with a sink, generation hands each service's files over as the
// service is built and holds at most the services its workers have in flight; without one it
// holds every service's files until it returns them. The files given and returned are exactly
// those Generate returns without a sink, the service files all given; an error of the sink
// ends Generate with that error.
func TestSinkHoldsServicesInFlight(t *testing.T) {
	spec := filepath.Join(t.TempDir(), "spec.cue")
	if err := os.WriteFile(spec, []byte(benchspec.Spec(60)), 0o644); err != nil {
		t.Fatal(err)
	}
	res, findings, err := load.Files([]string{spec}, load.Options{})
	if err != nil || res == nil {
		t.Fatalf("%v %v", err, findings)
	}
	measure := func(o Options) (Files, int64) {
		t.Helper()
		held.now.Store(0)
		held.peak.Store(0)
		out, err := o.Generate(res.Spec)
		if err != nil {
			t.Fatal(err)
		}
		if n := held.now.Load(); n != 0 {
			t.Errorf("generation still counts %d bytes held after it returned", n)
		}
		return out, held.peak.Load()
	}
	want, peakWithout := measure(Options{})
	sink := &mapSink{files: Files{}}
	rest, peakWith := measure(Options{Sink: sink})

	all := maps.Clone(rest)
	for p, b := range sink.files {
		if _, both := rest[p]; both {
			t.Errorf("%s both given and returned", p)
		}
		all[p] = b
	}
	if !maps.EqualFunc(all, want, func(a, b []byte) bool { return string(a) == string(b) }) {
		t.Fatalf("the files given and returned are not those generated without a sink")
	}
	// The files of each service: its name is in their path.
	name := regexp.MustCompile(`svc-\d{4}`)
	perService := map[string]int64{}
	var total int64
	for p, b := range want {
		if svc := name.FindString(p); svc != "" && filepath.Base(filepath.Dir(p)) != "perf" {
			perService[svc] += int64(len(b))
			total += int64(len(b))
			if _, given := sink.files[p]; !given {
				t.Errorf("%s was not given to the sink", p)
			}
		}
	}
	largest := slicesMax(perService)
	if len(perService) != 60 || largest == 0 {
		t.Fatalf("%d services found in the paths", len(perService))
	}
	if peakWithout < total {
		t.Errorf("without a sink, generation held at most %d bytes of %d: the measure misses what it holds", peakWithout, total)
	}
	if limit := int64(runtime.GOMAXPROCS(0)) * largest; peakWith > limit {
		t.Errorf("with a sink, generation held up to %d bytes of services' files (%d in all); its %d workers have at most %d in flight",
			peakWith, total, runtime.GOMAXPROCS(0), limit)
	}
	t.Logf("services' files: %d bytes; held at most: %d without a sink, %d with one (largest service %d)", total, peakWithout, peakWith, largest)

	failing := &mapSink{files: Files{}, failAt: 40}
	if _, err := (Options{Sink: failing}).Generate(res.Spec); !errors.Is(err, errSinkFull) {
		t.Errorf("a sink's error: Generate returned %v", err)
	}
	if n := held.now.Load(); n != 0 {
		t.Errorf("after a sink's error, generation counts %d bytes held", n)
	}
}

func slicesMax(m map[string]int64) int64 {
	var top int64
	for _, v := range m {
		top = max(top, v)
	}
	return top
}
