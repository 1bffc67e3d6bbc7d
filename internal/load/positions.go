// Positions: where the user wrote each field of the spec, keyed by spec path, from the syntax
// of the user's files or from the evaluated value.

package load

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"

	"github.com/ecsgen/ecsgen/internal/diag"
)

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

// fromSyntax does what collect does, from the syntax of the user's files instead of the
// evaluated value, which costs a tenth as much on a large spec: CUE's field iterator sorts
// the fields of every struct it visits. It applies only to plain data — fields with literal
// names holding structs, lists, strings, numbers and booleans — where the syntax tree and the
// value are the same tree; a struct may be written in several places (services: a: … then
// services: b: …). On anything else — a reference, an expression, a comprehension,
// a hidden field or definition, an optional field, an attribute (such as @tag), an import, a
// list or a scalar written twice — it records nothing and reports false, and the caller walks
// the value.
//
// user is the files' value, when it is built: the position of the spec itself and of each
// struct written in several places are then the value's. Without it (cue.Value{}), they are
// read from the syntax where CUE takes them from: for the spec, the last file (CUE files
// only, in the order the build instance lists them); for a struct written in several places,
// the value of its last declaration. TestSyntaxPositionsAgree checks both walks, with and
// without the value, against the walk of the value.
func (p *positioner) fromSyntax(user cue.Value, files []*ast.File, findings *diag.List) bool {
	return p.fromFiles(user, files, "", findings)
}

// fromRest is fromSyntax without the values of the services, which fromService reads one by
// one: the position of services itself is recorded, as written once or in several places.
// Together they record what fromSyntax records, when servicesApart (TestServicePositionsAgree).
func (p *positioner) fromRest(files []*ast.File, findings *diag.List) bool {
	return p.fromFiles(cue.Value{}, files, servicesLabel, findings)
}

// fromFiles is fromSyntax, without walking the value of the top-level field skip when it is
// a struct ("": none).
func (p *positioner) fromFiles(user cue.Value, files []*ast.File, skip string, findings *diag.List) bool {
	if len(files) == 0 || len(p.out) > 0 {
		return false
	}
	s := syntaxWalk{p: p, structs: map[string]bool{}, twice: map[string]twice{}, skip: skip}
	if user.Exists() {
		p.record("", user.Pos())
	} else if root := rootPos(files); root.IsValid() {
		p.record("", root)
	} else {
		return false
	}
	for _, f := range files {
		if !s.decls(f.Decls, "", true) {
			clear(p.out)
			return false
		}
	}
	s.finish(user, findings)
	return true
}

// fromService records the positions of one service, services.<name> and everything under it,
// as fromSyntax does, from its declarations: its fields in the services structs of the
// files, in their order (userService.decls). The paths it records are the service's only,
// so that the services of plain-data files can be read apart, each into a positioner of its
// own, by the workers that validate them or when a finding asks for them (servicesApart,
// serviceRun.readPositions, serviceSpan.read). On
// anything fromSyntax declines it reports false, with the paths recorded so far left in out.
func (p *positioner) fromService(decls []ast.Decl, findings *diag.List) bool {
	s := syntaxWalk{p: p, structs: map[string]bool{}, twice: map[string]twice{}, sels: []cue.Selector{cue.Str(servicesLabel)}}
	if !s.decls(decls, servicesLabel, false) {
		return false
	}
	s.finish(cue.Value{}, findings)
	return true
}

// servicesApart reports whether the paths of each service and of the rest of the files are
// apart, so that fromRest and fromService, each with its own record of the paths declared,
// find what fromSyntax finds: no service's name is another's followed by "." or "[", and no
// top-level field's name starts with "services." (neither is allowed in a valid spec:
// service names are #Label, #Spec is closed).
func servicesApart(files []*ast.File, services []userService) bool {
	names := make(map[string]bool, len(services))
	for _, svc := range services {
		names[svc.name] = true
	}
	for _, svc := range services {
		for i, c := range svc.name {
			if (c == '.' || c == '[') && names[svc.name[:i]] {
				return false
			}
		}
	}
	for _, f := range files {
		for _, d := range f.Decls {
			if field, ok := d.(*ast.Field); ok {
				if label, _ := plainLabel(field.Label); strings.HasPrefix(label, servicesLabel+".") {
					return false
				}
			}
		}
	}
	return true
}

// rootPos is the position CUE gives the value of CUE files (Value.Pos): the position of the
// last file that has one, which is its first declaration's (the package clause, if any).
// NoPos when a file has no declaration: the caller then walks the value.
func rootPos(files []*ast.File) token.Pos {
	for _, f := range files {
		if len(f.Decls) == 0 {
			return token.NoPos
		}
	}
	for i := len(files) - 1; i >= 0; i-- {
		if pos := files[i].Pos(); pos.IsValid() {
			return pos
		}
	}
	return token.NoPos
}

type syntaxWalk struct {
	p        *positioner      // its out holds the paths declared so far
	structs  map[string]bool  // the paths declared with a struct value
	twice    map[string]twice // the struct paths declared more than once
	sels     []cue.Selector   // the selectors of the path being walked
	skip     string           // a top-level struct field whose value is not walked (fromRest)
	findings diag.List
}

// finish sets the position of each struct path declared more than once, as the value gives
// it (user) or else as its last declaration's value, and adds the walk's findings.
func (s *syntaxWalk) finish(user cue.Value, findings *diag.List) {
	for path, t := range s.twice {
		delete(s.p.out, path)
		if user.Exists() {
			s.p.record(path, user.LookupPath(cue.MakePath(t.sels...)).Pos())
		} else {
			s.p.record(path, t.last)
		}
	}
	*findings = append(*findings, s.findings...)
}

// twice is a struct path declared more than once: its selectors, to look it up in the value,
// and the position of its last declaration's value.
type twice struct {
	sels []cue.Selector
	last token.Pos
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
				s.twice[fp] = twice{sels: slices.Clone(s.sels), last: d.Value.Pos()}
			case isStruct:
				s.structs[fp] = true
			}
			if !(isStruct && s.skip != "" && fp == s.skip) && !s.value(d.Value, fp) {
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
