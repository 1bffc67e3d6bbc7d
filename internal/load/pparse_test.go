package load

import (
	"bytes"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/ecsgen/ecsgen/internal/benchspec"
)

// The parallel parse gives exactly the serial parse's file, or declines: the same formatted
// bytes, and the same tree node for node (every position with its file, line, column,
// relative position and comma; every comment with its placement; every identifier's
// resolution; the unresolved identifiers), and never a file where the serial parse fails.

func specConfig() parser.Config { return parser.NewConfig(parser.ParseComments) }

// checkParallel parses src serially and in n regions, and fails the test if the parallel
// parse gives anything but the serial result. It reports whether the parallel path was taken.
func checkParallel(t *testing.T, name string, src []byte, n int) bool {
	t.Helper()
	want, werr := parser.ParseFile(name, src, specConfig())
	got := parseParallel(name, src, specConfig(), n)
	if got == nil {
		return false
	}
	if werr != nil {
		t.Fatalf("%s (n=%d): the serial parse fails (%v) but the parallel one gave a file", name, n, werr)
	}
	wb, err := format.Node(want)
	if err != nil {
		t.Fatalf("%s: format serial: %v", name, err)
	}
	gb, err := format.Node(got)
	if err != nil {
		t.Fatalf("%s (n=%d): format parallel: %v", name, n, err)
	}
	if !bytes.Equal(wb, gb) {
		t.Fatalf("%s (n=%d): formatted output differs:\n%s", name, n, firstDiff(wb, gb))
	}
	c := &astComparer{pairs: map[any]any{}, rev: map[any]any{}}
	c.node(reflect.ValueOf(want), reflect.ValueOf(got), "File")
	if c.err != nil {
		t.Fatalf("%s (n=%d): %v", name, n, c.err)
	}
	if c.positions == 0 {
		t.Fatalf("%s: no position compared", name)
	}
	// The one token.File of each: same name, size, lines and experiments.
	if c.fileA.Name() != c.fileB.Name() || c.fileA.Size() != c.fileB.Size() || !slicesEqual(c.fileA.Lines(), c.fileB.Lines()) {
		t.Fatalf("%s (n=%d): token.File differs: %s/%d/%d lines vs %s/%d/%d lines", name, n,
			c.fileA.Name(), c.fileA.Size(), len(c.fileA.Lines()), c.fileB.Name(), c.fileB.Size(), len(c.fileB.Lines()))
	}
	if !reflect.DeepEqual(c.expA, c.expB) {
		t.Fatalf("%s (n=%d): experiments differ", name, n)
	}
	return true
}

func slicesEqual(a, b []int) bool { return reflect.DeepEqual(a, b) }

func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return fmt.Sprintf("line %d:\nserial:   %q\nparallel: %q", i+1, la[i], lb[i])
		}
	}
	return fmt.Sprintf("lengths %d vs %d lines", len(la), len(lb))
}

// astComparer walks two trees in lockstep. Pointers are matched one to one (a node of one
// tree corresponds to exactly one node of the other), so references (Ident.Node, Ident.Scope,
// File.Unresolved) must point at corresponding nodes.
type astComparer struct {
	pairs, rev   map[any]any
	fileA, fileB *token.File
	expA, expB   any
	positions    int
	err          error
}

var (
	posT     = reflect.TypeFor[token.Pos]()
	nodeT    = reflect.TypeFor[ast.Node]()
	commentT = reflect.TypeFor[*ast.CommentGroup]()
)

func (c *astComparer) fail(path, format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...))
	}
}

func (c *astComparer) pos(a, b token.Pos, path string) {
	c.positions++
	if a.HasAbsPos() != b.HasAbsPos() || a.RelPos() != b.RelPos() || a.HasComma() != b.HasComma() || a.Scanned() != b.Scanned() {
		c.fail(path, "position %v/%v/%v/%v vs %v/%v/%v/%v", a, a.RelPos(), a.HasComma(), a.Scanned(), b, b.RelPos(), b.HasComma(), b.Scanned())
		return
	}
	if !a.HasAbsPos() {
		return
	}
	if a.Position() != b.Position() {
		c.fail(path, "position %+v vs %+v", a.Position(), b.Position())
	}
	if c.fileA == nil {
		c.fileA, c.fileB = a.File(), b.File()
		c.expA, c.expB = a.Experiment(), b.Experiment()
	}
	if a.File() != c.fileA || b.File() != c.fileB {
		c.fail(path, "position in another token.File")
	}
}

func (c *astComparer) node(a, b reflect.Value, path string) {
	if c.err != nil {
		return
	}
	if a.Type() != b.Type() {
		c.fail(path, "type %v vs %v", a.Type(), b.Type())
		return
	}
	switch a.Kind() {
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				c.fail(path, "nil vs non-nil")
			}
			return
		}
		c.node(a.Elem(), b.Elem(), path)
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				c.fail(path, "nil vs non-nil")
			}
			return
		}
		ka, kb := a.Interface(), b.Interface()
		if m, ok := c.pairs[ka]; ok {
			if m != kb {
				c.fail(path, "points at a node that does not correspond")
			}
			return
		}
		if _, ok := c.rev[kb]; ok {
			c.fail(path, "two nodes map to one")
			return
		}
		c.pairs[ka], c.rev[kb] = kb, ka
		c.node(a.Elem(), b.Elem(), path)
		if n, ok := ka.(ast.Node); ok {
			ca, cb := ast.Comments(n), ast.Comments(b.Interface().(ast.Node))
			c.node(reflect.ValueOf(ca), reflect.ValueOf(cb), path+".comments")
		}
	case reflect.Slice:
		if a.Len() != b.Len() {
			c.fail(path, "length %d vs %d", a.Len(), b.Len())
			return
		}
		for i := range a.Len() {
			c.node(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Struct:
		if a.Type() == posT {
			c.pos(a.Interface().(token.Pos), b.Interface().(token.Pos), path)
			return
		}
		for i := range a.NumField() {
			f := a.Type().Field(i)
			if !f.IsExported() {
				continue // comments are compared through ast.Comments; the rest are markers
			}
			c.node(a.Field(i), b.Field(i), path+"."+f.Name)
		}
	default:
		if !reflect.DeepEqual(a.Interface(), b.Interface()) {
			c.fail(path, "%v vs %v", a.Interface(), b.Interface())
		}
	}
}

func TestParallelParseBenchSpec(t *testing.T) {
	for _, services := range []int{3, 40, 250} {
		src := []byte(benchspec.Spec(services))
		for _, n := range []int{2, 3, 4, 7, 16} {
			if !checkParallel(t, "spec.cue", src, n) {
				t.Fatalf("%d services, %d regions: the parallel parse declined", services, n)
			}
		}
	}
}

// The threshold and load path: a spec above it is parsed in parallel through cue/load.
func TestParseSpecFileLarge(t *testing.T) {
	src := []byte(benchspec.Spec(300))
	if len(src) < parallelParseMin {
		t.Fatalf("the 300-service spec (%d bytes) is under the threshold", len(src))
	}
	f, err := parseSpecFile("spec.cue", src, specConfig())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := parser.ParseFile("spec.cue", src, specConfig())
	a, _ := format.Node(want)
	b, _ := format.Node(f)
	if !bytes.Equal(a, b) {
		t.Fatal("parseSpecFile differs from the serial parse")
	}
}

// Every CUE file of the repository (examples, golden and findings specs, good and bad).
func TestParallelParseRepositorySpecs(t *testing.T) {
	root := filepath.Join("..", "..")
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(p, ".cue") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 20 {
		t.Fatalf("only %d CUE files found", len(files))
	}
	taken := 0
	for _, p := range files {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{2, 3, 5, 9} {
			if checkParallel(t, p, src, n) {
				taken++
			}
		}
	}
	if taken == 0 {
		t.Fatal("the parallel parse never applied to a repository spec")
	}
	t.Logf("%d files, parallel parse taken %d times", len(files), taken)
}

// Variants of a small spec that stress the cut: comments around the elements, references
// across them, other layouts, and broken text.
func TestParallelParseVariants(t *testing.T) {
	base := string(benchspec.Spec(12))
	taken := 0
	for i, v := range variants(base) {
		for _, n := range []int{2, 3, 5, 13} {
			if checkParallel(t, fmt.Sprintf("variant%d.cue", i), []byte(v), n) {
				taken++
			}
		}
	}
	if taken < 20 {
		t.Fatalf("the parallel parse applied only %d times to the variants", taken)
	}
}

// variants are hand-made edits of spec, then random ones.
func variants(spec string) []string {
	svc := "\t\"svc-0003\": {"
	edits := []func(string) string{
		func(s string) string { return s },
		// Doc comments above services, a line comment after one, a detached comment.
		func(s string) string {
			return strings.ReplaceAll(s, "\n\t\"svc-", "\n\t// the next service\n\t// second line\n\t\"svc-")
		},
		func(s string) string { return strings.ReplaceAll(s, "\n\t\"svc-", "\n\n\t// detached\n\n\t\"svc-") },
		func(s string) string { return strings.ReplaceAll(s, "\n\t}\n\t\"svc-", "\n\t} // end\n\t\"svc-") },
		func(s string) string { return strings.ReplaceAll(s, "\n\t}\n\t\"svc-", "\n\t},\n\t\"svc-") },
		func(s string) string { return strings.ReplaceAll(s, "\n\t}\n\t\"svc-", "\n\t}\n\n\n\t\"svc-") },
		func(s string) string {
			return strings.Replace(s, svc, "\t// a comment\n\n\t// and a doc comment\n"+svc, 1)
		},
		// Comments inside services, at the end of the struct and the file.
		func(s string) string {
			return strings.ReplaceAll(s, "\t\tdesiredCount:", "\t\t// how many\n\t\tdesiredCount:")
		},
		func(s string) string { return strings.Replace(s, "\n}\n\nwaivers", "\n\t// the last\n}\n\nwaivers", 1) },
		func(s string) string { return strings.Replace(s, "\n}\n\nwaivers", "\n} // services\n\nwaivers", 1) },
		func(s string) string { return s + "// trailing\n" },
		func(s string) string { return "// top\n\n" + s },
		func(s string) string { return "// top doc\npackage spec\n\nimport \"strings\"\n\n" + s },
		// References between services and to the top level, lets, identifiers as labels.
		func(s string) string {
			s = strings.Replace(s, "\"svc-0001\": {", "svc1: {", 1)
			s = strings.Replace(s, "\"svc-0009\": {", "\"svc-0009\": {\n\t\tdesiredCount: svc1.desiredCount\n\t\tx: _defaults.region", 1)
			return s + "\n_defaults: region: region\n"
		},
		func(s string) string {
			return strings.Replace(s, "services: {\n", "services: {\n\tlet common = {cpu: 256}\n", 1) +
				strings.Repeat("", 0)
		},
		func(s string) string {
			s = strings.Replace(s, "services: {\n", "services: {\n\tlet common = 2\n", 1)
			return strings.ReplaceAll(s, "\t\tdesiredCount: 1\n", "\t\tdesiredCount: common\n")
		},
		func(s string) string {
			return strings.Replace(s, "services: {\n", "services: {\n\t[string]: desiredCount: *1 | int\n", 1)
		},
		func(s string) string {
			return strings.Replace(s, svc, "\tfor k, v in {a: 1} {\n\t\t\"gen-\\(k)\": desiredCount: v\n\t}\n"+svc, 1)
		},
		func(s string) string { return strings.Replace(s, "\n}\n\nwaivers", "\n\t...\n}\n\nwaivers", 1) },
		func(s string) string { return strings.Replace(s, "\n}\n\nwaivers", "\n} @attr(x)\n\nwaivers", 1) },
		// References that resolve differently in a region alone: to the struct being cut
		// (its field is copied into every region), and to a label declared in several regions.
		func(s string) string {
			return strings.ReplaceAll(s, "\t\tdesiredCount: 2\n", "\t\tdesiredCount: services[\"svc-0000\"].desiredCount\n")
		},
		func(s string) string {
			s = strings.Replace(s, "\"svc-0001\": {", "dup: desiredCount: 1\n\t\"svc-0001\": {", 1)
			s = strings.Replace(s, "\"svc-0006\": {", "dup: cpu: 256\n\t\"svc-0006\": {", 1)
			s = strings.Replace(s, "\"svc-0011\": {", "dup: memory: 512\n\t\"svc-0011\": {", 1)
			return strings.ReplaceAll(s, "\t\tdesiredCount: 2\n", "\t\tdesiredCount: dup.desiredCount\n")
		},
		// References of every kind from the services: builtins (unresolved), imports, label
		// and value aliases, lets, pattern constraints, comprehensions, top-level fields
		// declared after the struct, and identifiers as labels of services.
		func(s string) string {
			return strings.ReplaceAll(s, "\t\tdesiredCount: 1\n", "\t\tdesiredCount: *1 | int & >0\n\t\tname: strings.ToUpper(\"x\")\n")
		},
		func(s string) string {
			s = "import \"strings\"\n\n" + s
			return strings.ReplaceAll(s, "\t\tdesiredCount: 2\n", "\t\tdesiredCount: len(strings.Split(\"a,b\", \",\"))\n")
		},
		func(s string) string {
			s = strings.Replace(s, "\t\"svc-0002\": {", "\tS2=\"svc-0002\": {", 1)
			s = strings.Replace(s, "\t\"svc-0004\": {", "\t\"svc-0004\": V4={\n\t\tself: V4.cpu", 1)
			s = strings.ReplaceAll(s, "\t\tmemory: 1024\n", "\t\tmemory: S2.cpu*4\n")
			return strings.ReplaceAll(s, "\t\tcpu:    512\n", "\t\tcpu: V4.memory/4\n")
		},
		func(s string) string {
			s = strings.Replace(s, "\t\"svc-0010\": {", "\tlet late = 3\n\t\"svc-0010\": {", 1)
			return strings.ReplaceAll(s, "\t\tdesiredCount: 2\n", "\t\tdesiredCount: late\n")
		},
		func(s string) string {
			s = strings.Replace(s, "\t\"svc-0006\": {", "\t[Name=string]: name: Name\n\t\"svc-0006\": {", 1)
			return strings.Replace(s, "\t\"svc-0008\": {", "\t[=~\"^svc\"]: desiredCount: int\n\t\"svc-0008\": {", 1)
		},
		func(s string) string {
			return strings.Replace(s, "\t\"svc-0005\": {", "\tfor k, v in _extra {\n\t\t\"\\(k)\": desiredCount: v + count\n\t}\n\t\"svc-0005\": {", 1) +
				"\n_extra: {a: 1}\ncount: 1\n"
		},
		func(s string) string {
			for i := 0; i < 12; i++ {
				s = strings.Replace(s, fmt.Sprintf("\t\"svc-%04d\": {", i), fmt.Sprintf("\tsvc%d: {", i), 1)
			}
			s = strings.ReplaceAll(s, "\t\tdesiredCount: 2\n", "\t\tdesiredCount: svc0.desiredCount + svc11.desiredCount\n")
			return strings.ReplaceAll(s, "\t\tdesiredCount: 1\n", "\t\tdesiredCount: region\n")
		},
		func(s string) string {
			return strings.ReplaceAll(s, "\t\tdesiredCount: 1\n", "\t\tdesiredCount: waivers[0].rule\n\t\tenv: services.env\n")
		},
		func(s string) string {
			s = strings.Replace(s, "\t\"svc-0002\": {", "\tkey: \"dyn\"\n\t\"svc-0002\": {", 1)
			s = strings.Replace(s, "\t\"svc-0007\": {", "\t(key): desiredCount: 1\n\t\"\\(key)-x\": desiredCount: 1\n\t\"svc-0007\": {", 1)
			return s
		},
		func(s string) string {
			s = strings.Replace(s, "\t\"svc-0002\": {", "\tkey: \"dyn\"\n\t\"svc-0002\": {", 1)
			return strings.Replace(s, "\t\"svc-0011\": {", "\t[K=key]: desiredCount: 1\n\t\"svc-0011\": {", 1)
		},
		// A service defined twice (unified), and a duplicate let (an error).
		func(s string) string {
			return strings.Replace(s, "\n}\n\nwaivers", "\n\t\"svc-0001\": desiredCount: 1\n}\n\nwaivers", 1)
		},
		func(s string) string {
			s = strings.Replace(s, "services: {\n", "services: {\n\tlet a = 1\n", 1)
			return strings.Replace(s, "\n}\n\nwaivers", "\n\tlet a = 2\n}\n\nwaivers", 1)
		},
		// Strings that look like the cut: a multi-line string with "\t}" lines.
		func(s string) string {
			return strings.Replace(s, "\t\tdesiredCount: 2\n", "\t\tnote: \"\"\"\n\t}\n\t\"svc-x\": {\n\t\"\"\"\n\t\tdesiredCount: 2\n", 1)
		},
		func(s string) string {
			return strings.ReplaceAll(s, "\t\tdesiredCount: 2\n", "\t\tnote: \"\"\"\n\t}\n\t\"svc-x\": {\n\t\"\"\"\n\t\tdesiredCount: 2\n")
		},
		// Services written one per line, and an unusual layout.
		func(s string) string {
			return strings.Replace(s, "services: {\n", "services: \"one\": desiredCount: 1\nservices: {\n", 1)
		},
		func(s string) string { return strings.ReplaceAll(s, "\n\t", "\n  ") },
		func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") },
		func(s string) string { return "@experiment(aliasv2)\n" + s },
		// Broken text.
		func(s string) string { return strings.Replace(s, "desiredCount: 2", "desiredCount: 2 2", 1) },
		func(s string) string { return strings.Replace(s, "desiredCount: 2\n", "desiredCount: {\n", 1) },
		func(s string) string { return strings.Replace(s, "\t}\n\t\"svc-0005\"", "\t}}\n\t\"svc-0005\"", 1) },
		func(s string) string { return strings.Replace(s, "\"svc-0007\": {", "\"svc-0007: {", 1) },
		func(s string) string { return strings.Replace(s, "\"svc-0007\": {", "\"svc-0007\": \"\\(x\n", 1) },
		func(s string) string {
			return strings.Replace(s, "\"svc-0007\": {", "let a = 1\n\tlet a = 2\n\t\"svc-0007\": {", 1)
		},
	}
	var out []string
	for _, e := range edits {
		out = append(out, e(spec))
	}
	// Random cuts and line deletions, insertions of a brace or quote.
	r := rand.New(rand.NewPCG(1, 2))
	for range 60 {
		s := spec
		switch r.IntN(4) {
		case 0:
			s = s[:r.IntN(len(s))]
		case 1:
			lines := strings.Split(s, "\n")
			i := r.IntN(len(lines))
			s = strings.Join(append(lines[:i:i], lines[i+1:]...), "\n")
		case 2:
			i := r.IntN(len(s))
			s = s[:i] + string("{}\"[]/,:"[r.IntN(8)]) + s[i:]
		case 3:
			lines := strings.Split(s, "\n")
			i := r.IntN(len(lines))
			s = strings.Join(append(lines[:i:i], append([]string{"\t// inserted"}, lines[i:]...)...), "\n")
		}
		out = append(out, s)
	}
	return out
}

func FuzzParallelParse(f *testing.F) {
	for _, v := range variants(string(benchspec.Spec(5)))[:40] {
		f.Add([]byte(v), uint8(3))
	}
	f.Fuzz(func(t *testing.T, src []byte, n uint8) {
		checkParallel(t, "fuzz.cue", src, 2+int(n%14))
	})
}

// The fast path of rebase moves every position field of the node types it names, as the
// reflective one (for node types a later CUE adds) does.
func TestRebaseMovesEveryPosition(t *testing.T) {
	from := token.NewFile("a", -1, 100)
	to := token.NewFile("a", -1, 200)
	nodes := []ast.Node{
		&ast.Ident{}, &ast.BasicLit{}, &ast.Field{Label: &ast.Ident{}}, &ast.StructLit{}, &ast.ListLit{},
		&ast.Comment{}, &ast.Attribute{}, &ast.Alias{Ident: &ast.Ident{}, Expr: &ast.Ident{}},
		&ast.PostfixAlias{}, &ast.BadExpr{}, &ast.BottomLit{}, &ast.Func{Ret: &ast.Ident{}}, &ast.Ellipsis{},
		&ast.ForClause{Value: &ast.Ident{}, Source: &ast.Ident{}}, &ast.IfClause{Condition: &ast.Ident{}},
		&ast.LetClause{Ident: &ast.Ident{}, Expr: &ast.Ident{}}, &ast.FallbackClause{Body: &ast.StructLit{}},
		&ast.TryClause{}, &ast.ParenExpr{X: &ast.Ident{}}, &ast.SelectorExpr{X: &ast.Ident{}, Sel: &ast.Ident{}},
		&ast.IndexExpr{X: &ast.Ident{}, Index: &ast.Ident{}}, &ast.SliceExpr{X: &ast.Ident{}},
		&ast.CallExpr{Fun: &ast.Ident{}}, &ast.UnaryExpr{X: &ast.Ident{}}, &ast.BinaryExpr{X: &ast.Ident{}, Y: &ast.Ident{}},
		&ast.PostfixExpr{X: &ast.Ident{}}, &ast.ImportSpec{Path: &ast.BasicLit{}}, &ast.BadDecl{},
		&ast.ImportDecl{}, &ast.Package{Name: &ast.Ident{}}, &ast.EmbedDecl{Expr: &ast.Ident{}},
		&ast.Interpolation{}, &ast.CommentGroup{}, &ast.Comprehension{Value: &ast.StructLit{}}, &ast.File{},
	}
	for _, n := range nodes {
		v := reflect.ValueOf(n).Elem()
		count := 0
		for i := range v.NumField() {
			if f := v.Field(i); f.Type() == posT && f.CanSet() {
				f.Set(reflect.ValueOf(from.Pos(10+i, token.Blank)))
				count++
			}
		}
		rebase(n, to, 5, nil, nil, nil)
		for i := range v.NumField() {
			if f := v.Field(i); f.Type() == posT && f.CanSet() {
				p := f.Interface().(token.Pos)
				if p.File() != to || p.Offset() != 15+i || p.RelPos() != token.Blank {
					t.Errorf("%T.%s not moved: %v", n, v.Type().Field(i).Name, p)
				}
			}
		}
		_ = count
	}
}

// BenchmarkSpecParse compares the serial parse of a large spec with parseSpecFile.
func BenchmarkSpecParse(b *testing.B) {
	for _, services := range []int{1000, 10000} {
		src := []byte(benchspec.Spec(services))
		b.Run(fmt.Sprintf("serial/%d", services), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, err := parser.ParseFile("spec.cue", src, specConfig()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("parallel/%d", services), func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, err := parseSpecFile("spec.cue", src, specConfig()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A large spec loads to the same result, findings and positions whether its file is parsed
// in parallel or serially (GOMAXPROCS 1), valid or not.
func TestFilesParsedInParallelLoadTheSame(t *testing.T) {
	dir := t.TempDir()
	good := benchspec.Spec(200)
	bad := strings.Replace(good, "\t\tmemory: 1024\n", "\t\tmemory: \"a lot\"\n", 3)
	bad = strings.Replace(bad, "\t\tdesiredCount: 2\n", "\t\tdesiredCount: 2\n\t\tunknownField: 1\n", 1)
	broken := strings.Replace(good, "\t\tdesiredCount: 2\n", "\t\tdesiredCount: 2 2\n", 1)
	for name, src := range map[string]string{"good.cue": good, "bad.cue": bad, "broken.cue": broken} {
		if len(src) < parallelParseMin {
			t.Fatalf("%s: %d bytes, under the threshold", name, len(src))
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		load := func(procs int) (*Result, string) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			res, findings, err := Files([]string{p}, Options{Partial: true})
			if err != nil {
				t.Fatal(err)
			}
			return res, findings.String()
		}
		before := parallelParses.Load()
		serial, serialFindings := load(1)
		if parallelParses.Load() != before {
			t.Fatal("a file was parsed in parallel with GOMAXPROCS 1")
		}
		parallel, parallelFindings := load(2)
		if name != "broken.cue" && parallelParses.Load() == before {
			t.Fatalf("%s was not parsed in parallel", name)
		}
		if serialFindings != parallelFindings {
			t.Fatalf("%s: findings differ:\nserial:\n%s\nparallel:\n%s", name, serialFindings, parallelFindings)
		}
		if (serial == nil) != (parallel == nil) {
			t.Fatalf("%s: one load gave a result, the other none", name)
		}
		if serial != nil {
			if !reflect.DeepEqual(serial.Spec, parallel.Spec) || serial.Multi != parallel.Multi || serial.Partial != parallel.Partial {
				t.Fatalf("%s: the loaded specs differ", name)
			}
			if a, b := allPositions(serial.Positions), allPositions(parallel.Positions); !reflect.DeepEqual(a, b) {
				t.Fatalf("%s: the positions differ", name)
			}
			if len(serial.Envs) != len(parallel.Envs) {
				t.Fatalf("%s: %d environments vs %d", name, len(serial.Envs), len(parallel.Envs))
			}
			for i := range serial.Envs {
				a, b := serial.Envs[i], parallel.Envs[i]
				if a.Name != b.Name || !reflect.DeepEqual(a.Spec, b.Spec) || !reflect.DeepEqual(allPositions(a.Positions), allPositions(b.Positions)) {
					t.Fatalf("%s: environment %s differs", name, a.Name)
				}
			}
		}
		if name != "good.cue" && serialFindings == "" {
			t.Fatalf("%s: no findings", name)
		}
	}
}
