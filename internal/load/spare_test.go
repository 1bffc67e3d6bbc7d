package load

import (
	"path/filepath"
	"testing"
	"time"
)

// A large spec loaded without a memo takes the worker schema compiled while it was parsed, and
// loads exactly as a load whose workers compile their own.
func TestSpareWorker(t *testing.T) {
	src := knownSpec(t)
	path := filepath.Join(t.TempDir(), "spec.cue")
	for takeSpare() != nil { // none left by an earlier test
	}
	want := loadText(t, path, src, nil)

	prepareWorker()
	deadline := time.Now().Add(30 * time.Second)
	for {
		spare.mu.Lock()
		ready := spare.w != nil
		spare.mu.Unlock()
		if ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no spare worker compiled")
		}
		time.Sleep(time.Millisecond)
	}
	got := loadText(t, path, src, nil)
	spare.mu.Lock()
	left := spare.w
	spare.mu.Unlock()
	if left != nil {
		t.Error("the load did not take the spare worker that was ready")
	}
	sameLoad(t, "with a spare", want, got)

	// A load with a memo starts none: it may recall every service and compile no schema.
	for takeSpare() != nil {
	}
	loadText(t, path, src, &mapMemo{m: map[string][]byte{}})
	spare.mu.Lock()
	started := spare.w != nil || spare.running
	spare.mu.Unlock()
	if started {
		t.Error("a load with a memo prepared a spare worker")
	}
}
