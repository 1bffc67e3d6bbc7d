// The positions of plain-data services, read when a finding asks for them.
//
// A build of a valid spec asks for no position at all: positions are only for findings. So
// on the per-service path from plain data (loadPlain), a worker does not read a service's
// positions (positioner.fromService: a path and a diag.Pos per field; with their gathering
// into one map, 0.14 s of CPU at 1000 services). It checks that fromService would
// take the service and find nothing in it (quickService, a walk that records nothing), and
// keeps where the service is written: its file's bytes, shared, and the span of its field.
// The first finding that asks for a path in the service has that span parsed again, alone,
// at the same lines and columns, and fromService reads it then (serviceSpan.read). A service
// quickService is not sure of — written in several places, with a field written twice, a
// label that a path cannot tell apart, or a NUL character (a finding) — is read by the worker
// at once, as before, and the spec is declined if fromService declines it.
//
// The syntax of the services is still let go as each is validated (see plain.go): what is
// kept is the text of the files, a sixteenth of their syntax.

package load

import (
	"bytes"
	"slices"
	"strings"
	"sync/atomic"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/ecsgen/ecsgen/internal/diag"
)

// servicePositionsRead counts the services whose positions were read with fromService, by a
// worker or for a finding (TestPositionsReadOnDemand checks that a valid spec reads none).
var servicePositionsRead atomic.Int64

// quickService reports whether fromService takes a service's declarations and finds nothing
// in them, without recording anything: the service is written in one place, as plain data,
// no struct names a field twice, no label holds "." or "[" or is empty (so that no two of its
// fields have one path), and no string holds a NUL character. False does not mean that
// fromService declines it: only that fromService must decide. labels is scratch space.
func quickService(decls []ast.Decl, labels *[]string) bool {
	if len(decls) != 1 {
		return false
	}
	f, ok := decls[0].(*ast.Field)
	if !ok || f.Constraint != token.ILLEGAL || len(f.Attrs) > 0 || !f.Pos().IsValid() || !f.End().IsValid() {
		return false
	}
	if _, ok := plainLabel(f.Label); !ok {
		return false
	}
	return quickValue(f.Value, labels)
}

func quickValue(e ast.Expr, labels *[]string) bool {
	switch e := e.(type) {
	case *ast.StructLit:
		return quickDecls(e.Elts, labels)
	case *ast.ListLit:
		for _, el := range e.Elts {
			if !el.Pos().IsValid() || !quickValue(el, labels) {
				return false
			}
		}
		return true
	case *ast.BasicLit:
		switch e.Kind {
		case token.INT, token.FLOAT, token.TRUE, token.FALSE, token.NULL:
			return true
		case token.STRING:
			if strings.HasPrefix(strings.TrimLeft(e.Value, "#"), "'") {
				return false
			}
			str, err := literal.Unquote(e.Value)
			return err == nil && !strings.ContainsRune(str, 0)
		}
		return false
	case *ast.UnaryExpr:
		lit, ok := e.X.(*ast.BasicLit)
		return ok && (e.Op == token.SUB || e.Op == token.ADD) && (lit.Kind == token.INT || lit.Kind == token.FLOAT)
	}
	return false
}

// quickDecls checks the fields of one struct: the labels of its fields are appended to labels
// while they are checked, and taken off again, so that one slice serves every level.
func quickDecls(decls []ast.Decl, labels *[]string) bool {
	from := len(*labels)
	defer func() { *labels = (*labels)[:from] }()
	for _, d := range decls {
		switch d := d.(type) {
		case *ast.Field:
			if d.Constraint != token.ILLEGAL || len(d.Attrs) > 0 || !d.Pos().IsValid() {
				return false
			}
			label, ok := plainLabel(d.Label)
			if !ok || label == "" || strings.ContainsAny(label, ".[") {
				return false
			}
			if !quickValue(d.Value, labels) {
				return false
			}
			*labels = append(*labels, label)
		case *ast.CommentGroup:
		default:
			return false
		}
	}
	mine := (*labels)[from:]
	slices.Sort(mine)
	for i := 1; i < len(mine); i++ {
		if mine[i] == mine[i-1] {
			return false
		}
	}
	return true
}

// sourceFile is the text of one of the user's files, as CUE read it.
type sourceFile struct {
	name    string // as CUE names it in positions
	display string // as findings name it (displayName), taken when the spec is loaded
	src     []byte
}

// sources are the texts of an instance's files by name; nil when there are none to read
// positions from later (the positions are then read at once).
type sources map[string]*sourceFile

// sourcesFrom are the texts of the instance's files.
func sourcesFrom(inst *build.Instance) sources {
	out := sources{}
	for _, bf := range inst.BuildFiles {
		if src, ok := bf.Source.([]byte); ok {
			out[bf.Filename] = &sourceFile{name: bf.Filename, display: displayName(bf.Filename), src: src}
		}
	}
	return out
}

// serviceSpan is where a service is written: its field, in one file.
type serviceSpan struct {
	name       string // the service's
	file       *sourceFile
	start, end int // byte offsets of the field
	line, col  int // of start
}

// spanOf is the span of a service's one field (quickService), if its file's text is known
// and holds it.
func (s sources) spanOf(name string, decl ast.Decl) (*serviceSpan, bool) {
	start, end := decl.Pos(), decl.End()
	file := s[start.Filename()]
	if file == nil || end.Filename() != start.Filename() {
		return nil, false
	}
	span := &serviceSpan{name: name, file: file, start: start.Offset(), end: end.Offset(), line: start.Line(), col: start.Column()}
	if span.start < 0 || span.end > len(file.src) || span.start >= span.end || span.line < 1 || span.col < 1 {
		return nil, false
	}
	return span, true
}

// own is the position of the service itself, services.<name>, as fromService records it: that
// of its one field.
func (s *serviceSpan) own() diag.Pos {
	return diag.Pos{File: s.file.display, Line: s.line, Col: s.col}
}

// read reads the positions of the service: its field is parsed again on its own, preceded by
// as many line breaks and spaces as precede it in its file, so that every position in it is
// where it is in the file, and fromService reads them. quickService took the service when it
// was loaded, so fromService takes it now. Should the text not be the service's one field
// (it always is), the whole file is parsed again and the service's field taken from it; should
// that fail too (it cannot: CUE parsed the same text), the service's own position stands for
// every path in it.
func (s *serviceSpan) read() diag.Positions {
	servicePositionsRead.Add(1)
	text := make([]byte, 0, s.line-1+s.col-1+s.end-s.start)
	text = append(text, bytes.Repeat([]byte{'\n'}, s.line-1)...)
	text = append(text, bytes.Repeat([]byte{' '}, s.col-1)...)
	text = append(text, s.file.src[s.start:s.end]...)
	if f, err := parser.ParseFile(s.file.name, text); err == nil && len(f.Decls) == 1 && f.Decls[0].End().Offset() == len(text) {
		if field, ok := f.Decls[0].(*ast.Field); ok {
			if name, ok := plainLabel(field.Label); ok && name == s.name {
				if out, ok := s.fromService(f.Decls); ok {
					return out
				}
			}
		}
	}
	f, err := parser.ParseFile(s.file.name, s.file.src)
	if err == nil {
		services, _ := servicesFromSyntax([]*ast.File{f})
		for _, svc := range services {
			if svc.name == s.name {
				if out, ok := s.fromService(svc.decls); ok {
					return out
				}
			}
		}
	}
	return diag.Positions{join(servicesLabel, s.name): s.own()}
}

func (s *serviceSpan) fromService(decls []ast.Decl) (diag.Positions, bool) {
	p := positioner{out: diag.Positions{}, names: map[string]string{s.file.name: s.file.display}}
	var findings diag.List
	return p.out, p.fromService(decls, &findings) && len(findings) == 0
}
