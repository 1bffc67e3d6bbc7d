package deployed

import (
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/token"
)

// object is a CUE struct written field by field, in the order a reader expects, with comments
// where ecsgen has something to say (what could not be imported).
type object struct {
	fields []any
}

// set adds a field; a nil value (nothing to say) adds nothing.
func (o *object) set(label string, v ast.Expr, doc ...string) {
	if v == nil {
		return
	}
	f := &ast.Field{Label: ast.NewStringLabel(label), Value: v}
	if len(doc) > 0 {
		ast.AddComment(f, comment(doc...))
	}
	o.fields = append(o.fields, f)
}

// note adds a comment of its own inside the struct.
func (o *object) note(lines ...string) {
	o.fields = append(o.fields, comment(lines...))
}

func (o *object) empty() bool { return len(o.fields) == 0 }

// expr is the struct, or nil when it has nothing in it.
func (o *object) expr() ast.Expr {
	if o.empty() {
		return nil
	}
	return ast.NewStruct(o.fields...)
}

func comment(lines ...string) *ast.CommentGroup {
	cg := &ast.CommentGroup{Doc: true}
	for _, l := range lines {
		for _, part := range strings.Split(l, "\n") {
			cg.List = append(cg.List, &ast.Comment{Text: "// " + part})
		}
	}
	return cg
}

func str(s string) ast.Expr {
	if s == "" {
		return nil
	}
	return ast.NewString(s)
}

func integer(n int64) ast.Expr { return ast.NewLit(token.INT, strconv.FormatInt(n, 10)) }

func intPtr[T ~int32 | ~int64](p *T) ast.Expr {
	if p == nil {
		return nil
	}
	return integer(int64(*p))
}

func number(f float64) ast.Expr {
	return ast.NewLit(token.FLOAT, strconv.FormatFloat(f, 'f', -1, 64))
}

func boolean(b bool) ast.Expr { return ast.NewBool(b) }

func strings_(list []string) ast.Expr {
	if len(list) == 0 {
		return nil
	}
	var xs []ast.Expr
	for _, s := range list {
		xs = append(xs, ast.NewString(s))
	}
	return ast.NewList(xs...)
}

// file formats a spec file: its leading comment, then its fields.
func file(doc []string, o *object) ([]byte, error) {
	f := &ast.File{}
	if len(doc) > 0 {
		f.Decls = append(f.Decls, comment(doc...))
	}
	for _, x := range o.fields {
		if d, ok := x.(ast.Decl); ok {
			f.Decls = append(f.Decls, d)
		}
	}
	return format.Node(f, format.Simplify())
}
