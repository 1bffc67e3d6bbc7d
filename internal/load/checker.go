// The projection's checker: plain data checked against a projected field's schema in Go, and
// decoded from its syntax straight into the Go model, without CUE's evaluator.
//
// A field's schema is compiled once per process (checkers, from the schema's syntax and, for
// the defaults of the fields a value leaves out, from its CUE value) into a tree of the
// constraints the checker knows exactly: the kinds string, int, number and bool and top (_);
// literals; the bounds >=, <=, >, < and != on numbers (!= on strings too); =~ and !~ (CUE's
// regular expressions are Go's); strings.MinRunes/MaxRunes; conjunctions; disjunctions, with or
// without defaults; lists with a fixed prefix and an ellipsis, with list.MinItems/MaxItems and
// list.UniqueItems (of strings); structs of regular and optional fields, closed as every struct
// of a definition is; structs of one pattern [P]: T; and references to the schema's top-level
// definitions and their regular fields (#ServiceLoadBalancer.rule). Anything else — a
// comprehension, a required field, an embedding, an ellipsis in a struct, two structs in one
// conjunction (autoscaling.predictive), another builtin — compiles to a node that declines
// whatever reaches it, so the checker only ever says yes where it knows exactly.
//
// check says yes (CUE accepts the data unified with the schema), no (the unification is
// bottom, so a disjunction drops that alternative) or unsure. The data is read as CUE's
// compiler reads it (literal.ParseQuotes and ParseNum: 1_000, 0x10 and 1K are ints, 1.0 and
// 1e3 floats, """ and #"…"# strings, single-quoted bytes declined; quoted labels in Unicode
// normal form C), a field the data leaves out must have a schema that is concrete alone (its
// default), and a value that fits two alternatives of a disjunction is taken only when it
// holds no struct (the two results are then the same value). decode then fills the Go value
// exactly as decoder.decode (decode.go) fills it from the unified CUE value: JSON field
// names, nil pointers for optional fields left out, a non-nil map or slice for every struct or
// list, the defaults of the fields left out decoded once per process from the schema's own
// CUE value by decoder.decode itself,
// integers that overflow the Go field declined, numbers into float64 as Value.Float64 converts
// them, and the JSON of the value for a type with its own UnmarshalJSON (Secret, Metric).
// Whatever the checker declines or rejects goes to the CUE unification, which judges it.

package load

import (
	"encoding/json"
	"maps"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
	"github.com/cockroachdb/apd/v3"
	"golang.org/x/text/unicode/norm"
)

// chkOp is what a node of a checker checks.
type chkOp uint8

const (
	chkUnknown chkOp = iota // declines whatever reaches it
	chkTop                  // _
	chkKind                 // one of kinds
	chkLit                  // equal to lit
	chkBound                // tok (>=, <=, >, <, !=) lit
	chkRegex                // =~ re, or !~ re when neg
	chkRunes                // strings.MinRunes(n), or MaxRunes(n) when max
	chkItems                // list.MinItems(n), or MaxItems(n) when max
	chkUnique               // list.UniqueItems()
	chkAnd                  // every one of args
	chkOr                   // one of args
	chkList                 // elems, then rest (nil: no more)
	chkStruct               // fields, closed
	chkPattern              // [label]: value, closed
	chkRef                  // a top-level definition, target
)

// Kinds of data.
const (
	kString uint8 = 1 << iota
	kInt
	kFloat
	kBool
	kNull
	kList
	kStruct
)

// chk is a node of a checker.
type chk struct {
	op    chkOp
	kinds uint8
	lit   *datum
	tok   token.Token
	re    *regexp.Regexp
	neg   bool
	n     int
	max   bool
	args  []*chk

	elems []*chk
	rest  *chk

	fields map[string]*chkField
	goType reflect.Type // the struct type the fields' defaults were decoded into, or nil

	label, value *chk

	target *chk
}

// chkField is a field of a struct node.
type chkField struct {
	c        *chk
	optional bool
	// concrete: the field's schema alone is concrete (its default), so data may leave the
	// field out. Only known when the node has a CUE value.
	concrete bool
	// def is the default decoded into the field of goType (hasDef), by decoder.decode.
	def    reflect.Value
	hasDef bool
}

var unknownChk = &chk{op: chkUnknown}

// datum is plain data read from its syntax as CUE's compiler reads it.
type datum struct {
	kind   uint8
	str    string
	num    apd.Decimal
	b      bool
	elems  []*datum
	labels []string
	fields []*datum
	// nested: the datum is or holds a struct.
	nested bool
}

// field returns the value of a field of a struct datum, or nil.
func (d *datum) field(label string) *datum {
	for i, l := range d.labels {
		if l == label {
			return d.fields[i]
		}
	}
	return nil
}

// toDatum reads plain data: literals, signed numbers, lists and structs of regular fields,
// each label once. False on anything else.
func toDatum(x ast.Expr) (*datum, bool) {
	switch x := x.(type) {
	case *ast.ParenExpr:
		return toDatum(x.X)
	case *ast.BasicLit:
		return litDatum(x)
	case *ast.UnaryExpr:
		lit, ok := x.X.(*ast.BasicLit)
		if !ok || (x.Op != token.SUB && x.Op != token.ADD) || (lit.Kind != token.INT && lit.Kind != token.FLOAT) {
			return nil, false
		}
		d, ok := litDatum(lit)
		if !ok {
			return nil, false
		}
		if x.Op == token.SUB {
			d.num.Neg(&d.num)
		}
		return d, true
	case *ast.ListLit:
		d := &datum{kind: kList, elems: make([]*datum, 0, len(x.Elts))}
		for _, e := range x.Elts {
			ed, ok := toDatum(e)
			if !ok {
				return nil, false
			}
			d.nested = d.nested || ed.nested
			d.elems = append(d.elems, ed)
		}
		return d, true
	case *ast.StructLit:
		d := &datum{kind: kStruct, nested: true}
		for _, e := range x.Elts {
			if _, comment := e.(*ast.CommentGroup); comment {
				continue
			}
			f, ok := e.(*ast.Field)
			if !ok || f.Constraint != token.ILLEGAL || len(f.Attrs) > 0 {
				return nil, false
			}
			label, ok := datumLabel(f.Label)
			if !ok || d.field(label) != nil {
				return nil, false // a field written twice is a unification: CUE's
			}
			fd, ok := toDatum(f.Value)
			if !ok {
				return nil, false
			}
			d.labels = append(d.labels, label)
			d.fields = append(d.fields, fd)
		}
		return d, true
	}
	return nil, false
}

// datumLabel reads a label as the compiler does (internal/core/compile: label): a quoted one
// in Unicode normal form C, an identifier as it is.
func datumLabel(l ast.Label) (string, bool) {
	s, ok := plainLabel(l)
	if _, quoted := l.(*ast.BasicLit); ok && quoted {
		s = norm.NFC.String(s)
	}
	return s, ok
}

// litDatum reads a literal as the compiler does (internal/core/compile: parse).
func litDatum(l *ast.BasicLit) (*datum, bool) {
	s := l.Value
	if s == "" {
		return nil, false
	}
	switch l.Kind {
	case token.STRING:
		info, start, _, err := literal.ParseQuotes(s, s)
		if err != nil || !info.IsDouble() {
			return nil, false // bytes are not the model's
		}
		str, err := info.Unquote(s[start:])
		if err != nil {
			return nil, false
		}
		return &datum{kind: kString, str: str}, true
	case token.INT, token.FLOAT:
		var ni literal.NumInfo
		if err := literal.ParseNum(s, &ni); err != nil {
			return nil, false
		}
		d := &datum{kind: kFloat}
		if ni.IsInt() {
			d.kind = kInt
		}
		if err := ni.Decimal(&d.num); err != nil {
			return nil, false
		}
		return d, true
	case token.TRUE, token.FALSE:
		return &datum{kind: kBool, b: l.Kind == token.TRUE}, true
	}
	return nil, false // null: the model has no use for it, CUE judges it
}

// checkerCompiler compiles the schema's syntax into checkers.
type checkerCompiler struct {
	top  map[string]*ast.Field
	root cue.Value
	refs map[refKey]*chk
}

type refKey struct {
	name string
	t    reflect.Type
}

// expr compiles a field's schema x, whose CUE value is v (when it exists) and whose
// Go type is t (nil: the model has no such field).
func (cc *checkerCompiler) expr(x ast.Expr, v cue.Value, t reflect.Type) *chk {
	switch x := x.(type) {
	case *ast.ParenExpr:
		return cc.expr(x.X, v, t)
	case *ast.Ident:
		switch node := x.Node.(type) {
		case nil:
			switch x.Name {
			case "string":
				return &chk{op: chkKind, kinds: kString}
			case "int":
				return &chk{op: chkKind, kinds: kInt}
			case "number":
				return &chk{op: chkKind, kinds: kInt | kFloat}
			case "bool":
				return &chk{op: chkKind, kinds: kBool}
			case "_":
				return &chk{op: chkTop}
			}
		default:
			f := cc.top[x.Name]
			if strings.HasPrefix(x.Name, "#") && f != nil && ast.Node(f.Value) == node {
				return cc.ref(x.Name, f.Value, t)
			}
		}
		return unknownChk
	case *ast.BasicLit, *ast.UnaryExpr:
		if d, ok := toDatum(x); ok && d.kind != kList && d.kind != kStruct {
			return &chk{op: chkLit, lit: d}
		}
		u, ok := x.(*ast.UnaryExpr)
		if !ok {
			return unknownChk
		}
		operand, ok := toDatum(u.X)
		if !ok {
			return unknownChk
		}
		switch u.Op {
		case token.GEQ, token.GTR, token.LSS, token.LEQ:
			if operand.kind != kInt && operand.kind != kFloat {
				return unknownChk // bounds on strings: not used, not known
			}
			return &chk{op: chkBound, tok: u.Op, lit: operand}
		case token.NEQ:
			if operand.kind != kInt && operand.kind != kFloat && operand.kind != kString {
				return unknownChk
			}
			return &chk{op: chkBound, tok: u.Op, lit: operand}
		case token.MAT, token.NMAT:
			if operand.kind != kString {
				return unknownChk
			}
			re, err := regexp.Compile(operand.str)
			if err != nil {
				return unknownChk
			}
			return &chk{op: chkRegex, re: re, neg: u.Op == token.NMAT}
		}
		return unknownChk
	case *ast.BinaryExpr:
		switch x.Op {
		case token.AND:
			var args []*chk
			structural := 0
			for _, a := range conjuncts(x) {
				c := cc.expr(a, v, t)
				if c.op == chkUnknown {
					return unknownChk
				}
				if c.structural() {
					structural++
				}
				args = append(args, c)
			}
			if structural > 1 {
				return unknownChk // two structs or lists in one conjunction: CUE's
			}
			return &chk{op: chkAnd, args: args}
		case token.OR:
			var args []*chk
			for _, a := range disjuncts(x) {
				if u, ok := a.(*ast.UnaryExpr); ok && u.Op == token.MUL {
					a = u.X // a default: concrete data decides alone
				}
				// Inside a disjunction there is no path to the alternative's value.
				c := cc.expr(a, cue.Value{}, t)
				if c.op == chkUnknown {
					return unknownChk
				}
				args = append(args, c)
			}
			return &chk{op: chkOr, args: args}
		}
		return unknownChk
	case *ast.SelectorExpr:
		return cc.selector(x, t)
	case *ast.CallExpr:
		return cc.call(x)
	case *ast.ListLit:
		c := &chk{op: chkList}
		for i, e := range x.Elts {
			if el, ok := e.(*ast.Ellipsis); ok {
				if i != len(x.Elts)-1 {
					return unknownChk
				}
				var ev cue.Value
				if v.Exists() {
					ev = v.LookupPath(cue.MakePath(cue.AnyIndex))
				}
				if el.Type == nil {
					c.rest = &chk{op: chkTop}
				} else {
					c.rest = cc.expr(el.Type, ev, elemType(t))
				}
				if c.rest.op == chkUnknown {
					return unknownChk
				}
				continue
			}
			var ev cue.Value
			if v.Exists() {
				ev = v.LookupPath(cue.MakePath(cue.Index(i)))
			}
			ec := cc.expr(e, ev, elemType(t))
			if ec.op == chkUnknown {
				return unknownChk
			}
			c.elems = append(c.elems, ec)
		}
		return c
	case *ast.StructLit:
		return cc.structLit(x, v, t)
	}
	return unknownChk
}

// structural reports whether a node constrains lists or structs (a conjunction takes one).
func (c *chk) structural() bool {
	switch c.op {
	case chkList, chkStruct, chkPattern:
		return true
	case chkRef:
		return c.target == nil || c.target.structural()
	case chkAnd, chkOr:
		for _, a := range c.args {
			if a.structural() {
				return true
			}
		}
	}
	return false
}

func conjuncts(x ast.Expr) []ast.Expr {
	if b, ok := x.(*ast.BinaryExpr); ok && b.Op == token.AND {
		return append(conjuncts(b.X), conjuncts(b.Y)...)
	}
	return []ast.Expr{x}
}

func disjuncts(x ast.Expr) []ast.Expr {
	if b, ok := x.(*ast.BinaryExpr); ok && b.Op == token.OR {
		return append(disjuncts(b.X), disjuncts(b.Y)...)
	}
	return []ast.Expr{x}
}

// call compiles the validators the schema uses: strings.MinRunes/MaxRunes(n),
// list.MinItems/MaxItems(n), list.UniqueItems().
func (cc *checkerCompiler) call(x *ast.CallExpr) *chk {
	sel, ok := x.Fun.(*ast.SelectorExpr)
	if !ok {
		return unknownChk
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return unknownChk
	}
	spec, ok := pkg.Node.(*ast.ImportSpec)
	if !ok || spec.Path == nil {
		return unknownChk
	}
	path, err := literal.Unquote(spec.Path.Value)
	if err != nil || (spec.Name != nil && spec.Name.Name != path) || pkg.Name != path {
		return unknownChk
	}
	name, _, err := ast.LabelName(sel.Sel)
	if err != nil {
		return unknownChk
	}
	var n int
	if len(x.Args) == 1 {
		d, ok := toDatum(x.Args[0])
		if !ok || d.kind != kInt {
			return unknownChk
		}
		i, err := d.num.Int64()
		if err != nil || i < 0 || i > math.MaxInt32 {
			return unknownChk
		}
		n = int(i)
	}
	switch {
	case path == "strings" && len(x.Args) == 1 && (name == "MinRunes" || name == "MaxRunes"):
		return &chk{op: chkRunes, n: n, max: name == "MaxRunes"}
	case path == "list" && len(x.Args) == 1 && (name == "MinItems" || name == "MaxItems"):
		return &chk{op: chkItems, n: n, max: name == "MaxItems"}
	case path == "list" && len(x.Args) == 0 && name == "UniqueItems":
		return &chk{op: chkUnique}
	}
	return unknownChk
}

// selector compiles a reference to a regular field of a top-level definition's struct
// (#ServiceLoadBalancer.rule): the field's schema, closed as the definition closes it.
func (cc *checkerCompiler) selector(x *ast.SelectorExpr, t reflect.Type) *chk {
	id, ok := x.X.(*ast.Ident)
	if !ok {
		return unknownChk
	}
	def := cc.top[id.Name]
	if !strings.HasPrefix(id.Name, "#") || def == nil || ast.Node(def.Value) != id.Node {
		return unknownChk
	}
	st, ok := def.Value.(*ast.StructLit)
	if !ok {
		return unknownChk
	}
	label, _, err := ast.LabelName(x.Sel)
	if err != nil {
		return unknownChk
	}
	var field *ast.Field
	for _, e := range st.Elts {
		switch e := e.(type) {
		case *ast.CommentGroup:
		case *ast.Field:
			l, ok := plainLabel(e.Label)
			if !ok {
				return unknownChk // a pattern or another label could reach the field too
			}
			if l == label {
				if field != nil || e.Constraint != token.ILLEGAL {
					return unknownChk
				}
				field = e
			}
		default:
			return unknownChk
		}
	}
	if field == nil {
		return unknownChk
	}
	return cc.expr(field.Value, cc.root.LookupPath(cue.MakePath(cue.Def(id.Name), cue.Str(label))), t)
}

// ref compiles a reference to a top-level definition, once per Go type (its defaults are
// decoded into it).
func (cc *checkerCompiler) ref(name string, x ast.Expr, t reflect.Type) *chk {
	key := refKey{name, t}
	if c, ok := cc.refs[key]; ok {
		if c == nil {
			return unknownChk // a cycle
		}
		return c
	}
	cc.refs[key] = nil
	target := cc.expr(x, cc.root.LookupPath(cue.MakePath(cue.Def(name))), t)
	if target.op == chkUnknown {
		cc.refs[key] = unknownChk
		return unknownChk
	}
	c := &chk{op: chkRef, target: target}
	cc.refs[key] = c
	return c
}

// structLit compiles a closed struct: regular and optional fields, or one pattern.
func (cc *checkerCompiler) structLit(x *ast.StructLit, v cue.Value, t reflect.Type) *chk {
	st := derefType(t)
	var decls []*ast.Field
	for _, e := range x.Elts {
		switch e := e.(type) {
		case *ast.CommentGroup:
		case *ast.Field:
			if len(e.Attrs) > 0 {
				return unknownChk
			}
			decls = append(decls, e)
		default:
			return unknownChk // an embedding, ellipsis, let or comprehension
		}
	}
	if len(decls) == 1 {
		if l, ok := decls[0].Label.(*ast.ListLit); ok {
			if len(l.Elts) != 1 || decls[0].Constraint != token.ILLEGAL {
				return unknownChk
			}
			label := cc.expr(l.Elts[0], cue.Value{}, nil)
			var et reflect.Type
			if st != nil && st.Kind() == reflect.Map && st.Key().Kind() == reflect.String {
				et = st.Elem()
			}
			value := cc.expr(decls[0].Value, cue.Value{}, et)
			if label.op == chkUnknown || value.op == chkUnknown {
				return unknownChk
			}
			return &chk{op: chkPattern, label: label, value: value}
		}
	}
	c := &chk{op: chkStruct, fields: map[string]*chkField{}}
	var goIndex map[string]int
	if st != nil && st.Kind() == reflect.Struct && !jsonUnmarshaling(st) {
		if fields, ok := jsonFields(st); ok {
			c.goType = st
			goIndex = map[string]int{}
			for _, f := range fields {
				goIndex[f.name] = f.index
			}
		}
	}
	for _, d := range decls {
		if d.Constraint != token.ILLEGAL && d.Constraint != token.OPTION {
			return unknownChk // a required field
		}
		label, ok := plainLabel(d.Label)
		if !ok || c.fields[label] != nil {
			return unknownChk
		}
		f := &chkField{optional: d.Constraint == token.OPTION}
		sel := cue.Str(label)
		if f.optional {
			sel = sel.Optional()
		}
		var fv cue.Value
		if v.Exists() {
			fv = v.LookupPath(cue.MakePath(sel))
		}
		var ft reflect.Type
		i, inGo := goIndex[label]
		if inGo {
			ft = st.Field(i).Type
		}
		f.c = cc.expr(d.Value, fv, ft)
		if !f.optional && fv.Exists() && fv.Validate(cue.All(), cue.Concrete(true)) == nil {
			f.concrete = true
			if inGo {
				x := reflect.New(ft).Elem()
				dec := &decoder{}
				if err := dec.decode(fv, x); err == nil && len(dec.outOfRange) == 0 {
					f.def, f.hasDef = x, true
				} else {
					f.concrete = false // never left out: CUE judges it
				}
			}
		}
		c.fields[label] = f
	}
	return c
}

func derefType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer && !jsonUnmarshaling(t) {
		t = t.Elem()
	}
	return t
}

// elemType is the element type of a slice type (after pointers), or nil.
func elemType(t reflect.Type) reflect.Type {
	t = derefType(t)
	if t == nil || t.Kind() != reflect.Slice || jsonUnmarshaling(t) {
		return nil
	}
	return t.Elem()
}

// jsonUnmarshaling reports whether decoder.decode hands values of t to Value.Decode as a
// value with its own unmarshaler.
func jsonUnmarshaling(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(unmarshalerType) || p.Implements(jsonUnmarshalerType) || p.Implements(textUnmarshalerType)
}

// verdict is what the checker knows of data against a node: CUE accepts it (yes: unified,
// every regular field concrete), CUE's unification is bottom (no: a disjunction drops the
// alternative), or the checker cannot say exactly (unsure).
type verdict uint8

const (
	unsure verdict = iota
	yes
	no
)

// and is the verdict of two constraints on the same data: no if either is no.
func (v verdict) and(w verdict) verdict {
	if v == no || w == no {
		return no
	}
	if v == unsure || w == unsure {
		return unsure
	}
	return yes
}

func verdictOf(ok bool) verdict {
	if ok {
		return yes
	}
	return no
}

// check says what CUE makes of d unified with c.
func (c *chk) check(d *datum) verdict {
	switch c.op {
	case chkTop:
		return yes
	case chkKind:
		return verdictOf(d.kind&c.kinds != 0)
	case chkLit:
		if isNum(c.lit) && isNum(d) && c.lit.kind != d.kind {
			if d.num.Cmp(&c.lit.num) != 0 {
				return no
			}
			return unsure // 1 against 1.0: CUE's
		}
		return verdictOf(sameScalar(c.lit, d))
	case chkBound:
		switch {
		case isNum(c.lit) && c.tok != token.NEQ:
			if !isNum(d) {
				return no // a number's bound conflicts with any other kind
			}
			r := d.num.Cmp(&c.lit.num)
			switch c.tok {
			case token.GEQ:
				return verdictOf(r >= 0)
			case token.GTR:
				return verdictOf(r > 0)
			case token.LEQ:
				return verdictOf(r <= 0)
			case token.LSS:
				return verdictOf(r < 0)
			}
		case isNum(c.lit) && isNum(d):
			if d.num.Cmp(&c.lit.num) != 0 {
				return yes
			}
			if c.lit.kind != d.kind {
				return unsure // 1 against !=1.0: CUE's
			}
			return no
		case c.lit.kind == kString && d.kind == kString:
			return verdictOf(d.str != c.lit.str)
		}
		return unsure
	case chkRegex:
		return verdictOf(d.kind == kString && c.re.MatchString(d.str) != c.neg)
	case chkRunes:
		if d.kind != kString {
			return unsure
		}
		n := utf8.RuneCountInString(d.str)
		if c.max {
			return verdictOf(n <= c.n)
		}
		return verdictOf(n >= c.n)
	case chkItems:
		if d.kind != kList {
			return unsure
		}
		if c.max {
			return verdictOf(len(d.elems) <= c.n)
		}
		return verdictOf(len(d.elems) >= c.n)
	case chkUnique:
		if d.kind != kList {
			return unsure
		}
		seen := make(map[string]bool, len(d.elems))
		for _, e := range d.elems {
			if e.kind != kString {
				return unsure
			}
			if seen[e.str] {
				return no
			}
			seen[e.str] = true
		}
		return yes
	case chkAnd:
		v := yes
		for _, a := range c.args {
			if v = v.and(a.check(d)); v == no {
				return no
			}
		}
		return v
	case chkOr:
		n := 0
		for _, a := range c.args {
			switch a.check(d) {
			case unsure:
				return unsure
			case yes:
				n++
			}
		}
		switch {
		case n == 0:
			return no
		case n == 1 || !d.nested:
			// Two alternatives that take data holding no struct give that same data.
			return yes
		}
		return unsure
	case chkList:
		if d.kind != kList || len(d.elems) < len(c.elems) || (c.rest == nil && len(d.elems) != len(c.elems)) {
			return no
		}
		v := yes
		for i, e := range d.elems {
			if v = v.and(c.elem(i).check(e)); v == no {
				return no
			}
		}
		return v
	case chkStruct:
		if d.kind != kStruct {
			return no
		}
		v := yes
		for i, label := range d.labels {
			f := c.fields[label]
			if f == nil {
				return no // not allowed: the struct is closed
			}
			if v = v.and(f.c.check(d.fields[i])); v == no {
				return no
			}
		}
		if len(d.labels) < len(c.fields) {
			for label, f := range c.fields {
				if !f.optional && !f.concrete && d.field(label) == nil {
					v = unsure // incomplete, or its default unknown here: CUE's
				}
			}
		}
		return v
	case chkPattern:
		if d.kind != kStruct {
			return no
		}
		v := yes
		for i, label := range d.labels {
			name := datum{kind: kString, str: label}
			if v = v.and(c.label.check(&name)).and(c.value.check(d.fields[i])); v == no {
				return no
			}
		}
		return v
	case chkRef:
		return c.target.check(d)
	}
	return unsure
}

func (c *chk) elem(i int) *chk {
	if i < len(c.elems) {
		return c.elems[i]
	}
	return c.rest
}

func isNum(d *datum) bool { return d.kind == kInt || d.kind == kFloat }

// sameScalar reports whether two scalars are the same value of the same kind (1 and 1.0 are
// not taken as equal: CUE judges them).
func sameScalar(a, b *datum) bool {
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case kString:
		return a.str == b.str
	case kBool:
		return a.b == b.b
	case kInt, kFloat:
		return a.num.Cmp(&b.num) == 0
	}
	return false
}

// resolve is the node that gives a struct or list datum its shape: through references,
// conjunctions (which hold at most one such node) and disjunctions (the alternative that
// takes it), or nil.
func (c *chk) resolve(d *datum) *chk {
	switch c.op {
	case chkRef:
		return c.target.resolve(d)
	case chkAnd:
		for _, a := range c.args {
			if a.structural() {
				return a.resolve(d)
			}
		}
	case chkOr:
		for _, a := range c.args {
			if a.check(d) == yes {
				return a.resolve(d)
			}
		}
	case chkList, chkStruct, chkPattern:
		return c
	}
	return nil
}

// decode sets x (a zero value) to what decoder.decode makes of c unified with d, which check
// accepted. False when it cannot say exactly: CUE decodes it.
func (c *chk) decode(d *datum, x reflect.Value) bool {
	t := x.Type()
	if jsonUnmarshaling(t) {
		var b []byte
		b, ok := c.appendJSON(b, d)
		if !ok {
			return false
		}
		u, ok := x.Addr().Interface().(json.Unmarshaler)
		if !ok {
			return false
		}
		return u.UnmarshalJSON(b) == nil
	}
	switch x.Kind() {
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		if !c.decode(d, p.Elem()) {
			return false
		}
		x.Set(p)
		return true
	case reflect.String:
		if d.kind != kString {
			return false
		}
		x.SetString(d.str)
		return true
	case reflect.Bool:
		if d.kind != kBool {
			return false
		}
		x.SetBool(d.b)
		return true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if d.kind != kInt {
			return false
		}
		i, err := d.num.Int64()
		if err != nil || x.OverflowInt(i) {
			return false // decoding reports it (outOfRange)
		}
		x.SetInt(i)
		return true
	case reflect.Float64:
		if !isNum(d) {
			return false
		}
		f, ok := float64Of(&d.num)
		if !ok {
			return false
		}
		x.SetFloat(f)
		return true
	case reflect.Slice:
		if d.kind != kList || t.Elem().Kind() == reflect.Uint8 {
			return false
		}
		l := c.resolve(d)
		if l == nil || l.op != chkList {
			return false
		}
		s := reflect.MakeSlice(t, len(d.elems), len(d.elems))
		for i, e := range d.elems {
			if !l.elem(i).decode(e, s.Index(i)) {
				return false
			}
		}
		x.Set(s)
		return true
	case reflect.Map:
		if d.kind != kStruct || t.Key().Kind() != reflect.String {
			return false
		}
		p := c.resolve(d)
		if p == nil || p.op != chkPattern {
			return false // decoder.decode would add the fields' defaults: CUE's
		}
		m := reflect.MakeMapWithSize(t, len(d.labels))
		for i, label := range d.labels {
			e := reflect.New(t.Elem()).Elem()
			if !p.value.decode(d.fields[i], e) {
				return false
			}
			m.SetMapIndex(reflect.ValueOf(label).Convert(t.Key()), e)
		}
		x.Set(m)
		return true
	case reflect.Struct:
		if d.kind != kStruct {
			return false
		}
		s := c.resolve(d)
		if s == nil || s.op != chkStruct || s.goType != t {
			return false
		}
		fields, ok := jsonFields(t)
		if !ok {
			return false
		}
		for _, gf := range fields {
			sf := s.fields[gf.name]
			if v := d.field(gf.name); v != nil {
				if sf == nil || !sf.c.decode(v, x.Field(gf.index)) {
					return false
				}
				continue
			}
			if sf == nil || sf.optional {
				continue // no such field, or left out: decoder.decode finds nothing
			}
			if !sf.hasDef {
				return false
			}
			x.Field(gf.index).Set(copyValue(sf.def))
		}
		return true
	}
	return false
}

// float64Of converts a number as Value.Float64 does, declining what it reports out of range.
func float64Of(n *apd.Decimal) (float64, bool) {
	if n.IsZero() {
		return 0, true
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || f == 0 || math.Abs(f) < 1e-300 || math.Abs(f) > 1e300 {
		return 0, false
	}
	return f, true
}

// appendJSON appends the JSON of c unified with d, for a type with its own UnmarshalJSON, as
// Value.MarshalJSON would give it to the type; false when a default would have to be added or
// a number is not an int.
func (c *chk) appendJSON(b []byte, d *datum) ([]byte, bool) {
	switch d.kind {
	case kString:
		q, err := json.Marshal(d.str)
		return append(b, q...), err == nil
	case kBool:
		return strconv.AppendBool(b, d.b), true
	case kInt:
		i, err := d.num.Int64()
		return strconv.AppendInt(b, i, 10), err == nil
	case kList:
		l := c.resolve(d)
		if d.nested && (l == nil || l.op != chkList) {
			return b, false
		}
		b = append(b, '[')
		for i, e := range d.elems {
			if i > 0 {
				b = append(b, ',')
			}
			ec := &chk{op: chkTop}
			if l != nil {
				ec = l.elem(i)
			}
			var ok bool
			if b, ok = ec.appendJSON(b, e); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	case kStruct:
		s := c.resolve(d)
		if s == nil {
			return b, false
		}
		b = append(b, '{')
		for i, label := range d.labels {
			var fc *chk
			switch s.op {
			case chkStruct:
				f := s.fields[label]
				if f == nil {
					return b, false
				}
				fc = f.c
			case chkPattern:
				fc = s.value
			default:
				return b, false
			}
			if i > 0 {
				b = append(b, ',')
			}
			q, _ := json.Marshal(label)
			b = append(append(b, q...), ':')
			var ok bool
			if b, ok = fc.appendJSON(b, d.fields[i]); !ok {
				return b, false
			}
		}
		if s.op == chkStruct {
			for label, f := range s.fields {
				if !f.optional && d.field(label) == nil {
					return b, false // its default would be added
				}
			}
		}
		return append(b, '}'), true
	}
	return b, false
}

// checkers compiles, once per process, the checker of every projected field, from a worker's
// compiled projection. The fields projected element by element ({[#Name]: #Def}) have none:
// their elements' fields do.
func (p *projection) checkers(root cue.Value) {
	p.checkersOnce.Do(func() {
		cc := &checkerCompiler{top: p.top, root: root, refs: map[refKey]*chk{}}
		p.eachField(func(d *projectedDef, f *projectedField) {
			if f.elem != nil {
				return
			}
			var t reflect.Type
			if i, inGo := d.goIndex[f.label]; inGo {
				t = d.goType.Field(i).Type
			}
			if c := cc.expr(f.schema, root.LookupPath(cue.MakePath(cue.Def(f.def))), t); c.op != chkUnknown {
				f.chk = c
			}
		})
		p.names = map[string]*chk{}
		p.eachField(func(_ *projectedDef, f *projectedField) {
			if f.elem != nil {
				p.nameChecker(cc, f.elemName)
			}
		})
		p.nameChecker(cc, serviceNameDef)
	})
}

// nameChecker compiles the checker of a definition element names are checked against.
func (p *projection) nameChecker(cc *checkerCompiler, name string) {
	if _, done := p.names[name]; done {
		return
	}
	p.names[name] = nil
	if f := p.top[name]; f != nil {
		if c := cc.ref(name, f.Value, reflect.TypeFor[string]()); c.op != chkUnknown {
			p.names[name] = c
		}
	}
}

// eachField calls fn with every field of the projected definitions, each definition once, in
// the order of their labels.
func (p *projection) eachField(fn func(d *projectedDef, f *projectedField)) {
	done := map[*projectedDef]bool{}
	var walk func(d *projectedDef)
	walk = func(d *projectedDef) {
		if done[d] {
			return
		}
		done[d] = true
		for _, label := range slices.Sorted(maps.Keys(d.fields)) {
			f := d.fields[label]
			if f.elem != nil {
				walk(f.elem)
			}
			fn(d, f)
		}
	}
	walk(p.service)
}

// fastField checks and decodes a field's values with its checker; false when there is none,
// the data is not one plain value, or the checker does not accept it.
func fastField(f *projectedField, xs []ast.Expr, dst reflect.Value) bool {
	if f.chk == nil || len(xs) != 1 {
		return false
	}
	d, ok := toDatum(xs[0])
	if !ok || f.chk.check(d) != yes {
		return false
	}
	if !dst.IsValid() {
		return true
	}
	v := reflect.New(dst.Type()).Elem()
	if !f.chk.decode(d, v) {
		return false
	}
	dst.Set(v)
	return true
}
