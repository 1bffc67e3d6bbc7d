// The projection's results, shared by the workers of one load.
//
// Services of a spec repeat much of what they write: the same log-router sidecar, the same
// placement, health check and scaling policy. On plain data, what the projection makes of a
// field — its values unified with the field's projected definition, validated and decoded —
// depends on nothing but that definition and the values' syntax (no reference, so nothing
// outside the syntax can reach into it; the decoded model holds no position). So a worker that
// validates a field value keeps the decoded result under the definition's name and the
// syntax's exact encoding, and every later service of the load that writes the same value for
// a field with the same definition takes a deep copy instead of unifying it again.
//
// A field value the projection's checker (checker.go) takes never reaches the memo: it is
// checked and decoded in Go (asking the memo first took the same time on BenchmarkLoad, within
// its noise). The memo holds the elements of {[#Name]: #Def} fields (a container as a whole)
// and the field values the checker declines.
//
// A result is kept the second time its key is met, not the first: most of what a service
// writes is its own (its image, environment, role), and keeping all of it held 48 MB at
// 10 000 services for nothing; the keys met once are kept as 64-bit hashes (2.5 MB). A value
// that two services write is then unified twice, and from the third on taken from the memo.
//
// The key is the definition's name and syntaxWriter's encoding of the values (memo.go: every
// node tagged with its kind, every string and list with its length, comments and positions
// left out), held in full: two keys are equal exactly when the names and the syntax trees are,
// so no value can be taken for another. Only results that validated and decoded are kept; a
// value with any problem is unified every time, so findings still come from the whole
// unification. Results are Go values (a few hundred bytes for a container), not CUE values,
// which belong to a worker's context; each caller gets its own deep copy (copyValue), so no
// two services' models share a map, a slice or a pointer.

package load

import (
	"hash/maphash"
	"reflect"
	"sync"
	"sync/atomic"

	"cuelang.org/go/cue/ast"
)

// Kinds of results, the first byte of a key.
const (
	resultField   = 'f' // a field's values against the field's definition (#ecsgenProjected_…)
	resultElement = 'e' // an element of a {[#Name]: #Def} field against #Def, defaults included
)

// projectionMemo holds the decoded results of the projection for one load; safe for
// concurrent use. A nil *projectionMemo holds nothing and keeps nothing.
type projectionMemo struct {
	mu sync.RWMutex
	m  map[string]reflect.Value // an invalid Value: valid, with nothing in the Go model
	// seen are the hashes of the keys met once: a result is kept the second time its key is
	// met, so that the values only one service writes (most of a spec) cost a hash, not a copy
	// of their encoding and their model. A collision only keeps a result early.
	seen map[uint64]struct{}
	seed maphash.Seed

	hits atomic.Int64 // results taken (projectionMemoHits, tests)
}

func newProjectionMemo() *projectionMemo {
	return &projectionMemo{m: map[string]reflect.Value{}, seen: map[uint64]struct{}{}, seed: maphash.MakeSeed()}
}

// recall looks up the result of validating xs against the definition def. On a hit it sets dst
// (when valid) to a deep copy of the result and returns true. On a miss it returns the key to
// remember the result under, or "" when the syntax has no encoding (not plain data) or there
// is no memo. buf is scratch space for the encoding, returned for reuse.
func (m *projectionMemo) recall(kind byte, def string, xs []ast.Expr, dst reflect.Value, buf []byte) (hit bool, key string, scratch []byte) {
	if m == nil {
		return false, "", buf
	}
	w := syntaxWriter{buf: buf[:0]}
	w.tag(kind)
	w.str(def)
	w.num(len(xs))
	for _, x := range xs {
		if !w.expr(x) {
			return false, "", w.buf
		}
	}
	m.mu.RLock()
	v, ok := m.m[string(w.buf)]
	m.mu.RUnlock()
	if !ok {
		h := maphash.Bytes(m.seed, w.buf)
		m.mu.Lock()
		_, again := m.seen[h]
		if !again {
			m.seen[h] = struct{}{}
		}
		m.mu.Unlock()
		if !again {
			return false, "", w.buf
		}
		return false, string(w.buf), w.buf
	}
	if v.IsValid() != dst.IsValid() || (v.IsValid() && v.Type() != dst.Type()) {
		// Cannot happen: a definition decodes into one Go type (analyse). Unified instead.
		return false, "", w.buf
	}
	m.hits.Add(1)
	if v.IsValid() {
		dst.Set(copyValue(v))
	}
	return true, "", w.buf
}

// hitCount is the number of results taken from the memo.
func (m *projectionMemo) hitCount() int64 {
	if m == nil {
		return 0
	}
	return m.hits.Load()
}

// remember keeps a deep copy of a result that validated and decoded into v (invalid: nothing
// to decode) under a key from recall.
func (m *projectionMemo) remember(key string, v reflect.Value) {
	if m == nil || key == "" {
		return
	}
	if v.IsValid() {
		v = copyValue(v)
	}
	m.mu.Lock()
	m.m[key] = v
	m.mu.Unlock()
}
