package diag

import (
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
)

// TestLazyAgrees checks that Lazy.Of gives what Positions.Of gives with every part's positions
// merged into the rest, reads each part once, on the first path in it, even when many ask at
// once, and that Parts gives what ShallowPositions gives.
func TestLazyAgrees(t *testing.T) {
	rest := Positions{
		"":                  {File: "a.cue", Line: 1, Col: 1},
		"region":            {File: "a.cue", Line: 2, Col: 1},
		"cluster":           {File: "a.cue", Line: 3, Col: 1},
		"cluster.capacity":  {File: "a.cue", Line: 3, Col: 10},
		"services":          {File: "a.cue", Line: 5, Col: 1},
		"loadBalancers.lb":  {File: "a.cue", Line: 4, Col: 3},
		"loadBalancers.lb2": {File: "b.cue", Line: 4, Col: 3},
	}
	parts := map[string]Positions{
		"services.web": {
			"services.web":                     {File: "a.cue", Line: 6, Col: 2},
			"services.web.containers":          {File: "a.cue", Line: 7, Col: 3},
			"services.web.containers.app.port": {File: "a.cue", Line: 8, Col: 5},
			"services.web.ports[0]":            {File: "a.cue", Line: 9, Col: 5},
		},
		"services.api": {
			"services.api":        {File: "b.cue", Line: 1, Col: 11},
			"services.api.cpu":    {File: "b.cue", Line: 2, Col: 3},
			"services.api.memory": {File: "b.cue", Line: 3, Col: 3},
		},
		// A part whose own path is not written (it never is in a spec): its parent answers.
		"services.odd": {"services.odd.x": {File: "b.cue", Line: 9, Col: 9}},
	}
	merged := Positions{}
	for p, pos := range rest {
		merged[p] = pos
	}
	var reads [3]atomic.Int64
	lazy := NewLazy(rest)
	i := 0
	for path, pos := range parts {
		for p, q := range pos {
			merged[p] = q
		}
		n := &reads[i]
		i++
		lazy.Add(path, pos[path], func() Positions { n.Add(1); return pos })
	}
	paths := []string{"", "region", "region.x", "cluster.capacity.ec2[0]", "services", "services.none",
		"services.web", "services.web.containers.app", "services.web.containers.app.port",
		"services.web.ports[0].x", "services.web.ports[1]", "services.webx", "services.api.cpu",
		"services.api[0]", "services.odd", "services.odd.x.y", "services.odd.z", "nothing.at.all", "loadBalancers.lb.x"}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, p := range paths {
				if got, want := lazy.Of(p), merged.Of(p); got != want {
					t.Errorf("%q: %v, want %v", p, got, want)
				}
			}
		}()
	}
	wg.Wait()
	for i := range reads {
		if n := reads[i].Load(); n != 1 {
			t.Errorf("a part read %d times", n)
		}
	}
	// Shallow: of read parts, and of parts not read, whose own positions are given.
	fresh := NewLazy(rest)
	var freshReads atomic.Int64
	for path, pos := range parts {
		fresh.Add(path, pos[path], func() Positions { freshReads.Add(1); return pos })
	}
	fresh.Of("services.api") // its own position: nothing read
	if n := freshReads.Load(); n != 0 {
		t.Errorf("the position of a part itself read %d parts", n)
	}
	fresh.Of("services.api.cpu")
	shallowAll := ShallowPositions(merged)
	for _, l := range []*Lazy{lazy, fresh} {
		if got := l.Shallow(); !reflect.DeepEqual(got, shallowAll) {
			t.Errorf("Shallow: %v, want %v", got, shallowAll)
		}
	}
	if n := freshReads.Load(); n != 1 {
		t.Errorf("%d parts read, want 1", n)
	}
	if got := lazy.All(); len(got) != len(merged) {
		t.Errorf("All: %d positions, want %d", len(got), len(merged))
	}
}
