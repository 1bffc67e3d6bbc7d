package build

import (
	"sync"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/plan"
)

// exportScan is a sink that scans each stack template it passes on for an Export
// (plan.MayExport) before it passes it on, and records the result by file.
//
// Why: the sink takes every service's files, from the generators or the build cache, and
// drops their bytes once written. The plan of a rebuild needs to know which unchanged stacks
// may export a name; without this record it reads every unchanged template of the previous
// output again to scan it (1000 files on a 1000-service rebuild), though the build held
// those very bytes a moment before.
//
// The invariant the plan relies on (plan.Options.MayExport): the bytes scanned are exactly
// the bytes given to the sink under that name, so the record is of the bytes the sink
// compared with the previous output. A name given twice records true, which is always safe:
// it only makes the plan parse the template.
//
// The scan costs about 1.2 µs per service stack (11 KiB at ~9 GB/s, 2026-12 on the 2-core
// machine), so every build through a sink takes it, `ecsgen vet` too, rather than threading
// an option for the one command that plans.
type exportScan struct {
	sink generators.Sink
	mu   sync.Mutex
	may  map[string]bool // "<env>/stacks/…" -> plan.MayExport of its bytes
}

func newExportScan(sink generators.Sink) *exportScan {
	return &exportScan{sink: sink, may: map[string]bool{}}
}

// Add scans data when it is a stack's template, on the caller's goroutine (the generators
// add in parallel), then passes it on.
func (s *exportScan) Add(file string, data []byte) error {
	if plan.IsTemplate(file) {
		may := plan.MayExport(data)
		s.mu.Lock()
		if _, twice := s.may[file]; twice {
			may = true
		}
		s.may[file] = may
		s.mu.Unlock()
	}
	return s.sink.Add(file, data)
}

// record is what was recorded, once nothing is added any more.
func (s *exportScan) record() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.may
}
