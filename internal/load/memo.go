// The build cache's part in loading: each service's validated model, kept between builds.
//
// On the per-service path a service's model is a function of three things only: its name
// (which selects the schema's pattern), its syntax (what the worker builds and unifies) and the
// schema, which is part of the ecsgen binary the cache keys every entry by. So the model is
// stored under a hash of the name and the syntax as cue/format prints it, and a later build
// with the same service takes it from there instead of unifying it again. Only models of
// services that validated are stored; a service with any problem is validated again, so
// findings are always computed, with their exact positions (positions are never cached: they
// are read from the syntax on every build).
//
// The model is stored in canon's encoding, which gives back exactly the value stored (nil and
// empty slices and maps apart; TestMemoRoundTrip checks every example's services).

package load

import (
	"crypto/sha256"

	"cuelang.org/go/cue/format"

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
func serviceKey(memo Memo, svc userService) []byte {
	if memo == nil {
		return nil
	}
	src, err := format.Node(svc.expr)
	if err != nil {
		return nil
	}
	h := sha256.New()
	h.Write([]byte(svc.name))
	h.Write([]byte{0})
	h.Write(src)
	return h.Sum(nil)
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

// remember stores a validated model; a model canon cannot encode exactly is not stored.
func remember(memo Memo, key []byte, s *schema.Service) {
	if b, err := canon.Marshal(*s); err == nil {
		memo.Put(memoService, key, b)
	}
}
