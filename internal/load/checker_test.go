package load

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/ecsgen/ecsgen/internal/benchspec"
)

// checkedField is a projected field with a checker, and the Go type its values decode into.
type checkedField struct {
	f *projectedField
	t reflect.Type // nil: not in the model
}

// checkedFields are the fields of the projection that have a checker.
func checkedFields(p *projection) []checkedField {
	var out []checkedField
	p.eachField(func(d *projectedDef, f *projectedField) {
		if f.chk == nil {
			return
		}
		cf := checkedField{f: f}
		if i, ok := d.goIndex[f.label]; ok {
			cf.t = d.goType.Field(i).Type
		}
		out = append(out, cf)
	})
	return out
}

// agreement counts what CUE and the checker made of the values of a field.
type agreement struct {
	values, cueAccepts, checkerAccepts int
}

// agree compares the checker with CUE's unification, validation and decoding (what
// projectStruct does without it) on one value of a field: the checker may decline anything,
// but never accept what CUE does not, nor decode another model.
func agree(t *testing.T, w *serviceWorker, cf checkedField, src string, a *agreement) {
	t.Helper()
	x, err := parser.ParseExpr("value", src)
	if err != nil {
		return // not CUE: no value to compare
	}
	a.values++
	cueOK := false
	var want reflect.Value
	if v := w.ctx.BuildExpr(x); v.Err() == nil {
		u := w.def(cf.f.def).Unify(v)
		if u.Validate(cue.All(), cue.Concrete(true)) == nil {
			cueOK = true
			if cf.t != nil {
				want = reflect.New(cf.t).Elem()
				dec := &decoder{}
				if err := dec.decode(u, want); err != nil || len(dec.outOfRange) > 0 {
					cueOK = false // the projection declines it too
				}
			}
		}
	}
	if cueOK {
		a.cueAccepts++
	}
	var got reflect.Value
	if cf.t != nil {
		got = reflect.New(cf.t).Elem()
	}
	if !fastField(cf.f, []ast.Expr{x}, got) {
		return
	}
	a.checkerAccepts++
	switch {
	case !cueOK:
		t.Errorf("%s: the checker accepts %s, CUE does not", cf.f.def, src)
	case cf.t != nil && !reflect.DeepEqual(got.Interface(), want.Interface()):
		t.Errorf("%s: the checker decodes %s as\n%#v\nCUE as\n%#v", cf.f.def, src, got.Interface(), want.Interface())
	}
}

// TestCheckerAgrees is the checker's property test: for every projected field with a checker,
// the values written for it in every spec the tests know, and many values generated from its
// schema — valid ones and near-invalid ones (wrong kinds, values at and beyond bounds, strings
// a pattern misses or too long, extra and missing fields, duplicates in unique lists, and
// unusual literal forms: 1_000, 0x10, 1K, 1.0, 1e3, """ and #"…"# strings, escapes) — must get
// from the checker either no answer or CUE's: the same verdict and the same decoded model.
func TestCheckerAgrees(t *testing.T) {
	w := &serviceWorker{}
	if err := w.compile(); err != nil {
		t.Fatal(err)
	}
	if w.proj == nil {
		t.Fatal("no projection")
	}
	fields := checkedFields(w.proj)
	if len(fields) < 40 {
		t.Errorf("only %d projected fields have a checker", len(fields))
	}
	byDef := map[string]checkedField{}
	for _, cf := range fields {
		byDef[cf.f.def] = cf
	}

	stats := map[string]*agreement{}
	count := func(def string) *agreement {
		if stats[def] == nil {
			stats[def] = &agreement{}
		}
		return stats[def]
	}

	// The values the known specs write.
	for _, src := range append(knownSpecs(t), []byte(benchspec.Spec(12))) {
		for _, svc := range servicesOf(src) {
			forEachFieldValue(w.proj.service, []ast.Expr{svc.expr}, func(def *projectedDef, label string, x ast.Expr) {
				cf, ok := byDef[def.fields[label].def]
				if !ok {
					return
				}
				b, err := format.Node(x)
				if err != nil {
					t.Fatal(err)
				}
				agree(t, w, cf, string(b), count(cf.f.def))
			})
		}
	}

	// Values generated from each field's schema.
	n := 400
	if testing.Short() {
		n = 150
	}
	for i, cf := range fields {
		g := &valueGen{r: rand.New(rand.NewPCG(uint64(i), 14))}
		for j := range n {
			g.clean = j%2 == 0
			agree(t, w, cf, g.value(cf.f.chk, 0), count(cf.f.def))
		}
	}

	var total agreement
	for _, def := range slices.Sorted(func(yield func(string) bool) {
		for d := range stats {
			if !yield(d) {
				return
			}
		}
	}) {
		a := stats[def]
		t.Logf("%s: %d values, CUE accepts %d, the checker %d", def, a.values, a.cueAccepts, a.checkerAccepts)
		total.values += a.values
		total.cueAccepts += a.cueAccepts
		total.checkerAccepts += a.checkerAccepts
	}
	t.Logf("all: %d values, CUE accepts %d, the checker %d", total.values, total.cueAccepts, total.checkerAccepts)
	// The comparison means something only if both verdicts are common, and the checker
	// answers for most of what CUE accepts.
	if total.cueAccepts < total.values/5 || total.cueAccepts > total.values*4/5 {
		t.Errorf("CUE accepts %d of %d values: the generated values are not near the schema's edges", total.cueAccepts, total.values)
	}
	if total.checkerAccepts < total.cueAccepts*3/4 {
		t.Errorf("the checker accepts %d of the %d values CUE accepts", total.checkerAccepts, total.cueAccepts)
	}
}

// forEachFieldValue calls fn with each field a struct of data writes for a projected
// definition, element by element for the fields projected so.
func forEachFieldValue(d *projectedDef, xs []ast.Expr, fn func(d *projectedDef, label string, x ast.Expr)) {
	order, values, ok := dataFields(xs)
	if !ok {
		return
	}
	for _, label := range order {
		f := d.fields[label]
		if f == nil {
			continue
		}
		if f.elem != nil {
			names, elems, ok := dataFields(values[label])
			if !ok {
				continue
			}
			for _, name := range names {
				forEachFieldValue(f.elem, elems[name], fn)
			}
			continue
		}
		for _, x := range values[label] {
			fn(d, label, x)
		}
	}
}

// valueGen writes CUE values from a checker's schema, most of them near its edges.
type valueGen struct {
	r *rand.Rand
	// clean: no deliberate mistake (wrong kinds, misses, extra fields, values beyond bounds),
	// so that large structs are valid often enough.
	clean bool
}

// oneIn is true about once in n times, never when the value is clean.
func (g *valueGen) oneIn(n int) bool { return !g.clean && g.r.IntN(n) == 0 }

func (g *valueGen) value(c *chk, depth int) string {
	if g.oneIn(14) || depth > 6 {
		return g.wild()
	}
	switch c.op {
	case chkKind:
		var kinds []uint8
		for _, k := range []uint8{kString, kInt, kFloat, kBool} {
			if c.kinds&k != 0 {
				kinds = append(kinds, k)
			}
		}
		switch kinds[g.r.IntN(len(kinds))] {
		case kString:
			return g.str(g.word())
		case kInt:
			return g.int(int64(g.r.IntN(2000) - 100))
		case kFloat:
			return g.float(float64(g.r.IntN(2000))/8 - 10)
		case kBool:
			return strconv.FormatBool(g.r.IntN(2) == 0)
		}
	case chkLit:
		return g.lit(c.lit)
	case chkBound:
		return g.near(c.lit)
	case chkRegex:
		if c.neg {
			return g.str(g.word())
		}
		return g.str(g.matching(c.re.String()))
	case chkRunes:
		n := max(c.n+g.r.IntN(3)-1, 0)
		if g.clean {
			n = c.n
		}
		return g.str(strings.Repeat([]string{"a", "é", "日"}[g.r.IntN(3)], n))
	case chkItems, chkUnique:
		var elems []string
		for range g.r.IntN(4) {
			elems = append(elems, g.str(g.word()))
		}
		return "[" + strings.Join(elems, ", ") + "]"
	case chkAnd:
		// Generate from the most particular conjunct; the others judge it.
		// Now and then from any of them: a string of exactly MaxRunes runes, or one more.
		if g.r.IntN(3) == 0 {
			return g.value(c.args[g.r.IntN(len(c.args))], depth)
		}
		best := c.args[0]
		for _, a := range c.args {
			if rank(a) > rank(best) || (rank(a) == rank(best) && g.r.IntN(2) == 0) {
				best = a
			}
		}
		return g.value(best, depth)
	case chkOr:
		return g.value(c.args[g.r.IntN(len(c.args))], depth)
	case chkList:
		n := len(c.elems) + g.r.IntN(4)
		if c.rest == nil && g.r.IntN(4) != 0 {
			n = len(c.elems)
		}
		if n > 0 && g.oneIn(8) {
			n-- // too short, when it has a prefix
		}
		var elems []string
		for i := range n {
			if i >= len(c.elems) && c.rest == nil {
				elems = append(elems, g.wild())
				continue
			}
			elems = append(elems, g.value(c.elem(i), depth+1))
		}
		if len(elems) > 0 && g.oneIn(10) {
			elems = append(elems, elems[0]) // a duplicate
		}
		return "[" + strings.Join(elems, ", ") + "]"
	case chkStruct:
		var parts []string
		for _, label := range slices.Sorted(func(yield func(string) bool) {
			for l := range c.fields {
				if !yield(l) {
					return
				}
			}
		}) {
			f := c.fields[label]
			p := 2 // of 10
			if !f.optional {
				p = 7
			}
			if g.r.IntN(10) < p || (!f.optional && !f.concrete && g.r.IntN(10) < 9) {
				parts = append(parts, g.label(label)+": "+g.value(f.c, depth+1))
			}
		}
		if g.oneIn(12) {
			parts = append(parts, "bogus: 1")
		}
		g.r.Shuffle(len(parts), func(i, j int) { parts[i], parts[j] = parts[j], parts[i] })
		return "{" + strings.Join(parts, ", ") + "}"
	case chkPattern:
		var parts []string
		for range g.r.IntN(4) {
			parts = append(parts, g.label(g.goString(c.label))+": "+g.value(c.value, depth+1))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case chkRef:
		return g.value(c.target, depth)
	}
	return g.wild()
}

// rank orders conjuncts by how much a value generated from them tells.
func rank(c *chk) int {
	switch c.op {
	case chkList, chkStruct, chkPattern, chkRef, chkOr, chkLit:
		return 4
	case chkRegex:
		return 3
	case chkBound, chkRunes, chkItems, chkUnique:
		return 2
	}
	return 1
}

// goString is a string for a label: one the schema of labels likely allows.
func (g *valueGen) goString(c *chk) string {
	switch c.op {
	case chkRegex:
		if !c.neg {
			return g.matching(c.re.String())
		}
	case chkLit:
		if c.lit.kind == kString {
			return c.lit.str
		}
	case chkAnd:
		for _, a := range c.args {
			if a.op == chkRegex && !a.neg || a.op == chkRef || a.op == chkOr {
				return g.goString(a)
			}
		}
	case chkOr:
		return g.goString(c.args[g.r.IntN(len(c.args))])
	case chkRef:
		return g.goString(c.target)
	}
	return g.word()
}

func (g *valueGen) word() string {
	words := []string{"a", "web", "x1", "Hello World", "", " ", "UPPER_case", "a/b", "é", "日本", "tab\there", "line\nbreak", "q\"uote", `back\slash`, "aws:x", "-lead"}
	return words[g.r.IntN(len(words))]
}

// wild is a value of any kind, often the wrong one.
func (g *valueGen) wild() string {
	wild := []string{"null", "true", `"x"`, "1", "1.5", "-1", "0", "[]", "{}", "{bogus: 1}", `["a"]`,
		"99999999999999999999999", "1e3", "0x10", "1_000", "2K", `"""` + "\n\tmulti\n\tline\n\t" + `"""`, `'bytes'`, `#"raw"#`}
	return wild[g.r.IntN(len(wild))]
}

// lit is a literal, or one next to it, in any of CUE's forms.
func (g *valueGen) lit(d *datum) string {
	switch d.kind {
	case kString:
		if g.oneIn(6) {
			return g.str(d.str + "x")
		}
		return g.str(d.str)
	case kBool:
		return strconv.FormatBool(d.b != g.oneIn(6))
	case kInt, kFloat:
		return g.near(d)
	}
	return g.wild()
}

// near is a number at or next to n, as an int or a float, in one of CUE's forms.
func (g *valueGen) near(n *datum) string {
	if n.kind == kString {
		return g.str(n.str)
	}
	f, _ := n.num.Float64()
	if n.kind == kInt || g.r.IntN(3) == 0 {
		i, _ := n.num.Int64()
		if n.kind == kFloat {
			i = int64(f)
		}
		if !g.clean {
			i += int64(g.r.IntN(3) - 1)
		}
		if g.oneIn(5) {
			return g.float(float64(i)) // an int written as a float
		}
		return g.int(i)
	}
	if g.clean {
		return g.float(f)
	}
	return g.float(f + float64(g.r.IntN(3)-1)/2)
}

// int writes i in one of CUE's integer forms.
func (g *valueGen) int(i int64) string {
	sign, a := "", i
	if i < 0 {
		sign, a = "-", -i
	}
	switch g.r.IntN(8) {
	case 0:
		return sign + "0x" + strconv.FormatInt(a, 16)
	case 1:
		s := strconv.FormatInt(a, 10)
		if len(s) > 1 {
			s = s[:1] + "_" + s[1:]
		}
		return sign + s
	case 2:
		if a%1000 == 0 && a > 0 {
			return sign + strconv.FormatInt(a/1000, 10) + "K"
		}
	case 3:
		return sign + "0o" + strconv.FormatInt(a, 8)
	}
	return strconv.FormatInt(i, 10)
}

// float writes f in one of CUE's float forms.
func (g *valueGen) float(f float64) string {
	switch g.r.IntN(3) {
	case 0:
		return strconv.FormatFloat(f, 'e', -1, 64)
	case 1:
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}

// str writes s as a CUE string: quoted with escapes, multi-line or raw.
func (g *valueGen) str(s string) string {
	switch g.r.IntN(6) {
	case 0:
		if !strings.Contains(s, `"""`) && !strings.HasSuffix(s, `\`) {
			lines := strings.Split(quoteBody(s, false), "\\n")
			return "\"\"\"\n\t\t" + strings.Join(lines, "\n\t\t") + "\n\t\t\"\"\""
		}
	case 1:
		if !strings.ContainsAny(s, "\"\\\n") {
			return `#"` + s + `"#`
		}
	case 2:
		return `"` + quoteBody(s, true) + `"`
	}
	return `"` + quoteBody(s, false) + `"`
}

// quoteBody escapes s for a double-quoted CUE string; all: every non-ASCII rune as \u.
func quoteBody(s string, all bool) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || (all && r >= utf8.RuneSelf):
			if r > 0xffff {
				fmt.Fprintf(&b, `\U%08x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// label writes a field label, as an identifier when it is one.
func (g *valueGen) label(s string) string {
	if ast.IsValidIdent(s) && !strings.HasPrefix(s, "#") && !strings.HasPrefix(s, "_") && token.Lookup(s) == token.IDENT && g.r.IntN(3) != 0 {
		return s
	}
	return `"` + quoteBody(s, false) + `"`
}

// matching is a string the regular expression likely matches.
func (g *valueGen) matching(expr string) string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return g.word()
	}
	var b strings.Builder
	g.regex(re.Simplify(), &b)
	s := b.String()
	if g.oneIn(8) {
		s += " " // a miss
	}
	return s
}

func (g *valueGen) regex(re *syntax.Regexp, b *strings.Builder) {
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return
		}
		i := g.r.IntN(len(re.Rune)/2) * 2
		lo, hi := re.Rune[i], re.Rune[i+1]
		r := lo + rune(g.r.IntN(int(min(hi-lo, 50))+1))
		if r == '\n' || r == '\r' || (r >= 0xd800 && r <= 0xdfff) || r > 0x10ffff {
			r = lo
		}
		b.WriteRune(r)
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte("xY9._"[g.r.IntN(5)])
	case syntax.OpCapture:
		g.regex(re.Sub[0], b)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 2
		switch re.Op {
		case syntax.OpPlus:
			lo, hi = 1, 3
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Max
			if hi < 0 || hi > lo+3 {
				hi = lo + 3
			}
		}
		for range lo + g.r.IntN(hi-lo+1) {
			g.regex(re.Sub[0], b)
		}
	case syntax.OpConcat:
		for _, s := range re.Sub {
			g.regex(s, b)
		}
	case syntax.OpAlternate:
		g.regex(re.Sub[g.r.IntN(len(re.Sub))], b)
	}
}

// TestCheckerDatum checks that the checker reads literals as CUE's compiler does.
func TestCheckerDatum(t *testing.T) {
	for src, want := range map[string]string{
		`1_000`: "int 1000", `0x10`: "int 16", `0o17`: "int 15", `0b101`: "int 5", `2K`: "int 2000", `1Ki`: "int 1024",
		`1.0`: "float 1.0", `1e3`: "float 1E+3", `-5`: "int -5", `+5`: "int 5", `-1.5`: "float -1.5",
		`"a\tb"`: "string a\tb", `"\u00e9"`: "string é", `#"a\b"#`: `string a\b`, `#"a\#tb"#`: "string a\tb",
		"\"\"\"\n\t\tone\n\t\ttwo\n\t\t\"\"\"": "string one\ntwo", `true`: "bool true",
	} {
		x, err := parser.ParseExpr("value", src)
		if err != nil {
			t.Fatal(src, err)
		}
		d, ok := toDatum(x)
		if !ok {
			t.Errorf("%s: not read", src)
			continue
		}
		var got string
		switch d.kind {
		case kInt:
			got = "int " + d.num.String()
		case kFloat:
			got = "float " + d.num.String()
		case kString:
			got = "string " + d.str
		case kBool:
			got = "bool " + strconv.FormatBool(d.b)
		}
		if got != want {
			t.Errorf("%s: read as %q, want %q", src, got, want)
		}
	}
	for _, src := range []string{`null`, `'bytes'`, `"a\(1)"`, `{a: 1, a: 1}`, `[1, ...]`, `{a: 1} & {b: 2}`, `{a?: 1}`, `x`} {
		x, err := parser.ParseExpr("value", src)
		if err != nil {
			t.Fatal(src, err)
		}
		if _, ok := toDatum(x); ok {
			t.Errorf("%s: read as plain data", src)
		}
	}
}

// TestCheckerConstructs checks the checker on constructs the schema does not use today, or
// uses where no generated value reaches them: it may decline (or reject) anything, never accept
// what CUE does not; the values marked + it must accept.
func TestCheckerConstructs(t *testing.T) {
	const src = `package x

import (
	"list"
	"strings"
)

#Name: =~"^[a-z]+$"
#Ambiguous: {a?: int} | {b?: int}
#Defaults: {a: *1 | int} | {b: *2 | int}
#Equal: {a: int} | {a: int}
#StringBound: >"m"
#NotX: string & !="x"
#NotOne: !=1
#MinTwo: [...string] & list.MinItems(2)
#Unique: [...int] & list.UniqueItems()
#Runes: strings.MinRunes(2) & strings.MaxRunes(3)
#Prefix: [#Name, int, ...bool]
#Pattern: {[#Name]: {x: *0 | int}}
#Nested: {inner: {a: *true | bool, b?: string}}
#Selected: #Nested.inner
#Pick: #Pattern.a
#Sibling: {a: int, b: a}
#Floats: 1.5 | 2
#Top: {v: _}
#Required: {a!: int}
#Open: {a: int, ...}
#Bytes: bytes
`
	f, err := parser.ParseFile("constructs.cue", src)
	if err != nil {
		t.Fatal(err)
	}
	top := map[string]*ast.Field{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.Field); ok {
			name, _, _ := ast.LabelName(fd.Label)
			top[name] = fd
		}
	}
	w := &serviceWorker{}
	if err := w.compile(); err != nil {
		t.Fatal(err)
	}
	root := w.ctx.CompileString(src)
	if root.Err() != nil {
		t.Fatal(root.Err())
	}
	cc := &checkerCompiler{top: top, root: root, refs: map[refKey]*chk{}}
	for _, c := range []struct {
		def    string
		values []string
	}{
		{"#Ambiguous", []string{"{}", "+{a: 1}", "+{b: 1}", "{a: 1, b: 1}", "{c: 1}"}},
		{"#Defaults", []string{"{}", "{a: 2}", "{b: 3}"}},
		{"#Equal", []string{"{a: 1}", "{}"}},
		{"#StringBound", []string{`"z"`, `"a"`, "1"}},
		{"#NotX", []string{`+"y"`, `"x"`, "1"}},
		{"#NotOne", []string{"+2", "1", "1.0", `"a"`}},
		{"#MinTwo", []string{`+["a", "b"]`, `["a"]`, "[]", `"a"`}},
		{"#Unique", []string{"[1, 2]", "[1, 1]", "[1, 1.0]"}},
		{"#Runes", []string{`+"ab"`, `+"日本語"`, `"a"`, `"abcd"`, "1"}},
		{"#Prefix", []string{`+["a", 1]`, `+["a", 1, true, false]`, `["a"]`, `["A", 1]`, `["a", 1, 2]`, `["a", 1.0]`}},
		{"#Pattern", []string{"+{}", "{a: {}}", "+{a: {x: 1}}", "{A: {}}", "{a: {y: 1}}", `{"a": {x: 1}, a: {x: 1}}`}},
		{"#Nested", []string{"+{inner: {}}", `+{inner: {b: "x"}}`, "{}", "{inner: {c: 1}}", "{inner: {a: 1}}"}},
		{"#Selected", []string{"+{}", "+{a: false}", "{c: 1}", "{inner: {}}"}},
		{"#Pick", []string{"{x: 1}"}},
		{"#Sibling", []string{"{a: 1, b: 1}", "{a: 1, b: 2}"}},
		{"#Floats", []string{"+1.5", "+2", "2.0", "1.50", "15e-1", "1"}},
		{"#Top", []string{"+{v: 1}", `+{v: {x: [1, "a"]}}`, "{}"}},
		{"#Required", []string{"{a: 1}", "{}"}},
		{"#Open", []string{"{a: 1}", "{a: 1, b: 2}"}},
		{"#Bytes", []string{`'a'`, `"a"`}},
	} {
		fd := top[c.def]
		chk := cc.expr(fd.Value, root.LookupPath(cue.MakePath(cue.Def(c.def))), nil)
		def := root.LookupPath(cue.MakePath(cue.Def(c.def)))
		for _, v := range c.values {
			must := strings.HasPrefix(v, "+")
			v = strings.TrimPrefix(v, "+")
			x, err := parser.ParseExpr("value", v)
			if err != nil {
				t.Fatal(v, err)
			}
			cueOK := def.Unify(w.ctx.BuildExpr(x)).Validate(cue.All(), cue.Concrete(true)) == nil
			d, ok := toDatum(x)
			accepts := ok && chk.check(d) == yes
			switch {
			case accepts && !cueOK:
				t.Errorf("%s: the checker accepts %s, CUE does not", c.def, v)
			case must && !accepts:
				t.Errorf("%s: the checker does not accept %s (CUE accepts it: %v)", c.def, v, cueOK)
			}
		}
	}
}

// TestCheckerCoverage checks that every field of the projection has a checker and that the
// checkers decline only the parts of the schema listed here, so that a change to the schema
// that leaves the values services write to CUE's evaluator again (most of the projection's cost
// before the checker) is seen: extend the checker, or add the part here and say why.
func TestCheckerCoverage(t *testing.T) {
	w := &serviceWorker{}
	if err := w.compile(); err != nil {
		t.Fatal(err)
	}
	declinedByDesign := map[string]string{
		"#ecsgenProjected_Service_autoscaling.predictive": "{[#Label]: #PredictiveScaling & {metric: …}}: two structs in one conjunction",
	}
	var declined []string
	for _, cf := range checkedFields(w.proj) {
		seen := map[*chk]bool{}
		var walk func(c *chk, path string)
		walk = func(c *chk, path string) {
			if c == nil {
				return
			}
			if c.op == chkUnknown {
				declined = append(declined, cf.f.def+path)
				return
			}
			if seen[c] {
				return
			}
			seen[c] = true
			for _, a := range c.args {
				walk(a, path)
			}
			for i, e := range c.elems {
				walk(e, fmt.Sprintf("%s[%d]", path, i))
			}
			walk(c.rest, path+"[...]")
			for l, f := range c.fields {
				walk(f.c, path+"."+l)
			}
			walk(c.label, path+"[label]")
			walk(c.value, path+"[*]")
			walk(c.target, path)
		}
		walk(cf.f.chk, "")
	}
	slices.Sort(declined)
	for _, d := range declined {
		if declinedByDesign[d] == "" {
			t.Errorf("the checker declines %s", d)
		}
	}
	for d := range declinedByDesign {
		if !slices.Contains(declined, d) {
			t.Errorf("the checker no longer declines %s: take it off the list", d)
		}
	}
	w.proj.eachField(func(d *projectedDef, f *projectedField) {
		if f.elem == nil && f.chk == nil {
			t.Errorf("%s.%s has no checker", d.name, f.label)
		}
	})
}

// TestNameCheckersAgree checks the checkers of the definitions element names are checked
// against (#Label for the services and their containers): every one compiles, and on names
// near the edges of each, the checker's yes is CUE's, and CUE's yes is the checker's (a name
// CUE accepts but the checker does not would send every service with it to the unification).
func TestNameCheckersAgree(t *testing.T) {
	w := &serviceWorker{}
	if err := w.compile(); err != nil {
		t.Fatal(err)
	}
	if len(w.proj.names) == 0 || w.proj.names[serviceNameDef] == nil {
		t.Fatalf("no checker for %s: %v", serviceNameDef, w.proj.names)
	}
	names := []string{
		"a", "web", "svc-0001", "a1-b2-c3", "x" + strings.Repeat("y", 62), "x" + strings.Repeat("y", 63),
		"", "A", "Web", "1web", "-web", "web-", "we--b", "we_b", "we.b", "wéb", "web ", " web",
		"we\nb", "ｗeb", "a-1", "a-", "z9", "app\x00", strings.Repeat("a", 200),
	}
	for pattern, c := range w.proj.names {
		if c == nil {
			t.Errorf("%s: no checker", pattern)
			continue
		}
		for _, name := range names {
			cueOK := w.def(pattern).Unify(w.ctx.Encode(name)).Validate(cue.Concrete(true)) == nil
			got := c.check(&datum{kind: kString, str: name})
			if got == yes && !cueOK || cueOK && got != yes {
				t.Errorf("%s %q: checker %v, CUE accepts: %v", pattern, name, got, cueOK)
			}
			if ok := w.nameOK(pattern, name); ok != cueOK {
				t.Errorf("%s %q: nameOK %v, CUE accepts: %v", pattern, name, ok, cueOK)
			}
		}
	}
}
