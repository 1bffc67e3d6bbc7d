package load

import (
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/ecsgen/ecsgen/schema"
)

// TestEveryPatternHasWords keeps a description beside every pattern of the schema, so that a
// finding never shows a raw regular expression; and no description outlives its pattern.
func TestEveryPatternHasWords(t *testing.T) {
	f, err := parser.ParseFile("spec.cue", schema.CUE)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	ast.Walk(f, func(n ast.Node) bool {
		u, ok := n.(*ast.UnaryExpr)
		if !ok || (u.Op != token.MAT && u.Op != token.NMAT) {
			return true
		}
		lit, ok := u.X.(*ast.BasicLit)
		if !ok {
			t.Errorf("%s: a pattern that is not a literal", u.Pos())
			return true
		}
		key := u.Op.String() + lit.Value
		seen[key] = true
		if _, ok := patternWords[key]; !ok {
			t.Errorf("%s: no words for the pattern %s in patternWords", u.Pos(), key)
		}
		return true
	}, nil)
	for key := range patternWords {
		if !seen[key] {
			t.Errorf("patternWords has %s, which the schema no longer uses", key)
		}
	}
}

// TestWantWords: the constraints CUE prints become words, never CUE notation.
func TestWantWords(t *testing.T) {
	for in, want := range map[string]string{
		`strings.MinRunes(10)`:                    "at least 10 characters",
		`strings.MaxRunes(63)`:                    "at most 63 characters",
		`list.MaxItems(5)`:                        "at most 5 entries",
		`list.UniqueItems()`:                      "no duplicate entries",
		`{[#Label]:#Service}`:                     "a struct",
		`[...#SubnetID]`:                          "a list",
		`#SubnetID`:                               `a subnet id ("subnet-" and 8 or 17 hex digits)`,
		`=~"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$"`: `a subnet id ("subnet-" and 8 or 17 hex digits)`,
		`=~"^unknown$"`:                           "a value of the form docs/spec.md describes",
		`>=0`:                                     ">=0",
		`int`:                                     "int",
	} {
		if got := wantWords(in); got != want {
			t.Errorf("wantWords(%s) = %q, want %q", in, got, want)
		}
	}
}
