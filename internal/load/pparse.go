package load

// A large spec file parsed on every core.
//
// A spec of thousands of services is one file whose bulk is one top-level struct
// (services: {…}) of many similar elements. parseSpecFile cuts that struct's body into
// regions at lines where one element ends and the next begins, parses each region as a
// small CUE file of its own in parallel, and assembles one *ast.File out of the pieces:
// the same tree, positions, comments and references that parser.ParseFile gives for the
// whole text. Anything it cannot be sure of falls back to that serial parse, which also
// gives every syntax error exactly as before.
//
// The cut. The body's elements are indented alike (ind); a boundary is the start of the
// line after a line that is just ind+"}", when the lines that follow are blank lines,
// then at most one group of consecutive // comment lines, then a line that starts at ind
// with something other than a closing bracket, comma or colon. Only the text decides these
// boundaries, so a "}" line inside a multi-line string or at another depth can look like
// one; such a cut leaves some region unbalanced or unterminated, its parse fails or has
// the wrong shape, and the whole file is parsed serially.
//
// The regions. Region 0 is the file up to the first boundary, parsed as it is with a "}"
// appended to close the struct. Every other region is parsed behind a struct opening of
// its own (`"-": {`) and an embedded 0 standing where the "}" that ended the previous
// element was; the last region keeps the rest of the file (the struct's own "}" and
// whatever follows it), the others get a "}" appended. The parser reaches each region's
// first token in the same state as in the whole file: the token before it is a value that
// ends an element followed by the same bytes (so every token gets the same relative
// position and comma), the struct's comment state holds nothing pending (the boundary
// admits no comment that would attach to the previous element, and one that would attaches
// to the 0 instead, which makes the region's shape wrong; a doc comment right above the
// element becomes its doc comment in both), and the element list is at the same depth.
// Every parser decision inside a region depends on its tokens and on at most the next
// token, which is the newline comma ending the region's last element in both.
//
// The assembly. Each region's positions are moved from its own token.File to one
// token.File for the whole source (same name, size, lines and experiments as the serial
// parse's), shifted by the region's offset. Identifier resolution depends on scopes wider
// than a region; pparseresolve.go redoes what a region could not see, and a resolution
// error falls back to the serial parse too.

import (
	"bytes"
	"errors"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/scanner"
	"cuelang.org/go/cue/token"
)

// wrapperHead opens the struct around every region but the first. Its label is a string
// that is not an identifier, so that it declares nothing a region's references could find.
const wrapperHead = `"-": {`

// parallelParseMin is the size from which a spec file is parsed in parallel: below it the
// serial parse takes under a few milliseconds.
const parallelParseMin = 256 << 10

// minRegion is the least size of a region worth a goroutine and a parse of its own.
const minRegion = 32 << 10

// parseSpecFile is cue/load's ParseFile for the spec's files (load.Config.ParseFile).
func parseSpecFile(name string, src any, cfg parser.Config) (*ast.File, error) {
	if b, ok := src.([]byte); ok && len(b) >= parallelParseMin && cfg.Mode == parser.ParseComments {
		if workers := runtime.GOMAXPROCS(0); workers > 1 {
			if f := parseParallelSafely(name, b, cfg, min(2*workers, len(b)/minRegion)); f != nil {
				parallelParses.Add(1)
				return f, nil
			}
		}
	}
	return parser.ParseFile(name, src, cfg)
}

// parallelParses counts the files parsed in parallel (for tests: a large spec must be).
var parallelParses atomic.Int64

// errPanicked stands for a region whose parse panicked.
var errPanicked = errors.New("the region's parse panicked")

// parseParallelSafely is parseParallel, declining rather than panicking on text it was not
// written for (the serial parse then reports it).
func parseParallelSafely(name string, src []byte, cfg parser.Config, n int) (f *ast.File) {
	defer func() {
		if recover() != nil {
			f = nil
		}
	}()
	return parseParallel(name, src, cfg, n)
}

// bigStruct is the top-level struct whose body is cut: the span of its opening line, and
// the indentation of its elements.
type bigStruct struct {
	open, openEnd int    // the opening line "label: {" (openEnd: after the "{")
	close         int    // the start of its closing line "}"
	ind           []byte // the indentation of its elements
}

// parseParallel parses src in about n regions in parallel, or returns nil when it cannot
// be sure to give what parser.ParseFile gives.
func parseParallel(name string, src []byte, cfg parser.Config, n int) *ast.File {
	if startsWithAttribute(src) {
		return nil // file attributes (@experiment) change how the rest parses
	}
	s, ok := findBigStruct(src)
	if !ok {
		return nil
	}
	cuts := cutPoints(src, s, n)
	if len(cuts) == 0 {
		return nil
	}
	f, _ := parseRegions(name, src, cfg, s, cuts, nil)
	return f
}

// parseRegions parses src cut at cuts (boundaries of s, ascending) in parallel and assembles
// the regions, or returns nil when it cannot be sure to give what parser.ParseFile gives. A
// region i with skip[i] set (never the first or the last) is not parsed: its elements are
// left out of the tree, which is otherwise what parser.ParseFile gives for the whole text, its
// positions in the returned token.File included (knownparse.go).
func parseRegions(name string, src []byte, cfg parser.Config, s bigStruct, cuts []int, skip []bool) (*ast.File, *token.File) {
	// A region: the part of the source it covers, its text, the shift from its text's offsets
	// to the source's, its parse, and the starts of the source's lines in its part.
	type region struct {
		lo, hi int
		text   []byte
		delta  int
		last   bool
		f      *ast.File
		err    error
		lines  []int
	}
	regions := make([]region, len(cuts)+1)
	for i := range regions {
		r := &regions[i]
		r.hi, r.last = len(src), i == len(cuts)
		if i > 0 {
			r.lo = cuts[i-1]
		}
		if !r.last {
			r.hi = cuts[i]
		}
	}
	var wg sync.WaitGroup
	for i := range regions {
		wg.Add(1)
		go func(r *region) {
			defer wg.Done()
			defer func() {
				if recover() != nil {
					r.f, r.err = nil, errPanicked
				}
			}()
			if skip != nil && skip[i] {
				r.lines = lineStarts(src, r.lo, r.hi)
				return
			}
			if i == 0 {
				r.text = append(src[:r.hi:r.hi], "}\n"...)
			} else {
				// The "}" ending the previous element is the last non-blank byte before lo.
				from := bytes.LastIndexByte(src[:r.lo], '}') + 1
				t := make([]byte, 0, len(wrapperHead)+2+r.hi-from+2)
				t = append(append(append(t, wrapperHead...), "\n0"...), src[from:r.hi]...)
				if !r.last {
					t = append(t, "}\n"...)
				}
				r.text, r.delta = t, from-(len(wrapperHead)+2)
			}
			r.f, r.err = parser.ParseFile(name, r.text, cfg)
			r.lines = lineStarts(src, r.lo, r.hi)
		}(&regions[i])
	}
	wg.Wait()

	// Check every region has the shape its text was made for.
	var services *ast.StructLit
	for i := range regions {
		r := &regions[i]
		if skip != nil && skip[i] {
			if i == 0 || r.last {
				return nil, nil
			}
			continue
		}
		if r.err != nil || r.f == nil {
			return nil, nil
		}
		if i == 0 {
			if services = lastStruct(r.f, cuts[0], s); services == nil {
				return nil, nil
			}
			continue
		}
		if !wrapperShape(r.f, r.last, len(r.text)-2, len(wrapperHead)+1) {
			return nil, nil
		}
	}

	// One token.File for the whole source, as the serial parse makes it: its lines are set
	// while the regions' positions are moved to it (File.Pos does not read them).
	file := token.NewFile(name, -1, len(src))
	exp := services.Lbrace.Experiment()
	file.SetExperiments(&exp)
	linesSet := false
	wg.Add(1)
	go func() {
		defer wg.Done()
		count := 1
		for _, r := range regions {
			count += len(r.lines)
		}
		lines := append(make([]int, 0, count), 0)
		for _, r := range regions {
			lines = append(lines, r.lines...)
		}
		linesSet = file.SetLines(lines)
	}()

	// Move every region's positions to it and find the identifiers whose resolution
	// depends on more than the region (see pparseresolve.go).
	scans := make([]*regionScan, len(regions))
	for i := range regions {
		r := &regions[i]
		if skip != nil && skip[i] {
			continue
		}
		sc := &regionScan{file: file, delta: r.delta}
		scans[i] = sc
		if i == 0 {
			sc.decls = r.f.Decls[:len(r.f.Decls)-1]
			sc.fields, sc.wrapper = services.Elts, nil
		} else {
			w := r.f.Decls[0].(*ast.Field)
			sc.fields, sc.wrapper = w.Value.(*ast.StructLit).Elts[1:], w
			if r.last {
				sc.decls = r.f.Decls[1:]
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if recover() != nil {
					sc.failed = true
				}
			}()
			sc.scan(r.f)
		}()
	}
	wg.Wait()
	if !linesSet {
		return nil, nil
	}
	for _, sc := range scans {
		if sc != nil && sc.failed {
			return nil, nil
		}
	}

	// Assemble: region 0's file, its struct extended with the other regions' elements and
	// closed by the last region's brace, followed by the last region's declarations.
	f := regions[0].f
	var elems []elemIdents
	for i, sc := range scans {
		if sc == nil {
			continue // a region left out
		}
		elems = append(elems, sc.elems...)
		if i == 0 {
			continue
		}
		services.Elts = append(services.Elts, sc.fields...)
		if regions[i].last {
			services.Rbrace = sc.wrapper.Value.(*ast.StructLit).Rbrace
			f.Decls = append(f.Decls, sc.decls...)
		}
	}
	if !resolveAssembled(f, services, elems) {
		return nil, nil
	}
	return f, file
}

// lastStruct is region 0's struct being cut: its last declaration must be a field whose
// value is a struct opened at s's opening line and closed by the "}" appended at cut.
func lastStruct(f *ast.File, cut int, s bigStruct) *ast.StructLit {
	if len(f.Decls) == 0 {
		return nil
	}
	fd, ok := f.Decls[len(f.Decls)-1].(*ast.Field)
	if !ok || fd.Pos().Offset() != s.open || len(fd.Attrs) > 0 {
		return nil
	}
	st, ok := fd.Value.(*ast.StructLit)
	if !ok || st.Lbrace.Offset() != s.openEnd-1 || st.Rbrace.Offset() != cut {
		return nil
	}
	return st
}

// wrapperShape reports whether a region other than the first parsed as its text was made:
// one field (the copy of the opening line) whose struct starts with the filler 0 and holds
// at least one element of the region; closed by the appended "}" at closeAt unless it is
// the last region; with no comment attached to the wrapper or the file (the serial parse
// would attach it to the real field, which the assembly keeps from region 0).
func wrapperShape(f *ast.File, last bool, closeAt, fillerAt int) bool {
	if len(f.Decls) == 0 || len(ast.Comments(f)) > 0 || !last && len(f.Decls) != 1 {
		return false
	}
	fd, ok := f.Decls[0].(*ast.Field)
	if !ok || len(fd.Attrs) > 0 || len(ast.Comments(fd)) > 0 || fd.Alias != nil {
		return false
	}
	w, ok := fd.Value.(*ast.StructLit)
	if !ok || len(w.Elts) < 2 || len(ast.Comments(w)) > 0 {
		return false
	}
	if !last && w.Rbrace.Offset() != closeAt {
		return false
	}
	e, ok := w.Elts[0].(*ast.EmbedDecl)
	if !ok || len(ast.Comments(e)) > 0 {
		return false
	}
	lit, ok := e.Expr.(*ast.BasicLit)
	return ok && lit.Kind == token.INT && lit.Value == "0" && lit.ValuePos.Offset() == fillerAt && len(ast.Comments(lit)) == 0
}

// startsWithAttribute reports whether the file's first token is an attribute (before the
// package clause: @experiment and the like).
func startsWithAttribute(src []byte) bool {
	var s scanner.Scanner
	s.Init(token.NewFile("", -1, len(src)), src, nil, 0)
	_, tok, _ := s.Scan()
	return tok == token.ATTRIBUTE
}

// findBigStruct finds the largest top-level struct written as a line "label: {" and a
// line "}" at the start of a line, with its elements indented on the lines between.
func findBigStruct(src []byte) (bigStruct, bool) {
	var best bigStruct
	open, openEnd := -1, 0
	for i := 0; i < len(src); {
		end := bytes.IndexByte(src[i:], '\n')
		if end < 0 {
			end = len(src)
		} else {
			end += i
		}
		line := src[i:end]
		if e := openerEnd(line); e > 0 {
			open, openEnd = i, i+e
		} else if open >= 0 && isCloser(line, nil) {
			if i-open > best.close-best.open {
				best = bigStruct{open: open, openEnd: openEnd, close: i}
			}
			open = -1
		}
		i = end + 1
	}
	if best.close == 0 {
		return best, false
	}
	// The elements' indentation: that of the first line inside with something on it.
	for i := bytes.IndexByte(src[best.openEnd:], '\n') + best.openEnd + 1; i < best.close; {
		end := bytes.IndexByte(src[i:], '\n') + i
		line := src[i:end]
		if t := bytes.TrimLeft(line, " \t"); len(t) > 0 && t[0] != '\r' {
			best.ind = line[:len(line)-len(t)]
			break
		}
		i = end + 1
	}
	return best, len(best.ind) > 0
}

// openerEnd is, for a line "label: {" starting at column 1 (the label an identifier or a
// plain double-quoted string), the offset just after its "{"; 0 otherwise.
func openerEnd(line []byte) int {
	i := 0
	switch {
	case len(line) > 0 && line[0] == '"':
		j := bytes.IndexByte(line[1:], '"')
		if j < 0 || bytes.IndexByte(line[1:j+1], '\\') >= 0 {
			return 0
		}
		i = j + 2
	default:
		for i < len(line) && isIdentByte(line[i]) {
			i++
		}
		if i == 0 || line[0] >= '0' && line[0] <= '9' {
			return 0
		}
		switch string(line[:i]) {
		case "package", "import", "let", "for", "if", "in", "true", "false", "null", "func", "try", "else", "fallback", "otherwise":
			return 0
		}
	}
	if i >= len(line) || line[i] != ':' {
		return 0
	}
	i++
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	if i >= len(line) || line[i] != '{' {
		return 0
	}
	i++
	if len(bytes.Trim(line[i:], " \t\r")) > 0 {
		return 0
	}
	return i
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c == '#' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isCloser reports whether line is ind followed by "}" and nothing but trailing space.
func isCloser(line, ind []byte) bool {
	if !bytes.HasPrefix(line, ind) {
		return false
	}
	rest := line[len(ind):]
	return len(rest) > 0 && rest[0] == '}' && len(bytes.Trim(rest[1:], " \t\r")) == 0
}

// cutPoints chooses up to n-1 boundaries (line starts) in s's body, about evenly apart.
func cutPoints(src []byte, s bigStruct, n int) []int {
	var cuts []int
	body := s.close - s.openEnd
	prev := s.openEnd
	for k := 1; k < n; k++ {
		at := s.openEnd + body*k/n
		if at <= prev {
			at = prev + 1
		}
		c := nextBoundary(src, at, s)
		if c < 0 {
			break
		}
		if c > prev {
			cuts = append(cuts, c)
			prev = c
		}
	}
	return cuts
}

// nextBoundary is the first boundary at or after from and before s.close, or -1.
func nextBoundary(src []byte, from int, s bigStruct) int {
	// Start at the line beginning at or after from.
	i := from
	if i > 0 && src[i-1] != '\n' {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
	}
	prevCloser := false
	for i < s.close {
		end := bytes.IndexByte(src[i:], '\n') + i
		line := src[i:end]
		if prevCloser && elementFollows(src, i, s) {
			return i
		}
		prevCloser = isCloser(line, s.ind)
		i = end + 1
	}
	return -1
}

// elementFollows reports whether the lines from i (before s.close) are blank lines, then at
// most one group of consecutive comment lines, then a line starting an element at s.ind.
func elementFollows(src []byte, i int, s bigStruct) bool {
	comments := false
	for i < s.close {
		end := bytes.IndexByte(src[i:], '\n') + i
		line := src[i:end]
		t := bytes.TrimLeft(line, " \t")
		switch {
		case len(bytes.TrimRight(t, "\r")) == 0:
			if comments {
				return false // a blank line after comments: they are not the element's doc
			}
		case bytes.HasPrefix(t, []byte("//")):
			comments = true
		default:
			if !bytes.HasPrefix(line, s.ind) || len(line) == len(s.ind) {
				return false
			}
			switch line[len(s.ind)] {
			case ' ', '\t', '}', ']', ')', ',', ':', '/':
				return false
			}
			return true
		}
		i = end + 1
	}
	return false
}

// rebase moves the positions of n and everything under it from its region's token.File
// to file, shifted by delta, calling ident (if set) on every identifier. before and after
// (if set) are called around each node as ast.Walk does; a node before refuses is neither
// moved nor walked.
func rebase(n ast.Node, file *token.File, delta int, ident func(*ast.Ident), before func(ast.Node) bool, after func(ast.Node)) {
	mv := func(p *token.Pos) { movePos(p, file, delta) }
	ast.Walk(n, func(n ast.Node) bool {
		if before != nil && !before(n) {
			return false
		}
		switch x := n.(type) {
		case *ast.Ident:
			mv(&x.NamePos)
			if ident != nil {
				ident(x)
			}
		case *ast.BasicLit:
			mv(&x.ValuePos)
		case *ast.Field:
			mv(&x.TokenPos)
		case *ast.StructLit:
			mv(&x.Lbrace)
			mv(&x.Rbrace)
		case *ast.ListLit:
			mv(&x.Lbrack)
			mv(&x.Rbrack)
		case *ast.Comment:
			mv(&x.Slash)
		case *ast.CommentGroup, *ast.EmbedDecl, *ast.Interpolation, *ast.Comprehension, *ast.File:
		case *ast.Attribute:
			mv(&x.At)
		case *ast.Alias:
			mv(&x.Equal)
		case *ast.PostfixAlias:
			mv(&x.Tilde)
			mv(&x.Lparen)
			mv(&x.Comma)
			mv(&x.Rparen)
		case *ast.BadExpr:
			mv(&x.From)
			mv(&x.To)
		case *ast.BottomLit:
			mv(&x.Bottom)
		case *ast.Func:
			mv(&x.Func)
		case *ast.Ellipsis:
			mv(&x.Ellipsis)
		case *ast.ForClause:
			mv(&x.For)
			mv(&x.Colon)
			mv(&x.In)
		case *ast.IfClause:
			mv(&x.If)
		case *ast.LetClause:
			mv(&x.Let)
			mv(&x.Equal)
		case *ast.FallbackClause:
			mv(&x.Fallback)
		case *ast.TryClause:
			mv(&x.Try)
			mv(&x.Equal)
		case *ast.ParenExpr:
			mv(&x.Lparen)
			mv(&x.Rparen)
		case *ast.SelectorExpr:
			mv(&x.Period)
		case *ast.IndexExpr:
			mv(&x.Lbrack)
			mv(&x.Rbrack)
		case *ast.SliceExpr:
			mv(&x.Lbrack)
			mv(&x.Rbrack)
		case *ast.CallExpr:
			mv(&x.Lparen)
			mv(&x.Rparen)
		case *ast.UnaryExpr:
			mv(&x.OpPos)
		case *ast.BinaryExpr:
			mv(&x.OpPos)
		case *ast.PostfixExpr:
			mv(&x.OpPos)
		case *ast.ImportSpec:
			mv(&x.EndPos)
		case *ast.BadDecl:
			mv(&x.From)
			mv(&x.To)
		case *ast.ImportDecl:
			mv(&x.Import)
			mv(&x.Lparen)
			mv(&x.Rparen)
		case *ast.Package:
			mv(&x.PackagePos)
		default:
			rebaseReflect(n, mv)
		}
		return true
	}, after)
}

// movePos moves one position to file, shifted by delta; a position without a file (none, or
// only a relative one) and one already moved stay as they are.
func movePos(p *token.Pos, file *token.File, delta int) {
	if f := p.File(); f != nil && f != file {
		*p = file.Pos(p.Offset()+delta, p.RelPos()).WithComma(p.HasComma()).WithScanned(p.Scanned())
	}
}

// posType is the type of a position field.
var posType = reflect.TypeFor[token.Pos]()

// rebaseReflect moves the positions of a node type rebase does not know (one a later CUE
// adds): every field of type token.Pos.
func rebaseReflect(n ast.Node, mv func(*token.Pos)) {
	v := reflect.ValueOf(n)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return
	}
	v = v.Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Type() == posType && f.CanAddr() && f.CanSet() {
			mv(f.Addr().Interface().(*token.Pos))
		}
	}
}

// lineStarts are the offsets in [lo, hi) of src that start a line (after a newline), but
// not the end of src: the lines token.File.SetLinesForContent finds there.
func lineStarts(src []byte, lo, hi int) []int {
	out := make([]int, 0, bytes.Count(src[lo:hi], []byte{'\n'}))
	for i := lo; i < hi; {
		j := bytes.IndexByte(src[i:hi], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		if i < len(src) {
			out = append(out, i)
		}
	}
	return out
}
