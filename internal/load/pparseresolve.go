package load

// Identifier resolution of a file parsed in regions (see pparse.go).
//
// parser.ParseFile resolves every identifier of the text it parses (astutil.Resolve): it
// sets Ident.Node and Ident.Scope to the declaration an identifier refers to and lists the
// ones it cannot find in File.Unresolved. A region was resolved with only its own part of
// the file around it. An identifier found in a scope inside its own element (of the struct
// being cut) or inside its own top-level declaration was found exactly as in the whole
// file: those scopes hold the same declarations, and a lookup stops at the first scope that
// has the name. Every other identifier (not found, or found in the file's scope, the
// struct's scope, or a field directly in either: "escaping") is cleared and resolved again
// by astutil.Resolve over the assembled file, in which, for the duration, each element of
// the struct is replaced by a stand-in of the same kind that declares the same names and
// holds the element's escaping identifiers: a field keeps its label, alias and constraint
// and gets a list of those identifiers as its value (behind the same value alias), a let
// clause or alias keeps its name, anything else (embeddings, comprehensions, ellipses,
// attributes) becomes an embedded list; a field with a plain string label, no alias and no
// escaping identifier declares nothing and holds nothing to resolve, and is left out.
// Resolve then sees the struct's and the file's scopes as they are, reports the same
// errors, visits the escaping identifiers in the same scopes and lists the unresolved ones
// in the same order as over the whole file; the stand-ins it recorded as declarations are
// then replaced by the elements they stand for.

import (
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/ast/astutil"
	"cuelang.org/go/cue/token"
)

// regionScan moves a region's kept nodes to the whole file's token.File and collects the
// escaping identifiers of each of its elements.
type regionScan struct {
	file  *token.File
	delta int
	// decls are the top-level declarations the region adds (region 0: those before the
	// struct; the last region: those after it); fields are its elements of the struct;
	// wrapper is the field around them in every region but the first.
	decls   []ast.Decl
	fields  []ast.Decl
	wrapper *ast.Field
	// elems are the escaping identifiers of each element of fields (outside a field's label,
	// which Resolve walks from the label itself).
	elems []elemIdents
	// failed is set when the scan panicked (on a tree it was not written for).
	failed bool
}

type elemIdents struct {
	// unresolved in the region's order of File.Unresolved, then those it found outside the
	// element.
	unresolved, resolved []*ast.Ident
}

// scan moves the region's kept positions and clears (and for the elements' values,
// collects) its escaping identifiers.
func (sc *regionScan) scan(f *ast.File) {
	var st *ast.StructLit
	if sc.wrapper != nil {
		st = sc.wrapper.Value.(*ast.StructLit)
	} else {
		st = f.Decls[len(f.Decls)-1].(*ast.Field).Value.(*ast.StructLit)
	}
	outer := map[ast.Node]bool{f: true, st: true}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.Field); ok {
			outer[fd] = true
		}
	}
	for _, d := range st.Elts {
		if fd, ok := d.(*ast.Field); ok {
			outer[fd] = true
		}
	}
	unresolved := make(map[*ast.Ident]bool, len(f.Unresolved))
	for _, x := range f.Unresolved {
		unresolved[x] = true
	}
	elemOf := map[*ast.Ident]int{}
	sc.elems = make([]elemIdents, len(sc.fields))
	cur := -1 // the element whose identifiers are collected
	ident := func(x *ast.Ident) {
		if x.Node == nil && !unresolved[x] || x.Node != nil && x.Scope != nil && !outer[x.Scope] {
			return // not visited by Resolve, or found inside
		}
		if cur >= 0 {
			if x.Node == nil {
				elemOf[x] = cur
			} else {
				sc.elems[cur].resolved = append(sc.elems[cur].resolved, x)
			}
		}
		x.Node, x.Scope = nil, nil
	}
	for i, d := range sc.fields {
		var value ast.Node = d
		if fd, ok := d.(*ast.Field); ok {
			value = fd.Value
		}
		enter := func(n ast.Node) bool {
			if n == value {
				cur = i
			}
			return true
		}
		leave := func(n ast.Node) {
			if n == value {
				cur = -1
			}
		}
		rebase(d, sc.file, sc.delta, ident, enter, leave)
	}
	for _, x := range f.Unresolved {
		if e, ok := elemOf[x]; ok {
			sc.elems[e].unresolved = append(sc.elems[e].unresolved, x)
		}
	}
	if sc.wrapper == nil {
		// The rest of region 0: its file, the declarations before the struct, the struct's
		// field and the struct itself without its elements.
		rebase(f, sc.file, sc.delta, ident, func(n ast.Node) bool {
			if n != st {
				return true
			}
			movePos(&st.Lbrace, sc.file, sc.delta)
			movePos(&st.Rbrace, sc.file, sc.delta)
			for _, cg := range ast.Comments(st) {
				rebase(cg, sc.file, sc.delta, nil, nil, nil)
			}
			return false
		}, nil)
		return
	}
	for _, d := range sc.decls {
		rebase(d, sc.file, sc.delta, ident, nil, nil)
	}
	movePos(&st.Rbrace, sc.file, sc.delta)
}

// resolveAssembled resolves the escaping identifiers of the assembled file f, whose struct
// st has elements with the escaping identifiers elems. It reports false when Resolve finds
// an error (the serial parse then reports it) or an element it cannot stand in for.
func resolveAssembled(f *ast.File, st *ast.StructLit, elems []elemIdents) bool {
	real := st.Elts
	if len(elems) != len(real) {
		return false
	}
	standsFor := map[ast.Node]ast.Node{}
	var stubs []ast.Decl
	for i, d := range real {
		ids := append(elems[i].unresolved[:len(elems[i].unresolved):len(elems[i].unresolved)], elems[i].resolved...)
		if len(ids) == 0 && declaresNothing(d) {
			continue
		}
		s, ok := standIn(d, ids, standsFor)
		if !ok {
			return false
		}
		stubs = append(stubs, s)
	}
	st.Elts = stubs
	f.Unresolved = nil
	failed := false
	astutil.Resolve(f, func(token.Pos, string, ...any) { failed = true })
	st.Elts = real
	if failed {
		return false
	}
	fix := func(n ast.Node) bool {
		if x, ok := n.(*ast.Ident); ok {
			if r, ok := standsFor[x.Node]; ok {
				x.Node = r
			}
			if r, ok := standsFor[x.Scope]; ok {
				x.Scope = r
			}
		}
		return true
	}
	for _, e := range elems {
		for _, x := range e.unresolved {
			fix(x)
		}
		for _, x := range e.resolved {
			fix(x)
		}
	}
	for _, d := range real {
		if fd, ok := d.(*ast.Field); ok {
			ast.Walk(fd.Label, fix, nil)
		}
	}
	ast.Walk(f, func(n ast.Node) bool { return n != st && fix(n) }, nil)
	return true
}

// declaresNothing reports whether an element of the struct is a field Resolve neither
// declares a name for nor walks the label of (a plain string label, no alias): without
// escaping identifiers, its stand-in would change nothing, and is left out.
func declaresNothing(d ast.Decl) bool {
	f, ok := d.(*ast.Field)
	if !ok || f.Alias != nil {
		return false
	}
	if _, ok := f.Value.(*ast.Alias); ok {
		return false
	}
	l, ok := f.Label.(*ast.BasicLit)
	return ok && l.Kind == token.STRING
}

// standIn is the stand-in of an element of the struct for Resolve (see the top of the
// file), recording in standsFor what its declarations stand for.
func standIn(d ast.Decl, ids []*ast.Ident, standsFor map[ast.Node]ast.Node) (ast.Decl, bool) {
	list := &ast.ListLit{Elts: make([]ast.Expr, len(ids))}
	for i, x := range ids {
		list.Elts[i] = x
	}
	switch x := d.(type) {
	case *ast.Field:
		s := &ast.Field{Label: x.Label, Alias: x.Alias, Constraint: x.Constraint, TokenPos: x.TokenPos}
		v := x.Value
		if a, ok := v.(*ast.Alias); ok {
			sa := &ast.Alias{Ident: a.Ident, Equal: a.Equal, Expr: list}
			s.Value = sa
			standsFor[sa] = a
			v = a.Expr
		} else {
			s.Value = list
		}
		switch v.(type) {
		case nil, *ast.Alias:
			return nil, false // a value Resolve would declare differently from a list
		}
		standsFor[list] = v
		standsFor[s] = x
		return s, true
	case *ast.LetClause:
		s := &ast.LetClause{Let: x.Let, Ident: x.Ident, Equal: x.Equal, Expr: list}
		standsFor[s] = x
		return s, true
	case *ast.Alias:
		s := &ast.Alias{Ident: x.Ident, Equal: x.Equal, Expr: list}
		standsFor[s] = x
		return s, true
	case *ast.EmbedDecl, *ast.Comprehension, *ast.Ellipsis, *ast.Attribute, *ast.CommentGroup:
		return &ast.EmbedDecl{Expr: list}, true
	}
	return nil, false
}
