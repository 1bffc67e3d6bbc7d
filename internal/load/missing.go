// Missing required fields and unknown fields, found by walking the schema beside the user's
// value: CUE stops reporting them once anything else is wrong.

package load

import (
	"fmt"
	"strconv"
	"strings"

	"cuelang.org/go/cue"

	"github.com/ecsgen/ecsgen/internal/diag"
)

// walker finds required fields the user left out, by walking the schema and the user's value
// side by side.
type walker struct {
	ctx       *cue.Context
	positions diag.Positions
	findings  diag.List
}

// missing reports every required field under schemaV that user lacks. user may not exist.
func (w *walker) missing(schemaV, user cue.Value, path string) {
	// A value that is a string or a struct (a secret: a reference or {secretsManager: …}):
	// the user's struct is walked with the struct alternative.
	if k := schemaV.IncompleteKind(); k != cue.StructKind && k&cue.StructKind != 0 && user.Exists() && user.IncompleteKind() == cue.StructKind {
		// Dereferenced: a field whose schema names a definition (metric: #Metric) gives the
		// reference from Expr, not the definition's disjunction.
		if op, args := cue.Dereference(schemaV).Expr(); op == cue.OrOp {
			for _, a := range args {
				if a.IncompleteKind() == cue.StructKind {
					w.missing(a, user, path)
					return
				}
			}
		}
	}
	switch schemaV.IncompleteKind() {
	case cue.StructKind:
		if k := user.IncompleteKind(); user.Exists() && k != cue.StructKind && k != cue.BottomKind {
			return // a type error, reported by validation
		}
		it, err := schemaV.Fields(cue.Optional(false))
		if err != nil {
			return
		}
		for it.Next() {
			label := selectorLabel(it.Selector())
			var child cue.Value
			if user.Exists() {
				child = user.LookupPath(cue.MakePath(it.Selector()))
			}
			w.missing(it.Value(), child, join(path, label))
		}
		// Entries of pattern-constrained maps (services, containers, …) only exist in the
		// user's value: take the schema for each from the pattern.
		if user.Exists() {
			uit, err := user.Fields(cue.Optional(true))
			if err != nil {
				return
			}
			for uit.Next() {
				sel := uit.Selector()
				if schemaV.LookupPath(cue.MakePath(sel)).Exists() {
					continue
				}
				if elem, ok := w.patternSchema(schemaV, sel); ok {
					w.missing(elem, uit.Value(), join(path, selectorLabel(sel)))
				} else if !schemaV.Allows(sel) {
					// CUE leaves a field out of its errors when the same struct has a type
					// error: report it here.
					w.unknown(join(path, selectorLabel(sel)))
				}
			}
		}
	case cue.ListKind:
		if !user.Exists() {
			if !complete(schemaV) {
				w.report(path)
			}
			return
		}
		if user.IncompleteKind() != cue.ListKind {
			return
		}
		it, err := user.List()
		if err != nil {
			return
		}
		for i := 0; it.Next(); i++ {
			elem := schemaV.LookupPath(cue.MakePath(cue.Index(i)))
			if !elem.Exists() {
				elem = schemaV.LookupPath(cue.MakePath(cue.AnyIndex))
			}
			if elem.Exists() {
				w.missing(elem, it.Value(), fmt.Sprintf("%s[%d]", path, i))
			}
		}
	default:
		if !user.Exists() && !complete(schemaV) {
			w.report(path)
		}
	}
}

// complete reports whether a schema value, with its default, needs nothing from the user: a
// list like [...T] is complete (empty), [T, ...T] is not (it needs an element).
func complete(v cue.Value) bool {
	if d, ok := v.Default(); ok {
		v = d
	}
	return v.Validate(cue.Concrete(true)) == nil
}

// patternSchema returns the schema a pattern constraint ([Name=string]: T) gives the field sel
// of schemaV, by unifying the schema with a struct that has just that field.
func (w *walker) patternSchema(schemaV cue.Value, sel cue.Selector) (cue.Value, bool) {
	v := schemaV.LookupPath(cue.MakePath(sel.Optional()))
	return v, v.Exists() && v.Err() == nil
}

// unknown reports a field the schema does not allow.
func (w *walker) unknown(path string) {
	field := path[strings.LastIndexAny(path, ".]")+1:]
	w.findings = append(w.findings, diag.Finding{Pos: w.positions.Of(path), Path: path, Message: "unknown field " + strconv.Quote(field)})
}

func (w *walker) report(path string) {
	field := path[strings.LastIndexAny(path, ".]")+1:]
	w.findings = append(w.findings, diag.Finding{
		Pos:     w.positions.Of(diag.Parent(path)),
		Path:    path,
		Message: "missing required field " + strconv.Quote(field),
	})
}
