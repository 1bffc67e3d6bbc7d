package load

// A service worker's schema compiled while the spec is parsed.
//
// The first service of a load waits for the projection's defaults and checkers, which a
// compiled schema makes once per process (projection.defaults, projection.checkers): about
// 35 ms of CPU at 1000 services, on one core while the other waits, before any service is
// validated. None of it depends on the spec. So a load that is going to validate many
// services (a large spec file, without a memo that may know them all) starts it in the
// background before it parses the file (prepareWorker), on the core the parse's serial parts
// leave idle. A worker waits for it rather than compile a second schema (waitSpare), and the
// first worker that needs a CUE context of its own takes the spare's (takeSpare). A spare no
// load takes is taken by the next one in the process, or dropped with the process: the schema
// is the same embedded one.

import "sync"

var spare struct {
	mu      sync.Mutex
	w       *serviceWorker // compiled, never used: nil when none is ready
	running bool
	done    chan struct{} // closed when the one running is compiled
}

// noSpares turns prepareWorker off (tests compare loads with and without).
var noSpares bool

// prepareWorker starts compiling a spare worker's schema, unless one is ready or under way.
func prepareWorker() {
	spare.mu.Lock()
	defer spare.mu.Unlock()
	if noSpares || spare.w != nil || spare.running {
		return
	}
	spare.running = true
	done := make(chan struct{})
	spare.done = done
	go func() {
		defer close(done)
		w := &serviceWorker{}
		err := w.compileOwn()
		spare.mu.Lock()
		defer spare.mu.Unlock()
		spare.running = false
		if err == nil { // otherwise the worker that needs one compiles it and reports the error
			spare.w = w
		}
	}()
}

// waitSpare waits for the spare under way, if any.
func waitSpare() {
	spare.mu.Lock()
	done, running := spare.done, spare.running
	spare.mu.Unlock()
	if running {
		<-done
	}
}

// takeSpare is the spare worker's compiled schema, once the one under way is compiled, if any:
// its CUE context is then the caller's alone.
func takeSpare() *serviceWorker {
	waitSpare()
	spare.mu.Lock()
	defer spare.mu.Unlock()
	w := spare.w
	spare.w = nil
	return w
}
