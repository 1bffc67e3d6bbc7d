// A service validated against the parts of the schema it uses (the per-service path).
//
// Unifying a service with #Service evaluates all of #Service: every field the service leaves
// out, the optional ones included (CUE evaluates the schema of an optional field whether or not
// the field is there), and all of #Container for each of its containers. On a typical service
// that is most of the cost of the per-service path, and every service pays it again.
//
// A definition whose fields are independent of each other — each field's schema refers only to
// definitions of the file, imported packages and predeclared identifiers, never to a sibling,
// and the definition has no embedding, comprehension, pattern, let or ellipsis — is the plain
// conjunction of its fields: unifying it with a struct of data gives, field by field, the
// field's schema unified with the data, the schema alone where the data leaves a field out
// (nothing for an optional field), and an error for a field the definition does not have. So
// a service is unified only with the schemas of the fields it writes, each compiled once as a
// definition of its own (#Service.deployment as #ecsgenProjected_Service_deployment: a
// definition closes its structs as the enclosing one does), and the fields it leaves out take
// the schema's default, decoded once per process. A field of the form {[#Name]: #Def}
// (containers) is projected element by element the same way: each element's name is checked
// against #Name, and the element unified with the fields of #Def it writes.
//
// Each field holding structs is built from the values written for it (plain data refers to
// nothing outside itself) and unified with Value.Unify, which keeps the definition closed (a
// reference to the definition in an expression built with cue.Scope would leave it open: CUE
// v0.17 then accepts fields the definition does not have). Fields written as scalars or lists
// of scalars, which closedness cannot concern, are unified together in one such expression.
//
// Services repeat much of what they write (the same sidecar container, placement, health
// check, scaling policy), so the workers of a load share a memo of results (projmemo.go): what
// a field's values give against the field's definition, and what an element gives against
// #Def, defaults included, validated and decoded into Go values. That result is a pure function
// of the definition and the values' syntax: the definitions are the same in every worker (one
// schema source), plain data refers to nothing, each field's schema to no sibling (the
// analysis above), so nothing outside the syntax can change it, and the model holds no
// position. The key is the definition's name and the syntax's exact encoding (syntaxWriter,
// memo.go), kept in full, so a result is never taken for another value or another field; only
// results that validated are kept, so a value with a problem is always unified and the whole
// unification still finds it; each service gets a deep copy (copyValue). An element's name is
// still checked against #Name for every service (nameOK); the result does not depend on it.
// Measured on the 1000 services of internal/benchspec (BenchmarkLoad's profile): the
// projection took 1.06 ms of CPU per service, 0.42 ms with the memo, what remains being the
// values each service writes alone (image, environment, secrets, role); the load allocates
// 264 MB instead of 536.
//
// Most of what remained after the memo was CUE's evaluator on values a single service writes:
// building each field's value, unifying it with its definition, validating and decoding it. So
// each projected field also has a checker (checker.go), compiled once per process from its
// schema's syntax (and, for the defaults of the fields a value leaves out, from its CUE value,
// decoded by decoder.decode): plain data is checked against the schema in Go and decoded from
// its syntax straight into the Go model, before the memo is asked. The checker's invariant is
// the projection's: it accepts only what CUE's unification accepts, and decodes the same Go
// value; anything it does not know exactly (a construct it does not compile, 1 against 1.0, a
// struct that fits two alternatives, a default it cannot read) it declines, and the field goes
// to the memo and the unification as before, which judge it and produce the findings.
// TestCheckerAgrees compares the two on the values of every spec the tests know and on values
// generated from each field's schema, near-invalid ones and unusual literal forms included;
// TestProjectionAgrees runs every service and wrong variant with the checker on and off. At
// 1000 services (BenchmarkLoad) the projection took 0.39 s of CPU per load without it, 0.05 s
// with it, and the load allocates 85 MB instead of 265.
//
// Whether the schema allows this is decided from the schema's syntax when the projection is
// made (analyse); a schema that does not allows no projection, and services are then unified
// with #Service whole. The projection takes only services written as plain data; on any other
// service, or any error, the worker unifies the service with #Service whole as before, so that
// the projection can only ever accept what the whole unification accepts, with the same model
// (TestProjectionAgrees compares the two on every service the tests know, and on wrong
// variants of each, without the memo, with a cold one and with a warm one;
// TestProjectionMemoDoesNotAlias and TestProjectionMemoKeyHasDefinition check the copies and
// the keys).

package load

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/ecsgen/ecsgen/schema"
)

// serviceNameDef is the definition a service's name must match: #Spec.services is
// {[#Label]: #Service}, or the schema allows no projection (analyse).
const serviceNameDef = "#Label"

// projectedPrefix starts the names of the definitions the projection adds to the schema.
const projectedPrefix = "#ecsgenProjected_"

// projection is the schema's service definition split into its fields.
type projection struct {
	// source is the schema with one definition per projected field.
	source []byte
	// service is #Service.
	service *projectedDef

	// defaults are each projected definition's decoded defaults, made once per process from
	// the first worker's schema (they do not depend on the context).
	defaultsOnce sync.Once
	defaultsErr  error

	// top are the schema's top-level fields, for the checkers (checker.go), compiled once per
	// process from the first worker's schema.
	top          map[string]*ast.Field
	checkersOnce sync.Once
	// made is set once the defaults and the checkers are made, without an error: a worker
	// then needs no CUE context of its own until a service needs CUE's evaluator.
	made atomic.Bool
	// names are the checkers of the definitions element names are checked against: #Label
	// for the services themselves, and each elemName. Only a checker's yes is taken (nameOK).
	names map[string]*chk
}

// projectedDef is a definition of independent fields, and the Go type it decodes into.
type projectedDef struct {
	name    string // #Service
	fields  map[string]*projectedField
	goType  reflect.Type
	goIndex map[string]int // JSON name → Go field index
}

// projectedField is one field of a projected definition.
type projectedField struct {
	label    string
	optional bool
	def      string // the definition holding the field's schema, e.g. #ecsgenProjected_Service_deployment

	// elem is set for a field {[#Name]: #Def} whose #Def is projected too: elemName is #Name.
	elem     *projectedDef
	elemName string

	// Set by defaults: the field's decoded schema (a regular field with a concrete default),
	// or required (a regular field whose schema is not concrete: a service must write it).
	value    reflect.Value
	hasValue bool
	required bool

	// schema is the field's schema; chk its checker (checker.go), nil when none compiles.
	schema ast.Expr
	chk    *chk
}

var projected struct {
	once sync.Once
	p    *projection // nil when the schema allows no projection
}

// schemaProjection returns the projection of the embedded schema, or nil.
func schemaProjection() *projection {
	projected.once.Do(func() {
		projected.p = analyse(schema.CUE, reflect.TypeFor[schema.Service]())
	})
	return projected.p
}

// analyse makes the projection of a schema's #Service, or returns nil when the schema does not
// have the form that makes it exact (see the comment at the top of the file).
func analyse(src []byte, service reflect.Type) *projection {
	f, err := parser.ParseFile(schemaFile, src)
	if err != nil {
		return nil
	}
	top := map[string]*ast.Field{}
	imports := map[*ast.ImportSpec]bool{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.Field:
			if name, _, err := ast.LabelName(d.Label); err == nil {
				if _, twice := top[name]; twice {
					top[name] = nil // declared twice: not projected
				} else {
					top[name] = d
				}
			}
		case *ast.ImportDecl:
			for _, s := range d.Specs {
				imports[s] = true
			}
		}
	}
	for name := range top {
		if strings.HasPrefix(name, projectedPrefix) {
			return nil
		}
	}
	// #Spec must hold services as {[#Label]: #Service} and nothing else about services: the
	// per-service path relies on it, and so does the projection of #Service.
	spec := structDef(top, "#Spec")
	if spec == nil {
		return nil
	}
	var services []*ast.Field
	for _, d := range spec.Elts {
		switch d := d.(type) {
		case *ast.Field:
			if name, _, _ := ast.LabelName(d.Label); name == servicesLabel {
				services = append(services, d)
			}
		case *ast.CommentGroup:
		default:
			return nil
		}
	}
	if len(services) != 1 {
		return nil
	}
	if nameDef, def, ok := patternOf(services[0].Value); !ok || nameDef != serviceNameDef || def != "#Service" {
		return nil
	}

	p := &projection{top: top}
	var extra strings.Builder
	made := map[string]*projectedDef{}
	var project func(name string, goType reflect.Type) *projectedDef
	project = func(name string, goType reflect.Type) *projectedDef {
		if d, ok := made[name]; ok {
			if d == nil || d.goType != goType {
				return nil // it cannot be projected, or not into this Go type too
			}
			return d
		}
		// A definition that cannot be projected is remembered as such (nil), never as the
		// part of it analysed before the analysis failed.
		made[name] = nil
		st := structDef(top, name)
		if st == nil || goType.Kind() != reflect.Struct || !copyable(goType) {
			return nil
		}
		fields, ok := jsonFields(goType)
		if !ok {
			return nil
		}
		d := &projectedDef{name: name, fields: map[string]*projectedField{}, goType: goType, goIndex: map[string]int{}}
		for _, f := range fields {
			d.goIndex[f.name] = f.index
		}
		for _, e := range st.Elts {
			if _, comment := e.(*ast.CommentGroup); comment {
				continue
			}
			fd, ok := e.(*ast.Field)
			if !ok || (fd.Constraint != token.ILLEGAL && fd.Constraint != token.OPTION) {
				return nil // an embedding, comprehension, let, ellipsis or required field
			}
			label, ok := plainLabel(fd.Label)
			if !ok || d.fields[label] != nil || !independent(fd.Value, top, imports) {
				return nil
			}
			pf := &projectedField{label: label, optional: fd.Constraint == token.OPTION, def: projectedPrefix + strings.TrimPrefix(name, "#") + "_" + label, schema: fd.Value}
			if !ast.IsValidIdent(pf.def) {
				return nil
			}
			if nameDef, elemDef, ok := patternOf(fd.Value); ok {
				if i, inGo := d.goIndex[label]; inGo {
					if ft := goType.Field(i).Type; ft.Kind() == reflect.Map && ft.Key().Kind() == reflect.String && ft.Elem().Kind() == reflect.Struct {
						if elem := project(elemDef, ft.Elem()); elem != nil {
							pf.elem, pf.elemName = elem, nameDef
						}
					}
				}
			}
			src, err := format.Node(fd.Value)
			if err != nil {
				return nil
			}
			fmt.Fprintf(&extra, "\n%s: %s\n", pf.def, src)
			d.fields[label] = pf
		}
		made[name] = d
		return d
	}
	p.service = project("#Service", service)
	if p.service == nil {
		return nil
	}
	p.source = append(slices.Clip(src), "\n// The projection of #Service (internal/load/projection.go).\n"+extra.String()...)
	return p
}

// structDef is the struct literal of a top-level definition, or nil.
func structDef(top map[string]*ast.Field, name string) *ast.StructLit {
	f := top[name]
	if f == nil || f.Constraint != token.ILLEGAL {
		return nil
	}
	st, _ := f.Value.(*ast.StructLit)
	return st
}

// patternOf reports whether x is exactly {[#Name]: #Def}.
func patternOf(x ast.Expr) (nameDef, def string, ok bool) {
	st, isStruct := x.(*ast.StructLit)
	if !isStruct || len(st.Elts) != 1 {
		return "", "", false
	}
	f, isField := st.Elts[0].(*ast.Field)
	if !isField || f.Constraint != token.ILLEGAL {
		return "", "", false
	}
	l, isList := f.Label.(*ast.ListLit)
	if !isList || len(l.Elts) != 1 {
		return "", "", false
	}
	name, isIdent := l.Elts[0].(*ast.Ident)
	value, isValueIdent := f.Value.(*ast.Ident)
	if !isIdent || !isValueIdent || !strings.HasPrefix(name.Name, "#") || !strings.HasPrefix(value.Name, "#") {
		return "", "", false
	}
	return name.Name, value.Name, true
}

// independent reports whether a field's schema refers to nothing but definitions declared once
// at the top of the file, imported packages and predeclared identifiers (int, string, …), and
// holds no alias, let or comprehension: then it means the same moved to a definition of its own.
func independent(x ast.Expr, top map[string]*ast.Field, imports map[*ast.ImportSpec]bool) bool {
	ok := true
	ast.Walk(x, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Alias, *ast.LetClause, *ast.Comprehension:
			ok = false
		case *ast.Ident:
			// Labels and selectors resolve to nothing (nil), as predeclared identifiers do;
			// a reference to a field, to the field's value.
			switch node := n.Node.(type) {
			case nil:
			case *ast.ImportSpec:
				ok = ok && imports[node]
			default:
				// A field's reference resolves to the field's value.
				f := top[n.Name]
				ok = ok && strings.HasPrefix(n.Name, "#") && f != nil && ast.Node(f.Value) == node
			}
		}
		return ok
	}, nil)
	return ok
}

// copyable reports whether values of t can be deep-copied field by field (copyValue): only
// exported fields, of kinds that copyValue handles.
func copyable(t reflect.Type) bool {
	seen := map[reflect.Type]bool{}
	var ok func(t reflect.Type) bool
	ok = func(t reflect.Type) bool {
		if seen[t] {
			return true
		}
		seen[t] = true
		switch t.Kind() {
		case reflect.Struct:
			for i := range t.NumField() {
				if !t.Field(i).IsExported() || !ok(t.Field(i).Type) {
					return false
				}
			}
			return true
		case reflect.Map:
			return ok(t.Key()) && ok(t.Elem())
		case reflect.Slice, reflect.Pointer:
			return ok(t.Elem())
		case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
			return true
		}
		return false
	}
	return ok(t)
}

// copyValue returns a deep copy of v, nil and empty maps and slices kept apart.
func copyValue(v reflect.Value) reflect.Value {
	out := reflect.New(v.Type()).Elem()
	copyInto(out, v)
	return out
}

func copyInto(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Struct:
		for i := range src.NumField() {
			copyInto(dst.Field(i), src.Field(i))
		}
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		for it := src.MapRange(); it.Next(); {
			m.SetMapIndex(it.Key(), copyValue(it.Value()))
		}
		dst.Set(m)
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			copyInto(s.Index(i), src.Index(i))
		}
		dst.Set(s)
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		copyInto(p.Elem(), src.Elem())
		dst.Set(p)
	default:
		dst.Set(src)
	}
}

// defaults decodes, once per process, the schema of every regular field of the projected
// definitions, from a worker's compiled projection.
func (p *projection) defaults(root cue.Value) error {
	p.defaultsOnce.Do(func() {
		done := map[*projectedDef]bool{}
		var walk func(d *projectedDef) error
		walk = func(d *projectedDef) error {
			if done[d] {
				return nil
			}
			done[d] = true
			for _, f := range d.fields {
				if f.elem != nil {
					if err := walk(f.elem); err != nil {
						return err
					}
				}
				if f.optional {
					continue
				}
				v := root.LookupPath(cue.MakePath(cue.Def(f.def)))
				if !v.Exists() {
					return fmt.Errorf("internal error: the projected schema lacks %s", f.def)
				}
				if v.Validate(cue.All(), cue.Concrete(true)) != nil {
					f.required = true
					continue
				}
				i, inGo := d.goIndex[f.label]
				if !inGo {
					continue
				}
				x := reflect.New(d.goType.Field(i).Type).Elem()
				dec := &decoder{}
				if err := dec.decode(v, x); err != nil || len(dec.outOfRange) > 0 {
					f.required = true // never taken from the defaults: the service must write it
					continue
				}
				f.value, f.hasValue = x, true
			}
			return nil
		}
		p.defaultsErr = walk(p.service)
	})
	return p.defaultsErr
}

// dataFields gathers the fields of struct literals (and conjunctions of them), in the order
// first written, each with every value written for it.
func dataFields(xs []ast.Expr) (order []string, values map[string][]ast.Expr, ok bool) {
	values = map[string][]ast.Expr{}
	var gather func(x ast.Expr) bool
	gather = func(x ast.Expr) bool {
		switch x := x.(type) {
		case *ast.ParenExpr:
			return gather(x.X)
		case *ast.BinaryExpr:
			return x.Op == token.AND && gather(x.X) && gather(x.Y)
		case *ast.StructLit:
			for _, e := range x.Elts {
				if _, comment := e.(*ast.CommentGroup); comment {
					continue
				}
				f, isField := e.(*ast.Field)
				if !isField || f.Constraint != token.ILLEGAL || len(f.Attrs) > 0 {
					return false
				}
				label, ok := plainLabel(f.Label)
				if !ok {
					return false
				}
				if _, seen := values[label]; !seen {
					order = append(order, label)
				}
				values[label] = append(values[label], f.Value)
			}
			return true
		}
		return false
	}
	for _, x := range xs {
		if !gather(x) {
			return nil, nil, false
		}
	}
	return order, values, true
}

// scalarData reports whether x is a literal, a signed number, or a list of them.
func scalarData(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.BasicLit, *ast.UnaryExpr:
		return plainData(x)
	case *ast.ListLit:
		for _, e := range x.Elts {
			if _, ok := e.(*ast.ListLit); ok || !scalarData(e) {
				return false
			}
		}
		return true
	}
	return false
}

// plainData reports whether x is data: struct literals of plain fields, lists, literals, signed
// numbers, and conjunctions of them; no reference, expression or comprehension.
func plainData(x ast.Expr) bool {
	switch x := x.(type) {
	case *ast.BasicLit:
		return true
	case *ast.ParenExpr:
		return plainData(x.X)
	case *ast.UnaryExpr:
		lit, ok := x.X.(*ast.BasicLit)
		return ok && (x.Op == token.SUB || x.Op == token.ADD) && (lit.Kind == token.INT || lit.Kind == token.FLOAT)
	case *ast.BinaryExpr:
		return x.Op == token.AND && plainData(x.X) && plainData(x.Y)
	case *ast.ListLit:
		for _, e := range x.Elts {
			if !plainData(e) {
				return false
			}
		}
		return true
	case *ast.StructLit:
		for _, e := range x.Elts {
			if _, comment := e.(*ast.CommentGroup); comment {
				continue
			}
			f, ok := e.(*ast.Field)
			if !ok || f.Constraint != token.ILLEGAL || len(f.Attrs) > 0 {
				return false
			}
			if _, ok := plainLabel(f.Label); !ok || !plainData(f.Value) {
				return false
			}
		}
		return true
	}
	return false
}

// projectStruct validates and decodes into x, a value of d's Go type, the data xs (one or
// more struct literals) against the fields of d it writes, and sets the fields it leaves out to
// their schema's default. False when the data is not plain, writes a field or an element name
// d does not allow, leaves out a field d requires, or has any error.
//
// Each field's values, and each element of a {[#Name]: #Def} field, are first looked up in the
// load's memo of results (projmemo.go); only those not there are unified, each field built from
// its own values.
func (w *serviceWorker) projectStruct(d *projectedDef, xs []ast.Expr, x reflect.Value) bool {
	order, values, ok := dataFields(xs)
	if !ok {
		return false
	}
	// Fields written as scalars or lists of scalars are unified together, in one expression:
	// closedness, which only a definition's struct keeps (see below), restricts the fields of
	// structs, and such data has none.
	var scalars []ast.Decl
	var scalarLabels, scalarKeys []string
	for _, label := range order {
		f := d.fields[label]
		if f == nil {
			return false // not allowed: the whole unification says so
		}
		var dst reflect.Value // invalid: the model has no such field
		if i, inGo := d.goIndex[label]; inGo {
			dst = x.Field(i)
		}
		if f.elem != nil {
			names, elems, ok := dataFields(values[label])
			if !ok {
				return false
			}
			t := dst.Type()
			m := reflect.MakeMapWithSize(t, len(names))
			for _, name := range names {
				if !w.nameOK(f.elemName, name) {
					return false
				}
				e := reflect.New(t.Elem()).Elem()
				hit, key, buf := w.results.recall(resultElement, f.elem.name, elems[name], e, w.keyBuf)
				w.keyBuf = buf
				if !hit {
					if !w.projectStruct(f.elem, elems[name], e) {
						return false
					}
					w.results.remember(key, e)
				}
				m.SetMapIndex(reflect.ValueOf(name).Convert(t.Key()), e)
			}
			dst.Set(m)
			continue
		}
		if !w.checkOff && fastField(f, values[label], dst) {
			w.checked++
			continue
		}
		hit, key, buf := w.results.recall(resultField, f.def, values[label], dst, w.keyBuf)
		w.keyBuf = buf
		if hit {
			continue
		}
		if len(values[label]) == 1 && scalarData(values[label][0]) {
			scalars = append(scalars, &ast.Field{Label: ast.NewString(label), Value: ast.NewBinExpr(token.AND, ast.NewIdent(f.def), values[label][0])})
			scalarLabels = append(scalarLabels, label)
			scalarKeys = append(scalarKeys, key)
			continue
		}
		if w.cue() != nil {
			return false
		}
		// The field's value is the unification of the values written for it: plain data
		// refers to nothing, so it is built on its own.
		v := w.ctx.BuildExpr(ast.NewBinExpr(token.AND, values[label]...))
		if v.Err() != nil {
			return false
		}
		// Value.Unify keeps the definition closed; a reference to it in an expression built
		// with cue.Scope would not.
		u := w.def(f.def).Unify(v)
		if u.Validate(cue.All(), cue.Concrete(true)) != nil {
			return false
		}
		if dst.IsValid() {
			dec := &decoder{}
			if err := dec.decode(u, dst); err != nil || len(dec.outOfRange) > 0 {
				return false
			}
		}
		w.results.remember(key, dst)
	}
	if len(scalars) > 0 {
		if w.cue() != nil {
			return false
		}
		u := w.ctx.BuildExpr(&ast.StructLit{Elts: scalars}, cue.Scope(w.root))
		if u.Err() != nil || u.Validate(cue.All(), cue.Concrete(true)) != nil {
			return false
		}
		for j, label := range scalarLabels {
			i, inGo := d.goIndex[label]
			if !inGo {
				w.results.remember(scalarKeys[j], reflect.Value{})
				continue
			}
			dec := &decoder{}
			if err := dec.decode(u.LookupPath(cue.MakePath(cue.Str(label))), x.Field(i)); err != nil || len(dec.outOfRange) > 0 {
				return false
			}
			w.results.remember(scalarKeys[j], x.Field(i))
		}
	}
	for label, f := range d.fields {
		if _, written := values[label]; written || f.optional {
			continue
		}
		if f.required {
			return false
		}
		if i, inGo := d.goIndex[label]; inGo && f.hasValue {
			x.Field(i).Set(copyValue(f.value))
		}
	}
	return true
}

// def is the value of one of the projection's definitions, looked up once per worker.
func (w *serviceWorker) def(name string) cue.Value {
	v, ok := w.defs[name]
	if !ok {
		v = w.root.LookupPath(cue.MakePath(cue.Def(name)))
		if w.defs == nil {
			w.defs = map[string]cue.Value{}
		}
		w.defs[name] = v
	}
	return v
}

// nameOK reports whether an element's name matches the pattern (a definition of the schema)
// its field allows names by: the pattern's checker says so in Go when it can (every service's
// name is checked, so unifying each with the pattern was most of a service's CUE work left);
// otherwise CUE decides, once per name. A checker's no is not taken: CUE says it too.
func (w *serviceWorker) nameOK(pattern, name string) bool {
	if c := w.proj.names[pattern]; c != nil && !w.checkOff && c.check(&datum{kind: kString, str: name}) == yes {
		return true
	}
	key := pattern + "\x00" + name
	ok, known := w.names[key]
	if !known {
		if w.cue() != nil {
			return false
		}
		ok = w.def(pattern).Unify(w.ctx.Encode(name)).Validate(cue.Concrete(true)) == nil
		if w.names == nil {
			w.names = map[string]bool{}
		}
		w.names[key] = ok
	}
	return ok
}
