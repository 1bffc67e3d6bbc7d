// Package load turns the user's CUE files into a validated schema.Spec.
//
// It is the only package that touches CUE. It unifies the user's files with the embedded #Spec
// schema and reports every problem at once, one line each, positioned in the user's file. Raw CUE
// errors are not good enough for that: CUE drops a missing required field whenever another error
// exists, prints one line per failed disjunct ("3 errors in empty disjunction"), and prefixes
// every path with "#Spec.". So the loader collects CUE's errors, groups them by field and
// translates them, and finds missing fields itself by walking the schema beside the user's value.
package load

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/load"
	"cuelang.org/go/cue/token"

	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/schema"
)

// schemaFile is the file name CUE gives positions inside the embedded schema; positions there
// are never shown to users, who cannot edit the schema.
const schemaFile = "ecsgen/schema.cue"

// Options tune a load.
type Options struct {
	// Tags are injected into @tag() attributes of the user's files, as "key=value" (the
	// -t flag): e.g. image_tag=1.2.3 from CI.
	Tags []string
	// Dir is the directory relative file names are resolved from. Default: the current one.
	Dir string
	// Envs selects the environments to load (the --env flag); empty: every environment.
	Envs []string
}

// Result is a loaded spec with where the user wrote each of its fields: one Env per
// environment, in the order the spec declares them. Spec and Positions are the first
// environment's (a spec without environments has exactly one).
type Result struct {
	Spec      *schema.Spec
	Positions diag.Positions
	Envs      []Env
	// Multi is set when the spec declares environments.
	Multi bool
}

// A compiled schema is immutable and safe to share; compile it once per process.
var compiled struct {
	once sync.Once
	ctx  *cue.Context
	spec cue.Value
	err  error
}

func compiledSchema() (*cue.Context, cue.Value, error) {
	compiled.once.Do(func() {
		ctx := cuecontext.New()
		v := ctx.CompileBytes(schema.CUE, cue.Filename(schemaFile))
		if v.Err() != nil {
			compiled.err = fmt.Errorf("internal error: embedded schema does not compile: %v", cueerrors.Details(v.Err(), nil))
			return
		}
		compiled.ctx, compiled.spec = ctx, v.LookupPath(cue.ParsePath("#Spec"))
	})
	return compiled.ctx, compiled.spec, compiled.err
}

// Files loads and validates the user's spec files (unified into one spec). It returns either a
// Result or a non-empty list of findings, never both.
func Files(files []string, opts Options) (*Result, diag.List, error) {
	ctx, spec, err := compiledSchema()
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 0 {
		return nil, nil, errors.New("no spec file given")
	}
	if findings := preflight(files, opts.Dir); len(findings) > 0 {
		return nil, findings, nil
	}
	if data, err := dataFiles(files); err != nil {
		return nil, nil, err
	} else if data {
		if len(opts.Tags) > 0 {
			return nil, nil, errors.New("-t fills CUE @tag() attributes: it needs a CUE spec, not YAML or JSON")
		}
		user, syntax, findings := buildData(ctx, files, opts.Dir)
		if len(findings) > 0 {
			return nil, findings, nil
		}
		return checkEnvs(ctx, spec, user, opts, syntax)
	}
	insts := load.Instances(files, &load.Config{Dir: opts.Dir, Tags: opts.Tags})
	if len(insts) != 1 {
		return nil, nil, fmt.Errorf("the spec files must form one CUE package, got %d", len(insts))
	}
	inst := insts[0]
	if inst.Err != nil {
		return nil, translate(inst.Err, nil), nil
	}
	user := ctx.BuildInstance(inst)
	if err := user.Err(); err != nil {
		return nil, translate(err, nil), nil
	}
	return checkEnvs(ctx, spec, user, opts, inst.Files)
}

// preflight catches what CUE reports badly or not at all: unreadable files, empty files and
// bytes that are not UTF-8.
func preflight(files []string, dir string) diag.List {
	var out diag.List
	for _, f := range files {
		if f == "-" {
			continue
		}
		p := f
		if dir != "" && !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			out = append(out, diag.Finding{Pos: diag.Pos{File: f}, Message: "cannot read the spec: " + strings.TrimPrefix(err.Error(), "open "+p+": ")})
			continue
		}
		if len(strings.TrimSpace(string(data))) == 0 {
			out = append(out, diag.Finding{Pos: diag.Pos{File: f}, Message: "the spec file is empty", Hint: "start from examples/cluster-autoscaling/spec.cue"})
			continue
		}
		if !utf8.Valid(data) {
			line, col := 1, 1
			for i := 0; i < len(data); {
				r, n := utf8.DecodeRune(data[i:])
				if r == utf8.RuneError && n <= 1 {
					break
				}
				if r == '\n' {
					line, col = line+1, 1
				} else {
					col++
				}
				i += n
			}
			out = append(out, diag.Finding{Pos: diag.Pos{File: f, Line: line, Col: col}, Message: "the spec is not valid UTF-8", Hint: "save the file as UTF-8"})
		}
	}
	return out
}

// check unifies the user's value with #Spec and decodes it, or explains why it cannot.
func check(ctx *cue.Context, spec, user cue.Value, syntax []*ast.File) (*Result, diag.List, error) {
	positions := diag.Positions{}
	var findings diag.List
	p := positioner{out: positions, names: map[string]string{}}
	if !p.fromSyntax(user, syntax, &findings) {
		p.collect(user, "", &findings)
	}
	s, more, err := validate(ctx, spec, user, positions)
	findings = append(findings, more...).Dedup()
	if err != nil || len(findings) > 0 {
		return nil, findings, err
	}
	return &Result{Spec: s, Positions: positions}, nil, nil
}

// validate unifies one environment's value with #Spec and decodes it, or explains why it
// cannot, with the user's positions of its fields.
func validate(ctx *cue.Context, spec, user cue.Value, positions diag.Positions) (*schema.Spec, diag.List, error) {
	var findings diag.List
	unified := spec.Unify(user)
	if err := unified.Validate(cue.All(), cue.Concrete(true)); err != nil {
		findings = append(findings, translate(err, positions)...)
		suggestFields(ctx, spec, findings)
		// CUE stops reporting missing fields once anything else is wrong, so find them
		// ourselves. When validation passes, every field is concrete, so none is missing: the
		// walk, which costs more than the validation on large specs, is for failed builds only
		// (TestNothingMissingWhenValid guards the shortcut).
		w := walker{ctx: ctx, positions: positions}
		w.missing(spec, user, "")
		findings = append(findings, w.findings...)
	}
	findings = findings.Dedup()
	if len(findings) > 0 {
		return nil, findings, nil
	}
	var s schema.Spec
	if err := decode(unified, reflect.ValueOf(&s).Elem()); err != nil {
		// A value that fits two alternatives of the schema validates but cannot be decoded.
		if f := ambiguous(err, positions); len(f) > 0 {
			return nil, f, nil
		}
		return nil, nil, fmt.Errorf("internal error: a valid spec did not decode: %v", err)
	}
	if f := unchosen(&s, positions); len(f) > 0 {
		return nil, f, nil
	}
	return &s, nil, nil
}

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

// positioner records where the user wrote every field, keyed by spec path. On the way it
// rejects NUL characters in strings: ecsgen's generators use NUL to mark CloudFormation
// intrinsics, so user data must never contain one.
type positioner struct {
	out   diag.Positions
	names map[string]string // displayName of each file name met, computed once per file
}

// record sets the position of path.
func (p *positioner) record(path string, pos token.Pos) {
	if !pos.IsValid() {
		return
	}
	file := pos.Filename()
	name, ok := p.names[file]
	if !ok {
		name = displayName(file)
		p.names[file] = name
	}
	p.out[path] = diag.Pos{File: name, Line: pos.Line(), Col: pos.Column()}
}

// nul reports a string value that holds a NUL character.
func (p *positioner) nul(path, str string, findings *diag.List) {
	if strings.ContainsRune(str, 0) {
		*findings = append(*findings, diag.Finding{Pos: p.out.Of(path), Path: path, Message: "the value contains a NUL character", Hint: "remove the \\u0000"})
	}
}

// collect records the positions of v and everything under it by walking the evaluated value.
func (p *positioner) collect(v cue.Value, path string, findings *diag.List) {
	p.record(path, v.Pos())
	switch v.IncompleteKind() {
	case cue.StringKind:
		if str, err := v.String(); err == nil {
			p.nul(path, str, findings)
		}
	case cue.StructKind:
		it, err := v.Fields(cue.Optional(true))
		if err != nil {
			return
		}
		for it.Next() {
			p.collect(it.Value(), join(path, selectorLabel(it.Selector())), findings)
		}
	case cue.ListKind:
		it, err := v.List()
		if err != nil {
			return
		}
		for i := 0; it.Next(); i++ {
			p.collect(it.Value(), path+"["+strconv.Itoa(i)+"]", findings)
		}
	}
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

// fromSyntax does what collect does, from the syntax of the user's files instead of the
// evaluated value, which costs a tenth as much on a large spec: CUE's field iterator sorts
// the fields of every struct it visits. It applies only to plain data — fields with literal
// names holding structs, lists, strings, numbers and booleans — where the syntax tree and the
// value are the same tree; a struct may be written in several places (services: a: … then
// services: b: …), whose position then comes from the value (TestSyntaxPositionsAgree checks
// that the two walks agree). On anything else — a reference, an expression, a comprehension,
// a hidden field or definition, an optional field, an attribute (such as @tag), an import, a
// list or a scalar written twice — it records nothing and reports false, and the caller walks
// the value.
func (p *positioner) fromSyntax(user cue.Value, files []*ast.File, findings *diag.List) bool {
	if len(files) == 0 || len(p.out) > 0 {
		return false
	}
	s := syntaxWalk{p: p, structs: map[string]bool{}, twice: map[string][]cue.Selector{}}
	p.record("", user.Pos())
	for _, f := range files {
		if !s.decls(f.Decls, "", true) {
			clear(p.out)
			return false
		}
	}
	for path, sels := range s.twice {
		delete(p.out, path)
		p.record(path, user.LookupPath(cue.MakePath(sels...)).Pos())
	}
	*findings = append(*findings, s.findings...)
	return true
}

type syntaxWalk struct {
	p        *positioner               // its out holds the paths declared so far
	structs  map[string]bool           // the paths declared with a struct value
	twice    map[string][]cue.Selector // the struct paths declared more than once
	sels     []cue.Selector            // the selectors of the path being walked
	findings diag.List
}

// declare records the position of a path declared at pos, and reports whether it was
// declared before.
func (s *syntaxWalk) declare(path string, pos token.Pos) (again, ok bool) {
	if _, again := s.p.out[path]; again {
		return true, true
	}
	if !pos.IsValid() {
		return false, false
	}
	s.p.record(path, pos)
	return false, true
}

func (s *syntaxWalk) decls(decls []ast.Decl, path string, file bool) bool {
	for _, d := range decls {
		switch d := d.(type) {
		case *ast.Field:
			if d.Constraint != token.ILLEGAL || len(d.Attrs) > 0 {
				return false
			}
			label, ok := plainLabel(d.Label)
			if !ok {
				return false
			}
			fp := join(path, label)
			_, isStruct := d.Value.(*ast.StructLit)
			s.sels = append(s.sels, cue.Str(label))
			again, ok := s.declare(fp, d.Pos())
			switch {
			case !ok:
				return false
			case again && (!isStruct || !s.structs[fp]):
				return false // a scalar or list written twice
			case again:
				s.twice[fp] = slices.Clone(s.sels)
			case isStruct:
				s.structs[fp] = true
			}
			if !s.value(d.Value, fp) {
				return false
			}
			s.sels = s.sels[:len(s.sels)-1]
		case *ast.CommentGroup:
		case *ast.Package:
			if !file {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func (s *syntaxWalk) value(e ast.Expr, path string) bool {
	switch e := e.(type) {
	case *ast.StructLit:
		return s.decls(e.Elts, path, false)
	case *ast.ListLit:
		for i, el := range e.Elts {
			ep := path + "[" + strconv.Itoa(i) + "]"
			if again, ok := s.declare(ep, el.Pos()); again || !ok {
				return false // a list written twice
			}
			s.sels = append(s.sels, cue.Index(i))
			if !s.value(el, ep) {
				return false
			}
			s.sels = s.sels[:len(s.sels)-1]
		}
		return true
	case *ast.BasicLit:
		return s.literal(e, path)
	case *ast.UnaryExpr:
		lit, ok := e.X.(*ast.BasicLit)
		return ok && (e.Op == token.SUB || e.Op == token.ADD) && (lit.Kind == token.INT || lit.Kind == token.FLOAT)
	}
	return false
}

func (s *syntaxWalk) literal(lit *ast.BasicLit, path string) bool {
	switch lit.Kind {
	case token.INT, token.FLOAT, token.TRUE, token.FALSE, token.NULL:
		return true
	case token.STRING:
		if strings.HasPrefix(strings.TrimLeft(lit.Value, "#"), "'") {
			return false // bytes
		}
		str, err := literal.Unquote(lit.Value)
		if err != nil {
			return false
		}
		s.p.nul(path, str, &s.findings)
		return true
	}
	return false
}

// plainLabel is the name of a regular field with a literal label.
func plainLabel(l ast.Label) (string, bool) {
	switch l := l.(type) {
	case *ast.Ident:
		if strings.HasPrefix(l.Name, "_") || strings.HasPrefix(l.Name, "#") || l.Name == "" {
			return "", false
		}
		return l.Name, true
	case *ast.BasicLit:
		if l.Kind != token.STRING || !strings.HasPrefix(l.Value, `"`) {
			return "", false
		}
		name, err := literal.Unquote(l.Value)
		return name, err == nil
	}
	return "", false
}

func join(path, label string) string {
	if path == "" {
		return label
	}
	return path + "." + label
}

func selectorLabel(s cue.Selector) string {
	if s.LabelType() == cue.StringLabel {
		return s.Unquoted()
	}
	return s.String()
}

func toPos(p token.Pos) diag.Pos {
	return diag.Pos{File: displayName(p.Filename()), Line: p.Line(), Col: p.Column()}
}

// displayName shows a file as the user named it: CUE makes file names absolute, users type
// them relative to where they are.
func displayName(file string) string {
	if !filepath.IsAbs(file) {
		return file
	}
	wd, err := os.Getwd()
	if err != nil {
		return file
	}
	if rel, err := filepath.Rel(wd, file); err == nil && filepath.IsLocal(rel) {
		return rel
	}
	return file
}

// walker finds required fields the user left out, by walking the schema and the user's value
// side by side.
type walker struct {
	ctx       *cue.Context
	positions diag.Positions
	findings  diag.List
}

// missing reports every required field under schemaV that user lacks. user may not exist.
func (w *walker) missing(schemaV, user cue.Value, path string) {
	switch schemaV.IncompleteKind() {
	case cue.StructKind:
		if user.Exists() && user.IncompleteKind() != cue.StructKind {
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

func (w *walker) report(path string) {
	field := path[strings.LastIndexAny(path, ".]")+1:]
	w.findings = append(w.findings, diag.Finding{
		Pos:     w.positions.Of(diag.Parent(path)),
		Path:    path,
		Message: "missing required field " + strconv.Quote(field),
	})
}

// suggestFields adds "did you mean" hints to unknown-field findings, from the fields the schema
// allows where the typo stands.
func suggestFields(ctx *cue.Context, spec cue.Value, findings diag.List) {
	w := walker{ctx: ctx}
	for i, f := range findings {
		if !strings.HasPrefix(f.Message, "unknown field ") {
			continue
		}
		parent, ok := w.schemaAt(spec, diag.Parent(f.Path))
		if !ok {
			continue
		}
		typo := f.Path[strings.LastIndexAny(f.Path, ".]")+1:]
		if hint, ok := mapKeyHints[mapName(f.Path)]; ok {
			// A map keyed by name (services, containers, …): the key is a bad name, not a typo.
			findings[i].Message = "invalid name " + strconv.Quote(typo)
			findings[i].Hint = hint
			continue
		}
		var allowed []string
		it, err := parent.Fields(cue.Optional(true))
		if err != nil {
			continue
		}
		for it.Next() {
			allowed = append(allowed, selectorLabel(it.Selector()))
		}
		if best := closest(typo, allowed); best != "" {
			findings[i].Hint = "did you mean " + strconv.Quote(best) + "?"
		} else if len(allowed) > 0 {
			findings[i].Hint = "allowed fields: " + strings.Join(allowed, ", ")
		}
	}
}

// mapKeyHints say what the keys of each user-keyed map must look like, by the map's field name.
var mapKeyHints = map[string]string{
	"services":     "service names are lower-case letters, digits and inner hyphens, starting with a letter, at most 63 characters",
	"ec2":          "capacity names are lower-case letters, digits and inner hyphens, starting with a letter, at most 63 characters",
	"environments": "environment names are lower-case letters, digits and inner hyphens, starting with a letter, at most 63 characters",
	"containers":   "container names are letters, digits, '_' and '-', starting with a letter or digit",
	"environment":  "environment variable names are letters, digits and '_', not starting with a digit",
	"settings":     "agent settings are ECS_* variables, other than ECS_CLUSTER and those with a typed field in agent",
	"tags":         "tag keys are up to 128 letters, digits, spaces and _.:/=+-@, not starting with aws:",
}

// mapName is the name of the field that holds the last element of path.
func mapName(path string) string {
	parent := diag.Parent(path)
	return parent[strings.LastIndexAny(parent, ".]")+1:]
}

// schemaAt finds the schema of a spec path, taking map entries from their pattern.
func (w *walker) schemaAt(spec cue.Value, path string) (cue.Value, bool) {
	v := spec
	if path == "" {
		return v, true
	}
	for _, part := range splitPath(path) {
		var sel cue.Selector
		if strings.HasPrefix(part, "[") {
			n, err := strconv.Atoi(strings.Trim(part, "[]"))
			if err != nil {
				return cue.Value{}, false
			}
			sel = cue.Index(n)
			next := v.LookupPath(cue.MakePath(sel))
			if !next.Exists() {
				next = v.LookupPath(cue.MakePath(cue.AnyIndex))
			}
			v = next
		} else {
			sel = cue.Str(part)
			next := v.LookupPath(cue.MakePath(sel))
			if !next.Exists() {
				var ok bool
				if next, ok = w.patternSchema(v, sel); !ok {
					return cue.Value{}, false
				}
			}
			v = next
		}
		if !v.Exists() {
			return cue.Value{}, false
		}
	}
	return v, true
}

// splitPath splits a spec path into labels and [i] indexes.
func splitPath(path string) []string {
	var out []string
	for _, dotted := range strings.Split(path, ".") {
		for {
			i := strings.IndexByte(dotted, '[')
			if i < 0 {
				break
			}
			if i > 0 {
				out = append(out, dotted[:i])
			}
			j := strings.IndexByte(dotted, ']')
			if j < i {
				break
			}
			out = append(out, dotted[i:j+1])
			dotted = dotted[j+1:]
		}
		if dotted != "" {
			out = append(out, dotted)
		}
	}
	return out
}

// closest returns the candidate nearest to s by edit distance, if it is near enough to be
// a likely typo.
func closest(s string, candidates []string) string {
	best, bestD := "", len(s)/3+2
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// translate turns CUE errors into findings: one per field, in the user's words.
func translate(err error, positions diag.Positions) diag.List {
	type group struct {
		path    string
		pos     diag.Pos
		reasons []cueerrors.Error
	}
	var order []string
	groups := map[string]*group{}
	for _, e := range cueerrors.Errors(err) {
		path := specPath(e.Path())
		format, _ := e.Msg()
		if strings.Contains(format, "incomplete value") || strings.Contains(format, "non-concrete value") {
			continue // a missing field: the walker reports it with a better message
		}
		g := groups[path]
		if g == nil {
			g = &group{path: path}
			groups[path] = g
			order = append(order, path)
		}
		if !isValid(g.pos) {
			g.pos = userPos(e, positions, path)
		}
		g.reasons = append(g.reasons, e)
	}
	var out diag.List
	for _, p := range order {
		g := groups[p]
		msg, hint := explain(g.path, g.reasons)
		out = append(out, diag.Finding{Pos: g.pos, Path: g.path, Message: msg, Hint: hint})
	}
	return out
}

// specPath turns CUE's error path ([#Spec services web cpu]) into the user's (services.web.cpu).
func specPath(parts []string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "#Spec" {
			continue
		}
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if u, err := strconv.Unquote(p); err == nil {
			p = u
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// userPos picks the first position of an error that lies in the user's files.
func userPos(e cueerrors.Error, positions diag.Positions, path string) diag.Pos {
	cands := append([]token.Pos{e.Position()}, e.InputPositions()...)
	for _, p := range cands {
		if p.IsValid() && p.Filename() != schemaFile {
			return toPos(p)
		}
	}
	return positions.Of(path)
}

func isValid(p diag.Pos) bool { return p.File != "" }

// explain words the reasons CUE gave for one field as a single message and hint.
func explain(path string, reasons []cueerrors.Error) (msg, hint string) {
	var got string
	var want []string
	var other []string
	for _, r := range reasons {
		format, args := r.Msg()
		switch {
		case format == "field not allowed":
			field := path[strings.LastIndexAny(path, ".]")+1:]
			return "unknown field " + strconv.Quote(field), ""
		case strings.HasSuffix(format, "errors in empty disjunction:"):
			continue
		case strings.HasPrefix(format, "conflicting values %s and %s") && len(args) >= 2:
			a, b := fmt.Sprint(args[0]), fmt.Sprint(args[1])
			if strings.Contains(format, "mismatched types") && len(args) >= 4 {
				// args[2] and args[3] are the kinds of a and b; the user's value is the concrete one.
				if isTypeName(b) {
					got, want = a, appendUnique(want, b)
				} else if isTypeName(a) {
					got, want = b, appendUnique(want, a)
				} else {
					got, want = a, appendUnique(want, fmt.Sprint(args[3]))
				}
				continue
			}
			// Which side is the user's value? The one that recurs across the reasons; with a
			// single reason, CUE puts the schema's value first.
			if got == "" || got == b {
				got, want = b, appendUnique(want, a)
			} else {
				got, want = a, appendUnique(want, b)
			}
		case strings.HasPrefix(format, "invalid value %v (out of bound %s)") && len(args) >= 2:
			got, want = fmt.Sprint(args[0]), appendUnique(want, fmt.Sprint(args[1]))
		case strings.HasPrefix(format, "invalid value %v (does not satisfy %s)") && len(args) >= 2:
			got, want = fmt.Sprint(args[0]), appendUnique(want, fmt.Sprint(args[1]))
		default:
			clipped := make([]any, len(args))
			for i, a := range args {
				clipped[i] = clip(fmt.Sprint(a))
			}
			other = append(other, strings.TrimPrefix(fmt.Sprintf(format, clipped...), "#Spec."))
		}
	}
	if got != "" && len(want) > 0 {
		// A default (*1 | int & >=0) shows up as a literal alternative; the constraint beside it
		// already allows it, so say only the constraint.
		if constraints := slices.DeleteFunc(slices.Clone(want), isLiteral); len(constraints) > 0 {
			want = constraints
		}
		return fmt.Sprintf("got %s, want %s", clip(got), clip(strings.Join(want, " | "))), hintFor(want)
	}
	if len(other) > 0 {
		return strings.Join(slices.Compact(other), "; "), ""
	}
	return "invalid value", ""
}

// clip shortens a value quoted in a message: a finding is one line, whatever the input.
func clip(s string) string {
	const max = 120
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + fmt.Sprintf("…(%d characters)", len(r))
}

// isLiteral reports whether a CUE value printed by an error is a plain literal.
func isLiteral(s string) bool {
	if s == "true" || s == "false" || s == "null" || strings.HasPrefix(s, `"`) {
		return true
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func isTypeName(s string) bool {
	switch s {
	case "int", "float", "number", "string", "bytes", "bool", "struct", "list", "null":
		return true
	}
	return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}

func appendUnique(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// hintFor explains the constraints users meet most; CUE's own notation is exact but terse.
func hintFor(want []string) string {
	for _, w := range want {
		switch {
		case strings.Contains(w, `^[a-z][a-z0-9]*(-[a-z0-9]+)*$`):
			return "use lower-case letters, digits and inner hyphens, starting with a letter"
		case strings.Contains(w, "MaxRunes"):
			return "shorten it: generated AWS names must fit AWS length limits"
		case strings.Contains(w, "UniqueItems"):
			return "remove the duplicate entries"
		}
	}
	return ""
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
