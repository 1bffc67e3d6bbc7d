package load

import (
	"bytes"
	"crypto/sha256"
	"regexp"
	"strings"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"

	"github.com/ecsgen/ecsgen/internal/benchspec"
)

// serviceSource is a service as a spec writes it, with a value of every kind the key encodes.
const serviceSource = `{
	// a comment the key does not see
	desiredCount: 2
	cpu:          0.25
	"memory-x":   512
	enabled:      true
	nothing:      null
	offset:       -3
	containers: app: {
		image: "nginx:1.27"
		ports: [{container: 80}, {container: 443, host: 8443}]
		environment: {A: "1", B: "two"}
	}
	tags: [["a", 1], []]
}`

// TestServiceKeyTellsServicesApart edits every literal, label and nesting of a service in
// turn and checks that two services share a key only when their values are the same: the
// cache can never hand one service's model to another. Variants that differ only in comments,
// spacing or how a nested field is written share the key, so such edits still hit.
func TestServiceKeyTellsServicesApart(t *testing.T) {
	memo := &mapMemo{m: map[string][]byte{}}
	variants := []string{serviceSource}
	// Every token that is a literal or a label, changed in turn.
	tok := regexp.MustCompile(`"[^"]*"|-?[0-9.]+|\btrue\b|\bnull\b|[A-Za-z][A-Za-z-]*`)
	start := strings.Index(serviceSource, "desiredCount") // after the comment
	for _, loc := range tok.FindAllStringIndex(serviceSource[start:], -1) {
		loc[0], loc[1] = loc[0]+start, loc[1]+start
		old := serviceSource[loc[0]:loc[1]]
		var repl []string
		switch {
		case old == "true":
			repl = []string{"false", `"true"`}
		case old == "null":
			repl = []string{"0", `"null"`}
		case strings.HasPrefix(old, `"`):
			repl = []string{old[:len(old)-1] + `x"`, strings.Trim(old, `"`) + "0"}
		case strings.ContainsAny(old[:1], "-0123456789"):
			repl = []string{old + "1", `"` + old + `"`, "[" + old + "]"}
		default:
			repl = []string{old + "x", `"` + old + `"`}
		}
		for _, r := range repl {
			variants = append(variants, serviceSource[:loc[0]]+r+serviceSource[loc[1]:])
		}
	}
	variants = append(variants,
		strings.Replace(serviceSource, "// a comment the key does not see", "// another comment", 1),
		strings.Replace(strings.Replace(serviceSource, "containers: app: {", "containers: {app: {", 1), "\t}\n\ttags", "\t}}\n\ttags", 1),
		strings.Replace(serviceSource, "[{container: 80}, {container: 443, host: 8443}]", "[{container: 443, host: 8443}, {container: 80}]", 1),
		strings.Replace(serviceSource, "desiredCount: 2\n\tcpu:          0.25", "cpu: 0.25\n\tdesiredCount: 2", 1),
		strings.Replace(serviceSource, "tags: [[\"a\", 1], []]", "tags: [[\"a\", 1]]", 1),
		strings.Replace(serviceSource, "tags: [[\"a\", 1], []]", "tags: [[\"a\"], [1]]", 1),
		strings.ReplaceAll(serviceSource, "\t", "  "),
		// A service written in several places: the unification of its declarations.
		serviceSource+" & {extra: 1}",
		serviceSource+" & {extra: 2}",
		serviceSource+" & {extra: [1]}",
	)

	ctx := cuecontext.New()
	type built struct {
		key  []byte
		json []byte
		tree bool
		src  string
	}
	var all []built
	for _, name := range []string{"web", "api"} {
		for _, src := range variants {
			expr, err := parser.ParseExpr("service.cue", src, parser.ParseComments)
			if err != nil {
				continue // an edit that is no longer CUE (a label with a dash unquoted)
			}
			key := serviceKey(memo, userService{name: name, expr: expr})
			if key == nil {
				t.Fatalf("no key for\n%s", src)
			}
			v, err := ctx.BuildExpr(expr).MarshalJSON()
			if err != nil {
				continue // an edit that made a reference (a string unquoted)
			}
			all = append(all, built{key, append([]byte(name+"\x00"), v...), syntaxHash(sha256.New(), name, expr), src})
		}
	}
	if len(all) < 2*len(variants)*3/4 {
		t.Fatalf("only %d of %d variants parse", len(all), 2*len(variants))
	}
	same := 0
	for i, a := range all {
		if !a.tree {
			t.Errorf("plain data was not hashed as a tree:\n%s", a.src)
		}
		for _, b := range all[i+1:] {
			switch keys, values := bytes.Equal(a.key, b.key), bytes.Equal(a.json, b.json); {
			case keys && !values:
				t.Errorf("two services with different values share a key:\n%s\n%s\n---\n%s\n%s", a.json, a.src, b.json, b.src)
			case keys:
				same++
			}
		}
	}
	// The variant with another comment, the one with spaces for tabs and the nested field
	// written with braces are the same tree as the original: 4 sources, 6 pairs, per name.
	if same != 2*6 {
		t.Errorf("%d pairs share a key, want the 12 of the variants that differ only in how they are written", same)
	}
}

// TestServiceKeyFallsBack: a service that is not plain data is keyed by its printed syntax,
// and the two kinds of key never meet.
func TestServiceKeyFallsBack(t *testing.T) {
	memo := &mapMemo{m: map[string][]byte{}}
	keys := map[string]string{}
	for _, src := range []string{`{a: _x, _x: 1}`, `{a: _x, _x: 2}`, `{a: 1 + 1}`, `{a: 2}`, `{a: "\(1)"}`, `{a: "1"}`, `{a?: 1}`, `{a: 1}`, `{a: 1 @tag(x)}`} {
		expr, err := parser.ParseExpr("service.cue", src)
		if err != nil {
			t.Fatal(err)
		}
		tree := syntaxHash(sha256.New(), "web", expr)
		if want := src == `{a: 2}` || src == `{a: "1"}` || src == `{a?: 1}` || src == `{a: 1}`; tree != want {
			t.Errorf("%s: hashed as a tree: %v, want %v", src, tree, want)
		}
		key := serviceKey(memo, userService{name: "web", expr: expr})
		if key == nil {
			t.Fatalf("%s: no key", src)
		}
		if other, dup := keys[string(key)]; dup {
			t.Errorf("%s and %s share a key", src, other)
		}
		keys[string(key)] = src
	}
}

// BenchmarkServiceKey keys every service of a 1000-service spec, as a rebuild does, by its tree
// (what serviceKey does) and by its printed syntax (what it did, and does off plain data).
func BenchmarkServiceKey(b *testing.B) {
	f, err := parser.ParseFile("spec.cue", benchspec.Spec(1000), parser.ParseComments)
	if err != nil {
		b.Fatal(err)
	}
	services, ok := servicesFromSyntax([]*ast.File{f})
	if !ok || len(services) != 1000 {
		b.Fatalf("%d services", len(services))
	}
	memo := &mapMemo{m: map[string][]byte{}}
	b.Run("tree", func(b *testing.B) {
		for b.Loop() {
			for _, svc := range services {
				serviceKey(memo, svc)
			}
		}
	})
	b.Run("printed", func(b *testing.B) {
		for b.Loop() {
			for _, svc := range services {
				src, _ := format.Node(svc.expr)
				sha256.Sum256(src)
			}
		}
	})
}
