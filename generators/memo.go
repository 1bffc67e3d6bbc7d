// The build cache's part in generation: each service's stack and the files beside it, kept
// between builds.
//
// serviceStacks builds a service's stack from a view of the spec holding that service alone,
// so what goes into it is: the spec without its services, the service, the dedicated
// listeners of the whole spec (schema.Spec.DedicatedListeners) and the services that call it
// (env.callers) — the values derived across services that a service's stack reads —,
// and the code of ecsgen, which the cache keys every entry by. The key hashes the first three in canon's encoding, which tells nil from empty, so
// two models that could give different bytes never share a key. What a service adds to the
// output (its stack, task definition, policies, userdata, its entry of deploy-plan.json and
// the resources it retains) is stored in canon's encoding too, which gives back exactly what
// was stored. Stacks that fail (a limit the spec breaks) are never stored.

package generators

import (
	"crypto/sha256"

	"github.com/ecsgen/ecsgen/internal/canon"
	"github.com/ecsgen/ecsgen/schema"
)

// Memo stores results between builds (canon.Memo; internal/cache implements it).
type Memo = canon.Memo

// memoServiceStack is the kind of memo entries holding what a service adds to the output.
const memoServiceStack = "generators.service"

// sharedKey hashes what every service's stack reads besides the service itself: the spec
// without its services, and the dedicated listeners. Nil without a memo, or when the spec
// cannot be encoded exactly.
func (e *env) sharedKey() []byte {
	if e.memo == nil {
		return nil
	}
	rest := *e.spec
	rest.Services = nil
	b, err := canon.Marshal(struct {
		Spec      schema.Spec
		Dedicated map[[2]string]string
		Partition string
	}{rest, e.dedicated, e.partition})
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

// serviceKey is the memo key of one service's output; nil when there is no shared key.
func (e *env) serviceKey(shared []byte, name string, svc schema.Service, callers []string) []byte {
	if shared == nil {
		return nil
	}
	b, err := canon.Marshal(struct {
		Shared  []byte
		Name    string
		Service schema.Service
		Callers []string
	}{shared, name, svc, callers})
	if err != nil {
		return nil
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

// storedOutput is serviceOutput as it is stored.
type storedOutput struct {
	Files, ExtraFiles Files
	Stacks            []stackInPlan
	Retained          []string
}

func (e *env) recall(key []byte) (serviceOutput, bool) {
	if key == nil {
		return serviceOutput{}, false
	}
	b, ok := e.memo.Get(memoServiceStack, key)
	if !ok {
		return serviceOutput{}, false
	}
	// The files' bytes are slices of the entry (UnmarshalShared), which the memo never
	// modifies, nor does anything after generation modify generated files.
	var s storedOutput
	if canon.UnmarshalShared(b, &s) != nil || s.Files == nil || s.ExtraFiles == nil {
		return serviceOutput{}, false
	}
	return serviceOutput{out: s.Files, extraFiles: s.ExtraFiles, plan: deployPlan{Stacks: s.Stacks}, retained: s.Retained}, true
}

func (e *env) remember(key []byte, o serviceOutput) {
	if key == nil {
		return
	}
	b, err := canon.Marshal(storedOutput{Files: o.out, ExtraFiles: o.extraFiles, Stacks: o.plan.Stacks, Retained: o.retained})
	if err == nil {
		e.memo.Put(memoServiceStack, key, b)
	}
}
