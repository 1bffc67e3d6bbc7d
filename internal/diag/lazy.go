package diag

import "sync"

// Locator tells where the user wrote a spec path: Positions, read all at once, or Lazy, read
// part by part when a finding asks. Of returns the position of path, or of its nearest
// ancestor the user wrote, or the zero Pos.
type Locator interface {
	Of(path string) Pos
}

// Lazy is a Locator whose positions are read on demand, one part of the spec at a time. A
// part is a subtree (services.web and everything under it); its positions are read the first
// time Of is asked for a path within it, once however many ask, concurrently or not. The
// rest of the spec's positions are given at once.
//
// Of gives what Positions.Of gives for the union of the rest and of every part's positions,
// provided no part holds a path of another part or of the rest (the caller keeps them
// apart): a path within a part is looked up in that part's positions, up to the part itself,
// then in the rest from the part's parent.
type Lazy struct {
	rest    Positions
	parts   map[string]*lazyPart
	shallow bool // every path is cut to its first two selectors before it is looked up (Parts)
}

type lazyPart struct {
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

// Add adds the part at path, whose positions read gives when first asked (the paths of the
// part only: path and the paths under it). Add is not safe for concurrent use, nor with Of.
func (l *Lazy) Add(path string, read func() Positions) {
	l.parts[path] = &lazyPart{read: read}
}

// AddRead adds the part at path, its positions read already.
func (l *Lazy) AddRead(path string, pos Positions) {
	p := &lazyPart{pos: pos}
	p.once.Do(func() {})
	l.parts[path] = p
}

// Of returns the position of path, or of its nearest ancestor the user wrote, or the zero Pos.
func (l *Lazy) Of(path string) Pos {
	if l.shallow {
		path = shallow(path)
	}
	for a := path; ; a = Parent(a) {
		if part, ok := l.parts[a]; ok {
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
	out := Positions{}
	for p, pos := range l.rest {
		if !l.shallow || shallow(p) == p {
			out[p] = pos
		}
	}
	for _, part := range l.parts {
		for p, pos := range part.positions() {
			if !l.shallow || shallow(p) == p {
				out[p] = pos
			}
		}
	}
	return out
}

// Parts returns the Locator that gives, for a path of at most two selectors ("cluster",
// "services.web") and its ancestors, the position l gives, and for a deeper path, the position
// of its part of the spec: what generation needs to name the part a stack comes from. It
// keeps of the positions read so far only those of such paths; the parts not read yet stay
// so.
func (l *Lazy) Parts() *Lazy {
	out := &Lazy{rest: ShallowPositions(l.rest), parts: make(map[string]*lazyPart, len(l.parts)), shallow: true}
	for path, part := range l.parts {
		if part.read == nil { // read already
			out.AddRead(path, ShallowPositions(part.positions()))
		} else {
			out.parts[path] = part
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

// shallow cuts a path to its first two selectors.
func shallow(path string) string {
	for Parent(Parent(path)) != "" {
		path = Parent(path)
	}
	return path
}
