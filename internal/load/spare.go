package load

// A service worker's schema compiled while the spec is parsed.
//
// The first service a worker validates waits for its CUE context and compiled schema, and for
// the projection's defaults and checkers, which one worker makes for the process while the
// others wait (projection.defaults, projection.checkers): about 35 ms of CPU at 1000 services,
// most of it on one core, before any service is validated. None of it depends on the spec. So
// a load that is going to validate many services (a large spec file, without a memo that may
// know them all) starts it in the background before it parses the file (prepareWorker), on
// the core the parse's serial parts leave idle, and the first worker to need a schema takes it
// (takeSpare); the others compile their own as before. A spare no load takes (the spec went
// another way) is taken by the next one in the process, or dropped with the process: the
// schema is the same embedded one.

import "sync"

var spare struct {
	mu      sync.Mutex
	w       *serviceWorker // compiled, never used: nil when none is ready
	running bool
}

// prepareWorker starts compiling a spare worker's schema, unless one is ready or under way.
func prepareWorker() {
	spare.mu.Lock()
	defer spare.mu.Unlock()
	if spare.w != nil || spare.running {
		return
	}
	spare.running = true
	go func() {
		w := &serviceWorker{}
		err := w.compile()
		spare.mu.Lock()
		defer spare.mu.Unlock()
		spare.running = false
		if err == nil { // otherwise the worker that needs one compiles it and reports the error
			spare.w = w
		}
	}()
}

// takeSpare is the spare worker's compiled schema, if one is ready: its CUE context is then the
// caller's alone.
func takeSpare() *serviceWorker {
	spare.mu.Lock()
	defer spare.mu.Unlock()
	w := spare.w
	spare.w = nil
	return w
}
