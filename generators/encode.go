package generators

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/awslabs/goformation/v7/cloudformation"
)

// The direct encoder: templates (and the CLI form of task definitions, cli.go) are written
// straight from goformation's typed values, without the JSON text of encoding/json in between.
//
// The invariant, for every value v: the direct encoding of v is reencode(json.Marshal(v)) —
// what the general path (encodeTemplateByText) gives, byte for byte. Every rule below is a rule
// of encoding/json (field names from tags, omitempty, nil is null, Marshalers, addressability)
// followed by the rules of reencode (keys sorted, two-space indent, strings re-quoted as
// decoded, markers expanded). Whatever a plan does not cover — floats, Marshalers other than
// goformation's resources and the extensions of ecsext.go, embedded fields, tag options but
// omitempty, non-string map keys, keys or markers that are not valid UTF-8 — is marshalled by
// encoding/json and written by reencode: the general path for that value alone.
//
// How it is checked: TestDirectEncodingAgreesOnCases (every rule, hand-made values),
// …OnEveryResourceType (every resource type of goformation with every field set: the
// emulation of their MarshalJSON in directWriter.resource), …OnExtensions (the overlays of
// encode_overlay.go) and …OnExamples (every example and a benchmark spec). The package's tests
// run with verifyEncodings set, so every template, CLI task definition, policy file, intrinsic
// and list of retained resources any of them builds is also built by the general path and
// compared; a difference fails the generation.
//
// What it saves: encoding/json calls each resource's MarshalJSON, which marshals a wrapper
// struct, whose text encoding/json validates and compacts again at each level; reencode then
// scanned each object's members twice to sort them. Here each value is visited once, struct
// fields in an order sorted once per type (the plans: an exact cache, since types never change).

// verifyEncodings makes every direct encoding check itself against the general path (set by
// the package's tests).
var verifyEncodings bool

// directWriter writes values as encodeTemplate writes them.
type directWriter struct {
	// re writes the JSON text of fallbacks and intrinsics; re.out is the output.
	re reencoder
	// keys is a stack of the sorted keys of the maps being written, shared by the levels of
	// the recursion: each level appends its own and truncates them when done.
	keys []string
	// cli, when set, writes the CLI form of a task definition instead (cli.go).
	cli *cliForm
}

// planKind says how a type is written.
type planKind uint8

const (
	byKind      planKind = iota // by its reflect.Kind, as encoding/json does
	byFallback                  // json.Marshal, then reencode: what the plans do not cover
	asResource                  // a goformation resource: its MarshalJSON's wrapper, emulated
	asExtension                 // a resource of ecsext.go: the goformation resource it extends, when it adds nothing
)

// typePlan is how values of one type are written, worked out once per type.
type typePlan struct {
	kind planKind
	// fields are a struct's encoded fields sorted by key (for a resource: its Properties).
	fields []fieldPlan
	// cliOrder lists the indexes of fields sorted by their CLI key; cliDirect says the CLI
	// keys are distinct and none looks like an intrinsic function (cli.go).
	cliOrder  []int
	cliDirect bool
	// wrapper lists a resource's members in key order: Type, Properties and its
	// AWSCloudFormation… attributes.
	wrapper []wrapperMember
	// elem (pointers, slices) and fieldPlans (structs, by index into fields) remember the
	// plans of the types they hold once looked up: each value would look them up again.
	elem       atomic.Pointer[typePlan]
	fieldPlans []atomic.Pointer[typePlan]
}

// elemPlan is the plan of t.Elem(); p is t's plan.
func (p *typePlan) elemPlan(t reflect.Type) *typePlan {
	if q := p.elem.Load(); q != nil {
		return q
	}
	q := planOf(t.Elem())
	p.elem.Store(q)
	return q
}

// fieldPlan is the plan of the type of p.fields[i]; p is t's plan.
func (p *typePlan) fieldPlan(i int, t reflect.Type) *typePlan {
	if q := p.fieldPlans[i].Load(); q != nil {
		return q
	}
	q := planOf(t.Field(p.fields[i].index).Type)
	p.fieldPlans[i].Store(q)
	return q
}

type fieldPlan struct {
	index         int
	name, cliName string
	omitEmpty     bool
}

// wrapperMember is a member of the object goformation's MarshalJSON writes for a resource:
// {Type, Properties, DependsOn, Metadata, DeletionPolicy, UpdateReplacePolicy, Condition,
// UpdatePolicy, CreationPolicy}, the attributes with omitempty.
type wrapperMember struct {
	name  string
	field int // the attribute's field, or -1 for Type, -2 for Properties
}

const (
	wrapperType       = -1
	wrapperProperties = -2
)

var (
	plans             sync.Map // reflect.Type → *typePlan; types never change, so the cache is exact
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	numberType        = reflect.TypeFor[json.Number]()
	stringType        = reflect.TypeFor[string]()
	stringPtrType     = reflect.TypeFor[*string]()
	intPtrType        = reflect.TypeFor[*int]()
	resourceType      = reflect.TypeFor[cloudformation.Resource]()
	extensionType     = reflect.TypeFor[extension]()
)

// goformationResources is the package path prefix of goformation's resource types, whose
// MarshalJSON directWriter.resource emulates.
const goformationResources = "github.com/awslabs/goformation/v7/cloudformation/"

func planOf(t reflect.Type) *typePlan {
	if p, ok := plans.Load(t); ok {
		return p.(*typePlan)
	}
	p, _ := plans.LoadOrStore(t, newPlan(t))
	return p.(*typePlan)
}

func newPlan(t reflect.Type) *typePlan {
	marshals := func(t reflect.Type) bool { return t.Implements(marshalerType) || t.Implements(textMarshalerType) }
	switch {
	case t.Kind() == reflect.Pointer && t.Implements(extensionType):
		return &typePlan{kind: asExtension}
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct && isGoformationResource(t.Elem()):
		// encoding/json calls the value method through the pointer: null when nil, else
		// the wrapper of the struct, which is addressable through the pointer.
		return &typePlan{kind: byKind}
	case t == numberType:
		return &typePlan{kind: byFallback}
	case t.Kind() == reflect.Struct && isGoformationResource(t):
		p := structPlan(t)
		if p.kind != byKind {
			return p
		}
		p.kind = asResource
		p.wrapper = []wrapperMember{{"Type", wrapperType}, {"Properties", wrapperProperties}}
		for i := range t.NumField() {
			f := t.Field(i)
			if name, ok := strings.CutPrefix(f.Name, "AWSCloudFormation"); ok && f.Tag.Get("json") == "-" {
				p.wrapper = append(p.wrapper, wrapperMember{name, i})
			}
		}
		slices.SortFunc(p.wrapper, func(a, b wrapperMember) int { return strings.Compare(a.name, b.name) })
		return p
	case marshals(t), t.Kind() != reflect.Pointer && marshals(reflect.PointerTo(t)):
		// encoding/json calls the method (of *T only on an addressable value): fallback
		// marshals the value, or its address, to the same effect.
		return &typePlan{kind: byFallback}
	}
	switch t.Kind() {
	case reflect.Struct:
		return structPlan(t)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return &typePlan{kind: byFallback}
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !marshals(t.Elem()) && !marshals(reflect.PointerTo(t.Elem())) {
			return &typePlan{kind: byFallback} // base64
		}
	case reflect.Pointer, reflect.Interface, reflect.String, reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
	default:
		return &typePlan{kind: byFallback} // floats, arrays, uintptr, and what encoding/json refuses
	}
	return &typePlan{kind: byKind}
}

// isGoformationResource reports whether t is one of goformation's generated resource types:
// its MarshalJSON (value receiver) writes the wrapper that directWriter.resource emulates.
func isGoformationResource(t reflect.Type) bool {
	return strings.HasPrefix(t.PkgPath(), goformationResources) &&
		t.Implements(marshalerType) && reflect.PointerTo(t).Implements(resourceType)
}

// simpleName is a tag name that encoding/json takes as it is and that needs no escaping.
func simpleName(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

// structPlan lists the fields encoding/json writes, for structs without embedded fields and
// with no tag option but omitempty; other structs fall back.
func structPlan(t reflect.Type) *typePlan {
	p := &typePlan{kind: byKind}
	seen := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			return &typePlan{kind: byFallback} // embedding: encoding/json's promotion rules
		}
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		if !simpleName(name) || (opts != "" && opts != "omitempty") || seen[name] {
			return &typePlan{kind: byFallback}
		}
		seen[name] = true
		p.fields = append(p.fields, fieldPlan{index: i, name: name, cliName: cliKey(name), omitEmpty: opts == "omitempty"})
	}
	slices.SortFunc(p.fields, func(a, b fieldPlan) int { return strings.Compare(a.name, b.name) })
	p.fieldPlans = make([]atomic.Pointer[typePlan], len(p.fields))
	p.cliOrder = make([]int, len(p.fields))
	cliSeen := map[string]bool{}
	p.cliDirect = true
	for i, f := range p.fields {
		p.cliOrder[i] = i
		if cliSeen[f.cliName] || intrinsicName.MatchString(f.name) {
			p.cliDirect = false
		}
		cliSeen[f.cliName] = true
	}
	slices.SortFunc(p.cliOrder, func(a, b int) int { return strings.Compare(p.fields[a].cliName, p.fields[b].cliName) })
	return p
}

func (w *directWriter) out() *bytes.Buffer { return w.re.out }

// value writes v as reencode(json.Marshal(v)) writes it, without the final newline. parent is
// the key of the member holding v (the CLI form renames keys by it).
func (w *directWriter) value(v reflect.Value, depth int, parent string) error {
	// The commonest leaves, which have no methods, skip the lookup of their plan.
	switch v.Type() {
	case stringType:
		return w.string(v.String(), depth, parent)
	case stringPtrType:
		if v.IsNil() {
			w.out().WriteString("null")
			return nil
		}
		return w.string(v.Elem().String(), depth, parent)
	case intPtrType:
		if v.IsNil() {
			w.out().WriteString("null")
			return nil
		}
		w.out().Write(strconv.AppendInt(w.out().AvailableBuffer(), v.Elem().Int(), 10))
		return nil
	}
	return w.valueOf(v, planOf(v.Type()), depth, parent)
}

// valueOf is value, with the plan of v's type.
func (w *directWriter) valueOf(v reflect.Value, p *typePlan, depth int, parent string) error {
	switch p.kind {
	case byFallback:
		return w.fallback(v, depth, parent)
	case asResource:
		if w.cli != nil || !v.CanAddr() {
			return w.fallback(v, depth, parent)
		}
		return w.resource(v, p, depth, nil)
	case asExtension:
		if v.IsNil() {
			w.out().WriteString("null")
			return nil
		}
		base, ov, ok := v.Interface().(extension).extends()
		if !ok || w.cli != nil {
			return w.fallback(v, depth, parent)
		}
		if ov == nil {
			return w.value(reflect.ValueOf(base), depth, parent)
		}
		bv := reflect.ValueOf(base)
		if bv.Kind() != reflect.Pointer || bv.IsNil() || planOf(bv.Type().Elem()).kind != asResource {
			return w.fallback(v, depth, parent)
		}
		return w.resource(bv.Elem(), planOf(bv.Type().Elem()), depth, ov)
	}
	b := w.out()
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("null")
			return nil
		}
		return w.valueOf(v.Elem(), p.elemPlan(v.Type()), depth, parent)
	case reflect.Interface:
		if v.IsNil() {
			b.WriteString("null")
			return nil
		}
		return w.value(v.Elem(), depth, parent)
	case reflect.String:
		return w.string(v.String(), depth, parent)
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.Write(strconv.AppendInt(b.AvailableBuffer(), v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		b.Write(strconv.AppendUint(b.AvailableBuffer(), v.Uint(), 10))
	case reflect.Slice:
		return w.slice(v, p, depth, parent)
	case reflect.Map:
		return w.mapValue(v, depth, parent)
	case reflect.Struct:
		if w.cli != nil && !p.cliDirect {
			return w.fallback(v, depth, parent)
		}
		return w.fields(v, p, depth, parent)
	default:
		return w.fallback(v, depth, parent)
	}
	return nil
}

// fallback writes v as the general path does: encoding/json's text, re-encoded (in the CLI
// form: decoded and converted, cli.go). encoding/json calls a method of *T on an addressable
// value only; marshalling the address of an addressable value, and the value itself
// otherwise, keeps that.
func (w *directWriter) fallback(v reflect.Value, depth int, parent string) error {
	var x any
	if v.CanAddr() {
		x = v.Addr().Interface()
	} else {
		x = v.Interface()
	}
	raw, err := json.Marshal(x)
	if err != nil {
		return err
	}
	if w.cli != nil {
		return w.cli.tree(w, raw, depth, parent)
	}
	end, err := w.re.value(raw, 0, depth)
	if err == nil && skipSpace(raw, end) != len(raw) {
		err = malformed(raw, end)
	}
	return err
}

// string writes a string, or the intrinsic function a marker holds.
func (w *directWriter) string(s string, depth int, parent string) error {
	if len(s) == 0 || s[0] != marker[0] {
		writeDecodedString(w.out(), s)
		return nil
	}
	if !utf8.ValidString(s) {
		s = decodedUTF8(s) // reencode saw the marker after decoding
	}
	if w.cli != nil {
		return w.cli.intrinsic(w, s, depth, parent)
	}
	return w.re.intrinsicJSON([]byte(s[len(marker):]), depth)
}

// decodedUTF8 is s as decoding encoding/json's encoding of it gives: each byte of invalid
// UTF-8 replaced by U+FFFD.
func decodedUTF8(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func (w *directWriter) slice(v reflect.Value, p *typePlan, depth int, parent string) error {
	b := w.out()
	if v.IsNil() {
		b.WriteString("null")
		return nil
	}
	n := v.Len()
	if n == 0 {
		b.WriteString("[]")
		return nil
	}
	if n == 1 {
		// A list holding only a list marker stands for the intrinsic after its first NUL.
		s, isString, known := stringOf(v.Index(0))
		if !known {
			return w.fallback(v, depth, parent)
		}
		if isString && strings.HasPrefix(s, listMarker) {
			if !utf8.ValidString(s) {
				s = decodedUTF8(s)
			}
			if w.cli != nil {
				return w.cli.intrinsic(w, s[len(marker):], depth, parent)
			}
			return w.re.intrinsicJSON([]byte(s[len(listMarker):]), depth)
		}
	}
	ep := p.elemPlan(v.Type())
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		newline(b, depth+1)
		if err := w.valueOf(v.Index(i), ep, depth+1, parent); err != nil {
			return err
		}
	}
	newline(b, depth)
	b.WriteByte(']')
	return nil
}

// stringOf is the string v is written as, if it is one; known is false when only encoding/json
// can tell (a Marshaler).
func stringOf(v reflect.Value) (s string, isString, known bool) {
	for {
		if planOf(v.Type()).kind != byKind {
			return "", false, false
		}
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return "", false, true
			}
			v = v.Elem()
		case reflect.String:
			return v.String(), true, true
		default:
			return "", false, true
		}
	}
}

// member writes the separator and key of an object's member; n counts the members written.
func (w *directWriter) member(key string, depth int, n *int) {
	b := w.out()
	if *n > 0 {
		b.WriteByte(',')
	}
	*n++
	newline(b, depth+1)
	b.WriteByte('"')
	b.WriteString(key) // a simple name (structPlan) needs no escaping
	b.WriteString(`": `)
}

func (w *directWriter) endObject(depth, n int) {
	if n > 0 {
		newline(w.out(), depth)
	}
	w.out().WriteByte('}')
}

// fields writes a struct's fields as an object.
func (w *directWriter) fields(v reflect.Value, p *typePlan, depth int, parent string) error {
	w.out().WriteByte('{')
	n := 0
	renamed := w.cli != nil && !userKeyedMaps[parent]
	for i := range p.fields {
		j := i
		if renamed {
			j = p.cliOrder[i]
		}
		fp := &p.fields[j]
		key := fp.name
		if renamed {
			key = fp.cliName
		}
		f := v.Field(fp.index)
		if fp.omitEmpty && isEmptyValue(f) {
			continue
		}
		w.member(key, depth, &n)
		if err := w.valueOf(f, p.fieldPlan(j, v.Type()), depth+1, fp.name); err != nil {
			return err
		}
	}
	w.endObject(depth, n)
	return nil
}

// resource writes a goformation resource as its MarshalJSON does: its fields under
// Properties, its type and its attributes beside them; an extension's overlay edits the
// Properties (encode_overlay.go). v is addressable (the type's method has a pointer receiver).
func (w *directWriter) resource(v reflect.Value, p *typePlan, depth int, ov *overlay) error {
	w.out().WriteByte('{')
	n := 0
	for _, m := range p.wrapper {
		switch m.field {
		case wrapperType:
			w.member(m.name, depth, &n)
			writeDecodedString(w.out(), v.Addr().Interface().(cloudformation.Resource).AWSCloudFormationType())
		case wrapperProperties:
			w.member(m.name, depth, &n)
			if err := w.fieldsWith(v, p, depth+1, ov); err != nil {
				return err
			}
		default:
			f := v.Field(m.field)
			if isEmptyValue(f) {
				continue
			}
			w.member(m.name, depth, &n)
			if err := w.value(f, depth+1, m.name); err != nil {
				return err
			}
		}
	}
	w.endObject(depth, n)
	return nil
}

// mapValue writes a map with string keys, sorted. The commonest maps of templates (metadata,
// policies, resources, options) are read without reflection, which copies each value it reads
// out of a map.
func (w *directWriter) mapValue(v reflect.Value, depth int, parent string) error {
	if v.IsNil() {
		w.out().WriteString("null")
		return nil
	}
	if w.cli != nil {
		return w.cli.mapValue(w, v, depth, parent)
	}
	if v.CanInterface() {
		switch m := v.Interface().(type) {
		case map[string]any:
			return writeMap(w, v, m, depth, func(k string, x any) error { return w.dynamic(x, depth+1, k) })
		case cloudformation.Resources:
			return writeMap(w, v, m, depth, func(k string, x cloudformation.Resource) error { return w.dynamic(x, depth+1, k) })
		case map[string]string:
			return writeMap(w, v, m, depth, func(_ string, x string) error { return w.string(x, depth+1, "") })
		}
	}
	values := map[string]reflect.Value{}
	for iter := v.MapRange(); iter.Next(); {
		values[iter.Key().String()] = iter.Value()
	}
	return writeMap(w, v, values, depth, func(k string, x reflect.Value) error { return w.value(x, depth+1, k) })
}

// dynamic writes the value an interface holds.
func (w *directWriter) dynamic(x any, depth int, parent string) error {
	if x == nil {
		w.out().WriteString("null")
		return nil
	}
	return w.value(reflect.ValueOf(x), depth, parent)
}

// writeMap writes m (which is v) with its keys sorted; keys that are not valid UTF-8 could
// decode alike, and fall back.
func writeMap[V any](w *directWriter, v reflect.Value, m map[string]V, depth int, write func(string, V) error) error {
	base := len(w.keys)
	defer func() { w.keys = w.keys[:base] }()
	for k := range m {
		if !utf8.ValidString(k) {
			return w.fallback(v, depth, "")
		}
		w.keys = append(w.keys, k)
	}
	keys := w.keys[base:]
	slices.Sort(keys)
	b := w.out()
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		newline(b, depth+1)
		writeDecodedString(b, k)
		b.WriteString(": ")
		if err := write(k, m[k]); err != nil {
			return err
		}
	}
	w.endObject(depth, len(keys))
	return nil
}

// isEmptyValue is encoding/json's test for omitempty.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64,
		reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// encodeTemplate renders a template as indented JSON with its intrinsic markers expanded and
// nothing evaluated. Map keys come out sorted, so the same template gives the same bytes.
func encodeTemplate(t *cloudformation.Template) ([]byte, error) {
	b := getBuffer()
	b.Grow(16 << 10)
	w := directWriter{re: reencoder{out: b}}
	if err := w.value(reflect.ValueOf(t), 0, ""); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	out := release(b)
	if verifyEncodings {
		want, err := encodeTemplateByText(t)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(out, want) {
			return nil, fmt.Errorf("internal error: the direct encoding of template %q differs from the general one:\n%s\n---\n%s", t.Description, out, want)
		}
	}
	return out, nil
}

// encodeTemplateByText is the general path: encoding/json's text of the template, re-encoded.
func encodeTemplateByText(t *cloudformation.Template) ([]byte, error) {
	raw, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	return reencode(raw)
}
