package diag

import (
	"maps"
	"sync"
)

// Locator tells where the user wrote a spec path: Positions, read all at once, or Lazy, read
// part by part when a finding asks. Of returns the position of path, or of its nearest
// ancestor the user wrote, or the zero Pos.
type Locator interface {
	Of(path string) Pos
}

// Lazy is a Locator whose positions are read on demand, one part of the spec at a time. A
// part is a subtree (services.web and everything under it); its positions are read the first
// time Of is asked for a path within it, once however many ask, concurrently or not. The
// rest of the spec's positions, and the position of each part itself, are given at once.
//
// Of gives what Positions.Of gives for the union of the rest and of every part's positions,
// provided no part holds a path of another part or of the rest (the caller keeps them
// apart): a path within a part is looked up in that part's positions, up to the part itself,
// then in the rest from the part's parent.
type Lazy struct {
	rest  Positions
	parts map[string]*lazyPart
}

type lazyPart struct {
	own  Pos // the position of the part itself; zero: none
	once sync.Once
	read func() Positions
	pos  Positions
}

func (p *lazyPart) positions() Positions {
	p.once.Do(func() {
		p.pos, p.read = p.read(), nil
	})
	return p.pos
}

// NewLazy returns a Lazy of the rest's positions and no part yet.
func NewLazy(rest Positions) *Lazy {
	return &Lazy{rest: rest, parts: map[string]*lazyPart{}}
}

// Add adds the part at path: own is the position of path itself (the zero Pos: none), and
// read gives the positions of the part when first asked (those of path, own, and of the
// paths under it). Add is not safe for concurrent use, nor with Of.
func (l *Lazy) Add(path string, own Pos, read func() Positions) {
	l.parts[path] = &lazyPart{own: own, read: read}
}

// AddRead adds the part at path, its positions read already.
func (l *Lazy) AddRead(path string, pos Positions) {
	p := &lazyPart{own: pos[path], pos: pos}
	p.once.Do(func() {})
	l.parts[path] = p
}

// Of returns the position of path, or of its nearest ancestor the user wrote, or the zero Pos.
func (l *Lazy) Of(path string) Pos {
	for a := path; ; a = Parent(a) {
		if part, ok := l.parts[a]; ok {
			if a == path && part.own != (Pos{}) {
				return part.own
			}
			pos := part.positions()
			for q := path; ; q = Parent(q) {
				if p, ok := pos[q]; ok {
					return p
				}
				if q == a {
					break
				}
			}
			if a == "" {
				return Pos{}
			}
			return l.rest.Of(Parent(a))
		}
		if a == "" {
			return l.rest.Of(path)
		}
	}
}

// All reads every part and returns the positions of the whole spec in one map.
func (l *Lazy) All() Positions {
	out := maps.Clone(l.rest)
	for _, part := range l.parts {
		maps.Copy(out, part.positions())
	}
	return out
}

// Shallow is ShallowPositions of All, without reading any part: the positions of the paths of
// at most two selectors ("cluster", "services.web"), what generation needs to name the part of
// the spec a stack comes from.
func (l *Lazy) Shallow() Positions {
	out := ShallowPositions(l.rest)
	for path, part := range l.parts {
		if Parent(Parent(path)) == "" && part.own != (Pos{}) {
			out[path] = part.own
		}
	}
	return out
}

// ShallowPositions are the positions of the paths of at most two selectors: for such a path,
// and its ancestors, Of gives what it gives with all of positions; for a deeper path, the
// position of its part of the spec.
func ShallowPositions(positions Positions) Positions {
	out := Positions{}
	for p, pos := range positions {
		if Parent(Parent(p)) == "" {
			out[p] = pos
		}
	}
	return out
}
