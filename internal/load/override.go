package load

import (
	"cuelang.org/go/cue"

	"github.com/ecsgen/ecsgen/internal/diag"
)

// Environment overrides. An environment's override is merged into the shared defaults field by
// field: structs merge, scalars and lists replace. Two markers say otherwise:
//
//   - key: null removes the key (a service, a capacity, a tag, a log group, a strategy entry)
//     from the defaults, so the schema's default, if any, applies again;
//   - key: {…} @replace() replaces the default's struct wholesale instead of merging into it,
//     e.g. capacity: {FARGATE_SPOT: weight: 1} @replace() instead of FARGATE.
//
// Neither changes how defaults and overrides without them merge.

// replaceAttr is the field attribute that makes an override replace its default wholesale.
const replaceAttr = "replace"

func replaces(v cue.Value) bool {
	a := v.Attribute(replaceAttr)
	return a.Err() == nil
}

// merge returns base with over merged in: fields of both structs merge recursively, a field
// that over sets to null is left out, a field over marks @replace() and anything else in over
// replaces base. At the top, base's environments and over's env and environments are left out.
func merge(ctx *cue.Context, base, over cue.Value, top bool) cue.Value {
	if base.IncompleteKind() != cue.StructKind || over.IncompleteKind() != cue.StructKind {
		return withoutNulls(ctx, over)
	}
	skip := func(sel cue.Selector) bool {
		l := selectorLabel(sel)
		return top && (l == "environments" || l == "env")
	}
	out := ctx.CompileString("{}")
	it, err := base.Fields(cue.Optional(true))
	if err != nil {
		return over
	}
	for it.Next() {
		sel := it.Selector()
		if skip(sel) {
			continue
		}
		child := it.Value()
		if o := over.LookupPath(cue.MakePath(sel)); o.Exists() {
			switch {
			case o.IsNull():
				continue // removed by the override
			case replaces(o):
				child = withoutNulls(ctx, o)
			default:
				child = merge(ctx, child, o, false)
			}
		}
		out = out.FillPath(cue.MakePath(sel), child)
	}
	it, err = over.Fields(cue.Optional(true))
	if err != nil {
		return over
	}
	for it.Next() {
		sel := it.Selector()
		if skip(sel) || it.Value().IsNull() || base.LookupPath(cue.MakePath(sel)).Exists() {
			continue
		}
		out = out.FillPath(cue.MakePath(sel), withoutNulls(ctx, it.Value()))
	}
	return out
}

// withoutNulls is v without the fields set to null anywhere in its structs: in a value that
// replaces or adds to the defaults, null removes nothing (overrideProblems reports it).
func withoutNulls(ctx *cue.Context, v cue.Value) cue.Value {
	if v.IncompleteKind() != cue.StructKind || !hasNull(v) {
		return v
	}
	out := ctx.CompileString("{}")
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return v
	}
	for it.Next() {
		if !it.Value().IsNull() {
			out = out.FillPath(cue.MakePath(it.Selector()), withoutNulls(ctx, it.Value()))
		}
	}
	return out
}

func hasNull(v cue.Value) bool {
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return false
	}
	for it.Next() {
		c := it.Value()
		if c.IsNull() || (c.IncompleteKind() == cue.StructKind && hasNull(c)) {
			return true
		}
	}
	return false
}

// overrideProblems reports the nulls of an environment's override that remove nothing: the
// defaults do not have the field (a typo, or a value only the schema's default gives, which
// applies anyway).
func overrideProblems(base, over cue.Value, prefix string, at func(path, msg, hint string)) {
	it, err := over.Fields(cue.Optional(true))
	if err != nil {
		return
	}
	for it.Next() {
		sel, child := it.Selector(), it.Value()
		p := prefix + "." + selectorLabel(sel)
		var b cue.Value
		if base.Exists() && base.IncompleteKind() == cue.StructKind {
			b = base.LookupPath(cue.MakePath(sel))
		}
		switch {
		case child.IsNull() && !b.Exists():
			hint := "remove it: null removes a field the shared defaults set"
			if best := diag.Closest(selectorLabel(sel), fieldLabels(base)); best != "" {
				hint = "did you mean " + best + "?"
			}
			at(p, "null removes nothing here: the shared defaults do not set this field", hint)
		case child.IncompleteKind() == cue.StructKind:
			if replaces(child) || !b.Exists() {
				b = cue.Value{}
			}
			overrideProblems(b, child, p, at)
		}
	}
}

// fieldLabels are the labels of a struct's fields.
func fieldLabels(v cue.Value) []string {
	var out []string
	if v.IncompleteKind() != cue.StructKind {
		return nil
	}
	it, err := v.Fields(cue.Optional(true))
	if err != nil {
		return nil
	}
	for it.Next() {
		out = append(out, selectorLabel(it.Selector()))
	}
	return out
}
