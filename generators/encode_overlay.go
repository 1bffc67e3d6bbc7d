package generators

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Overlays: what the extension types of ecsext.go add to goformation's encoding of the
// resource they extend, for the direct encoder (encode.go). Their MarshalJSON decodes
// goformation's text, edits the Properties and encodes the result again; an overlay says the
// same edits as data, and the direct encoder merges them while it writes the Properties, so
// that the bytes are those of the general path (reencode of MarshalJSON's text). The edits
// are of three kinds, as in MarshalJSON: members added to an object (a member goformation
// already writes is an error, as in mergeStruct, unless the edit replaces it), members added
// inside the object one member holds (created when goformation writes none), and members added
// inside element i of the list one member holds (an error when there is no element i).

type overlay struct {
	add      []extraMember
	within   map[string]*overlay
	elements map[string][]*overlay // by index; nil: nothing for that element
}

// extraMember is a member an extension adds; value is written as encoding/json would write it.
type extraMember struct {
	name    string
	value   any
	replace bool // overwrites a member goformation writes instead of clashing with it
}

// structMembers are the members encoding/json writes for the struct (or pointer to one) v,
// omitempty applied: what mergeStruct adds. ok is false for a struct the plans do not cover.
func structMembers(v any) (_ []extraMember, ok bool) {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, false
		}
		rv = rv.Elem()
	}
	p := planOf(rv.Type())
	if rv.Kind() != reflect.Struct || p.kind != byKind {
		return nil, false
	}
	var out []extraMember
	for _, f := range p.fields {
		fv := rv.Field(f.index)
		if f.omitEmpty && isEmptyValue(fv) {
			continue
		}
		out = append(out, extraMember{name: f.name, value: fv.Interface()})
	}
	return out, true
}

// overlayMember is one member of an object being written with an overlay.
type overlayMember struct {
	name  string
	field *fieldPlan   // a member goformation writes, or nil
	extra *extraMember // a member the overlay adds (or replaces), or nil
	ov    *overlay     // the overlay of the object the member holds, or nil
	elems []*overlay   // the overlays of the elements of the list the member holds, or nil
}

// fieldsWith writes a struct's fields as fields does, with the overlay's edits.
func (w *directWriter) fieldsWith(v reflect.Value, p *typePlan, depth int, ov *overlay) error {
	if ov == nil {
		return w.fields(v, p, depth, "")
	}
	var ms []overlayMember
	index := map[string]int{}
	for i := range p.fields {
		f := &p.fields[i]
		if f.omitEmpty && isEmptyValue(v.Field(f.index)) {
			continue
		}
		index[f.name] = len(ms)
		ms = append(ms, overlayMember{name: f.name, field: f})
	}
	for i := range ov.add {
		x := &ov.add[i]
		if j, written := index[x.name]; written {
			if !x.replace {
				return fmt.Errorf("internal error: goformation now has %s: drop the extension", x.name)
			}
			ms[j].field, ms[j].extra = nil, x
			continue
		}
		index[x.name] = len(ms)
		ms = append(ms, overlayMember{name: x.name, extra: x})
	}
	for name, sub := range ov.within {
		if j, written := index[name]; written {
			ms[j].ov = sub
			continue
		}
		index[name] = len(ms)
		ms = append(ms, overlayMember{name: name, ov: sub}) // an object of the overlay's members only
	}
	for name, elems := range ov.elements {
		j, written := index[name]
		if !written {
			for i, e := range elems {
				if e != nil {
					return fmt.Errorf("internal error: an extension of element %d of %s, which has none", i, name)
				}
			}
			continue
		}
		ms[j].elems = elems
	}
	slices.SortFunc(ms, func(a, b overlayMember) int { return strings.Compare(a.name, b.name) })
	w.out().WriteByte('{')
	n := 0
	for _, m := range ms {
		w.member(m.name, depth, &n)
		var err error
		switch {
		case m.extra != nil:
			err = w.dynamic(m.extra.value, depth+1, m.name)
		case m.field == nil: // created by the overlay
			err = w.fieldsWith(reflect.ValueOf(struct{}{}), planOf(reflect.TypeFor[struct{}]()), depth+1, m.ov)
		default:
			err = w.valueWith(v.Field(m.field.index), depth+1, m.ov, m.elems)
		}
		if err != nil {
			return err
		}
	}
	w.endObject(depth, n)
	return nil
}

// valueWith writes a member's value with the overlay of the object it is, or of the elements
// of the list it is.
func (w *directWriter) valueWith(v reflect.Value, depth int, ov *overlay, elems []*overlay) error {
	if ov == nil && elems == nil {
		return w.value(v, depth, "")
	}
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() || planOf(v.Type()).kind != byKind {
			return fmt.Errorf("internal error: an extension of a %s", v.Type())
		}
		v = v.Elem()
	}
	p := planOf(v.Type())
	switch {
	case p.kind != byKind:
	case ov != nil && v.Kind() == reflect.Struct:
		return w.fieldsWith(v, p, depth, ov)
	case elems != nil && v.Kind() == reflect.Slice:
		some := false
		for i, e := range elems {
			if e != nil && i >= v.Len() {
				return fmt.Errorf("internal error: an extension of element %d of %d", i, v.Len())
			}
			some = some || e != nil
		}
		if !some {
			return w.value(v, depth, "")
		}
		b := w.out()
		b.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				b.WriteByte(',')
			}
			newline(b, depth+1)
			var e *overlay
			if i < len(elems) {
				e = elems[i]
			}
			if err := w.valueWith(v.Index(i), depth+1, e, nil); err != nil {
				return err
			}
		}
		newline(b, depth)
		b.WriteByte(']')
		return nil
	}
	return fmt.Errorf("internal error: an extension of a %s", v.Type())
}
