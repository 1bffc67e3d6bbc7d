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
func unchosen(s *schema.Spec, positions diag.Locator) diag.List {
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

// decoder decodes a CUE value into the Go model.
type decoder struct {
	// lenient skips the values that cannot be decoded instead of failing.
	lenient bool
	// outOfRange are the numbers the model cannot hold, each a finding.
	outOfRange []*outOfRange
}

// outOfRange is a number the model cannot hold: an integer beyond int64
// (99999999999999999999999), a float beyond float64 (1e400, 1e-400).
type outOfRange struct {
	path  string
	value string
	bits  int
	// float: the model holds a float64 (threshold, target); tiny: the number is too close to 0
	// for it rather than too large.
	float, tiny bool
}

func (e *outOfRange) Error() string { return e.path + ": " + e.value + " is out of range" }

// valuePath is the spec path of a value of the unified spec.
func valuePath(v cue.Value) string {
	var parts []string
	for _, sel := range v.Path().Selectors() {
		parts = append(parts, sel.String())
	}
	return specPath(parts)
}

// leaf handles the failure to decode one value: a lenient decoder skips it.
func (d *decoder) leaf(v cue.Value, err error) error {
	if err == nil {
		return nil
	}
	if r, ok := err.(*outOfRange); ok {
		d.outOfRange = append(d.outOfRange, r)
		return nil // reported as a finding; the field stays zero
	}
	if d.lenient {
		return nil
	}
	return err
}

// findings are the problems decoding found in the spec itself.
func (d *decoder) findings(positions diag.Positions) diag.List {
	var out diag.List
	for _, r := range d.outOfRange {
		if r.float {
			msg, hint := "too large", "use a number of at most 1.7976931348623157e308 in magnitude"
			if r.tiny {
				msg, hint = "too close to 0", "write 0, or a number of at least 1e-307 in magnitude"
			}
			out = append(out, diag.Finding{Pos: positions.Of(r.path), Path: r.path, Message: "the number " + clip(r.value) + " is " + msg, Hint: hint})
			continue
		}
		msg, hint := "too large", "use a number of at most 9223372036854775807"
		if strings.HasPrefix(r.value, "-") {
			msg, hint = "too small", "use a number of at least -9223372036854775808"
		}
		if r.bits == 32 {
			hint = strings.NewReplacer("9223372036854775807", "2147483647", "9223372036854775808", "2147483648").Replace(hint)
		}
		out = append(out, diag.Finding{Pos: positions.Of(r.path), Path: r.path, Message: "the number " + clip(r.value) + " is " + msg, Hint: hint})
	}
	return out
}

// decode fills x from a valid, concrete value, as Value.Decode does, and faster: Value.Decode
// walks every struct through Value.Fields, which sorts the fields of each struct it meets
// (the bulk of its cost on a large spec), while decode looks each Go field up by its JSON name
// and enumerates only maps, whose order does not matter. It handles the kinds of the model —
// structs with JSON tags, maps with string keys, slices, pointers, strings, integers and
// booleans — and hands any other type to Value.Decode. TestDecodeAgrees compares the two.
//
// A lenient decoder skips what it cannot decode (leaving Go's zero value), so that the rules can
// still judge the parts of a spec that are valid when another part has a schema error.
func (d *decoder) decode(v cue.Value, x reflect.Value) error {
	t := x.Type()
	if reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(jsonUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return d.leaf(v, v.Decode(x.Addr().Interface()))
	}
	switch x.Kind() {
	case reflect.Struct:
		fields, ok := jsonFields(t)
		if !ok {
			return d.leaf(v, v.Decode(x.Addr().Interface()))
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
			if err := d.decode(fv, x.Field(f.index)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return d.leaf(v, v.Decode(x.Addr().Interface()))
		}
		m := reflect.MakeMap(t)
		it, err := v.Fields()
		if err != nil {
			return d.leaf(v, err)
		}
		for it.Next() {
			elem := reflect.New(t.Elem()).Elem()
			if err := d.decode(it.Value(), elem); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(it.Selector().Unquoted()).Convert(t.Key()), elem)
		}
		x.Set(m)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return d.leaf(v, v.Decode(x.Addr().Interface()))
		}
		it, err := v.List()
		if err != nil {
			return d.leaf(v, err)
		}
		var elems []cue.Value
		for it.Next() {
			elems = append(elems, it.Value())
		}
		list := reflect.MakeSlice(t, len(elems), len(elems))
		for i, e := range elems {
			if err := d.decode(e, list.Index(i)); err != nil {
				return err
			}
		}
		x.Set(list)
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if err := d.decode(v, p.Elem()); err != nil {
			return err
		}
		x.Set(p)
	case reflect.String:
		str, err := v.String()
		if err != nil {
			return d.leaf(v, err)
		}
		x.SetString(str)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := v.Int64()
		if err == nil && x.OverflowInt(i) {
			err = fmt.Errorf("integer %d overflows %s", i, t)
		}
		if err != nil {
			if v.Kind() == cue.IntKind {
				// A concrete integer that int64 (or the field) cannot hold: a spec problem.
				err = &outOfRange{path: valuePath(v), value: fmt.Sprint(v), bits: t.Bits()}
			}
			return d.leaf(v, err)
		}
		x.SetInt(i)
	case reflect.Float32, reflect.Float64:
		f, err := v.Float64()
		if err == nil && x.OverflowFloat(f) {
			err = cue.ErrAbove
		}
		if err != nil {
			if k := v.Kind(); k == cue.FloatKind || k == cue.IntKind {
				// A concrete number a float64 cannot hold (1e400), or can only hold as 0
				// (1e-400): a spec problem.
				err = &outOfRange{path: valuePath(v), value: fmt.Sprint(v), bits: t.Bits(), float: true, tiny: f == 0}
			}
			return d.leaf(v, err)
		}
		x.SetFloat(f)
	case reflect.Bool:
		b, err := v.Bool()
		if err != nil {
			return d.leaf(v, err)
		}
		x.SetBool(b)
	default:
		return d.leaf(v, v.Decode(x.Addr().Interface()))
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
