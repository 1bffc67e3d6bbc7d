// The build cache's part in loading: each service's validated model, kept between builds.
//
// On the per-service path a service's model is a function of three things only: its name
// (which selects the schema's pattern), its syntax (what the worker builds and unifies) and the
// schema, which is part of the ecsgen binary the cache keys every entry by. So the model is
// stored under a hash of the name and the syntax (syntaxHash, or as cue/format prints it), and a later build
// with the same service takes it from there instead of unifying it again. Only models of
// services that validated are stored; a service with any problem is validated again, so
// findings are always computed, with their exact positions (positions are never cached: they
// are read from the syntax on every build).
//
// A rebuild finds the key of a service whose text did not change without parsing or hashing
// its syntax: knownparse.go.
//
// The model is stored in canon's encoding, which gives back exactly the value stored (nil and
// empty slices and maps apart; TestMemoRoundTrip checks every example's services).

package load

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"sync/atomic"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/token"

	"github.com/ecsgen/ecsgen/internal/canon"
	"github.com/ecsgen/ecsgen/schema"
)

// Memo stores results between builds (canon.Memo; internal/cache implements it).
type Memo = canon.Memo

// evaluation is how a spec is validated: the path (Options.Evaluation) and the memo.
type evaluation struct {
	mode Evaluation
	memo Memo
}

// memoService is the kind of memo entries holding a service's validated model.
const memoService = "load.service"

// serviceKey hashes what a service's model depends on besides ecsgen itself: its name and its
// syntax. Nil without a memo, or when the syntax cannot be printed.
//
// The syntax is hashed as a tree (syntaxHash), which costs a tenth of printing it; a tree
// holding anything but plain data is printed with cue/format as before.
func serviceKey(memo Memo, svc userService) []byte {
	if memo == nil {
		return nil
	}
	serviceKeys.Add(1)
	return syntaxKey(svc)
}

// syntaxKey is serviceKey's hash.
func syntaxKey(svc userService) []byte {
	h := sha256.New()
	if !syntaxHash(h, svc.name, svc.expr) {
		src, err := format.Node(svc.expr)
		if err != nil {
			return nil
		}
		h.Write([]byte("fmt\x00"))
		h.Write([]byte(svc.name))
		h.Write([]byte{0})
		h.Write(src)
	}
	return h.Sum(nil)
}

// serviceKeys counts the services whose syntax serviceKey hashed (tests: a rebuild with one
// service edited hashes that one's, and the first's and last's, see knownparse.go).
var serviceKeys atomic.Int64

// syntaxHash writes to h an encoding of a service's name and syntax from which both can be
// read back, comments and positions apart (neither changes the value): every node is tagged
// with its kind, every string and list carries its length, so two trees with the same
// encoding are the same tree. It covers plain data — structs of regular fields, lists,
// literals, signed numbers and the unification of declarations written in several places —
// and reports false on anything else (h is then left as it was).
// The two keys start with different tags ("ast\x00", "fmt\x00"), so they never hash the same
// bytes.
func syntaxHash(h hash.Hash, name string, e ast.Expr) bool {
	w := syntaxWriter{buf: make([]byte, 0, 4096)}
	w.buf = append(w.buf, "ast\x00"...)
	w.str(name)
	if !w.expr(e) {
		return false
	}
	h.Write(w.buf)
	return true
}

// syntaxWriter encodes into buf, which goes to the hash in one write.
type syntaxWriter struct {
	buf []byte
}

func (w *syntaxWriter) tag(b byte) { w.buf = append(w.buf, b) }

func (w *syntaxWriter) num(n int) { w.buf = binary.AppendUvarint(w.buf, uint64(n)) }

func (w *syntaxWriter) str(s string) {
	w.num(len(s))
	w.buf = append(w.buf, s...)
}

func (w *syntaxWriter) expr(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.StructLit:
		var fields []*ast.Field
		for _, d := range e.Elts {
			switch d := d.(type) {
			case *ast.Field:
				fields = append(fields, d)
			case *ast.CommentGroup:
			default:
				return false
			}
		}
		w.tag('{')
		w.num(len(fields))
		for _, f := range fields {
			if f.Alias != nil || len(f.Attrs) > 0 || !w.label(f.Label) {
				return false
			}
			w.num(int(f.Constraint))
			if !w.expr(f.Value) {
				return false
			}
		}
		return true
	case *ast.ListLit:
		w.tag('[')
		w.num(len(e.Elts))
		for _, el := range e.Elts {
			if !w.expr(el) {
				return false
			}
		}
		return true
	case *ast.BasicLit:
		w.tag('l')
		w.num(int(e.Kind))
		w.str(e.Value)
		return true
	case *ast.UnaryExpr:
		w.tag('u')
		w.num(int(e.Op))
		return w.expr(e.X)
	case *ast.BinaryExpr:
		if e.Op != token.AND {
			return false
		}
		w.tag('&')
		return w.expr(e.X) && w.expr(e.Y)
	}
	return false
}

// label writes a field's label: an identifier, or a string literal as written.
func (w *syntaxWriter) label(l ast.Label) bool {
	switch l := l.(type) {
	case *ast.Ident:
		w.tag('i')
		w.str(l.Name)
		return true
	case *ast.BasicLit:
		w.tag('s')
		w.num(int(l.Kind))
		w.str(l.Value)
		return true
	}
	return false
}

// recall decodes a stored model into out; false (out untouched) when there is none or it does
// not decode.
func recall(memo Memo, key []byte, out *schema.Service) bool {
	b, ok := memo.Get(memoService, key)
	if !ok {
		return false
	}
	var s schema.Service
	if canon.Unmarshal(b, &s) != nil {
		return false
	}
	*out = s
	return true
}

// remember stores a validated model; a model canon cannot encode exactly is not stored (false).
func remember(memo Memo, key []byte, s *schema.Service) bool {
	b, err := canon.Marshal(*s)
	if err != nil {
		return false
	}
	memo.Put(memoService, key, b)
	return true
}
