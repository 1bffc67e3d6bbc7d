// Decoding a validated value into the Go model (schema.Spec), and the values that validate
// but cannot be decoded because they fit two alternatives of the schema.

package load

import (
	"encoding"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"

	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/schema"
)

// unchosen reports the values that fit more than one alternative of the schema, which CUE
// validates and the decoder resolves without a word: an ingress rule must give exactly one of
// cidr and sourceSecurityGroup.
func unchosen(s *schema.Spec, positions diag.Positions) diag.List {
	var out diag.List
	for _, name := range slices.Sorted(maps.Keys(s.Cluster.Capacity.EC2)) {
		for i, r := range s.Cluster.Capacity.EC2[name].Ingress {
			if r.CIDR == "" && r.SourceSecurityGroup == "" {
				path := fmt.Sprintf("cluster.capacity.ec2.%s.ingress[%d]", name, i)
				out = append(out, diag.Finding{Pos: positions.Of(path), Path: path, Message: "the rule names no source", Hint: "give exactly one of cidr or sourceSecurityGroup"})
			}
		}
	}
	return out
}

// decode fills x from a valid, concrete value, as Value.Decode does, and faster: Value.Decode
// walks every struct through Value.Fields, which sorts the fields of each struct it meets
// (the bulk of its cost on a large spec), while decode looks each Go field up by its JSON name
// and enumerates only maps, whose order does not matter. It handles the kinds of the model —
// structs with JSON tags, maps with string keys, slices, pointers, strings, integers and
// booleans — and hands any other type to Value.Decode. TestDecodeAgrees compares the two.
func decode(v cue.Value, x reflect.Value) error {
	t := x.Type()
	if reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(jsonUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return v.Decode(x.Addr().Interface())
	}
	switch x.Kind() {
	case reflect.Struct:
		fields, ok := jsonFields(t)
		if !ok {
			return v.Decode(x.Addr().Interface())
		}
		// Fields, List and the scalar accessors take the default of a disjunction themselves;
		// LookupPath does not.
		if d, ok := v.Default(); ok {
			v = d
		}
		for _, f := range fields {
			fv := v.LookupPath(cue.MakePath(cue.Str(f.name)))
			if !fv.Exists() {
				continue
			}
			if err := decode(fv, x.Field(f.index)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return v.Decode(x.Addr().Interface())
		}
		m := reflect.MakeMap(t)
		it, err := v.Fields()
		if err != nil {
			return err
		}
		for it.Next() {
			elem := reflect.New(t.Elem()).Elem()
			if err := decode(it.Value(), elem); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(it.Selector().Unquoted()).Convert(t.Key()), elem)
		}
		x.Set(m)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return v.Decode(x.Addr().Interface())
		}
		it, err := v.List()
		if err != nil {
			return err
		}
		var elems []cue.Value
		for it.Next() {
			elems = append(elems, it.Value())
		}
		list := reflect.MakeSlice(t, len(elems), len(elems))
		for i, e := range elems {
			if err := decode(e, list.Index(i)); err != nil {
				return err
			}
		}
		x.Set(list)
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := decode(v, p.Elem()); err != nil {
			return err
		}
		x.Set(p)
	case reflect.String:
		str, err := v.String()
		if err != nil {
			return err
		}
		x.SetString(str)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := v.Int64()
		if err != nil {
			return err
		}
		if x.OverflowInt(i) {
			return fmt.Errorf("%v: integer %d overflows %s", v.Path(), i, t)
		}
		x.SetInt(i)
	case reflect.Bool:
		b, err := v.Bool()
		if err != nil {
			return err
		}
		x.SetBool(b)
	default:
		return v.Decode(x.Addr().Interface())
	}
	return nil
}

var (
	unmarshalerType     = reflect.TypeFor[interface{ UnmarshalCUE(cue.Value) error }]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

type jsonField struct {
	name  string
	index int
}

var fieldCache sync.Map // reflect.Type → []jsonField, or nil when decode leaves the type to Value.Decode

// jsonFields lists the fields of a struct type by JSON name, or reports false for a struct that
// decode leaves to Value.Decode: one with an embedded or untagged exported field.
func jsonFields(t reflect.Type) ([]jsonField, bool) {
	if f, ok := fieldCache.Load(t); ok {
		fields := f.([]jsonField)
		return fields, fields != nil
	}
	var fields []jsonField
	ok := true
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if sf.Anonymous || name == "" {
			ok = false
			break
		}
		fields = append(fields, jsonField{name, i})
	}
	if !ok || fields == nil {
		fields = nil
		ok = false
	}
	fieldCache.Store(t, fields)
	return fields, ok
}

// ambiguous explains a value that fits more than one alternative of the schema, such as an
// ingress rule with neither cidr nor sourceSecurityGroup.
func ambiguous(err error, positions diag.Positions) diag.List {
	var out diag.List
	for _, e := range cueerrors.Errors(err) {
		format, _ := e.Msg()
		if !strings.Contains(format, "non-concrete") {
			continue
		}
		path := specPath(e.Path())
		hint := "give the field that chooses one"
		if strings.HasSuffix(diag.Parent(path), "ingress") {
			hint = "give exactly one of cidr or sourceSecurityGroup"
		}
		out = append(out, diag.Finding{Pos: positions.Of(path), Path: path, Message: "the value fits more than one alternative of the schema", Hint: hint})
	}
	return out
}
