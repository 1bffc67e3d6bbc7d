package textdiff

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	_ "github.com/ecsgen/ecsgen/internal/golden" // defines -update for this package
)

func TestUnified(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"
	b := "1\n2\n3\nfour\n5\n6\n7\n8\n9\n10\n11\n12\n13\n"
	want := `--- a
+++ b
@@ -1,7 +1,7 @@
 1
 2
 3
-4
+four
 5
 6
 7
@@ -10,3 +10,4 @@
 10
 11
 12
+13
`
	if got := Unified("a", "b", []byte(a), []byte(b)); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if got := Unified("a", "b", []byte(a), []byte(a)); got != "" {
		t.Errorf("equal texts: %q", got)
	}
	if got := Unified("a", "b", nil, []byte("x\n")); got != "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n" {
		t.Errorf("new file: %q", got)
	}
}

// apply applies a unified diff made by Unified to a, as patch(1) would, and fails the test on
// any line of it that does not match a.
func apply(t *testing.T, a, diff string) string {
	t.Helper()
	old := strings.SplitAfter(a, "\n")
	if old[len(old)-1] == "" {
		old = old[:len(old)-1]
	}
	var out []string
	next := 0 // index in old of the first line not yet copied
	lines := strings.SplitAfter(diff, "\n")
	for i := 2; i < len(lines) && lines[i] != ""; i++ { // after the --- and +++ lines
		l := lines[i]
		if strings.HasPrefix(l, "@@ ") {
			var from, n int
			head := strings.Fields(l)[1] // -from[,n]
			if _, err := fmt.Sscanf(strings.Replace(head, ",", " ", 1), "-%d %d", &from, &n); err != nil {
				from, n = 0, 1
				fmt.Sscanf(head, "-%d", &from)
			}
			if n > 0 {
				from-- // 1-based, except in "-0,0" (a hunk that only adds, at the top)
			}
			out = append(out, old[next:from]...)
			next = from
			continue
		}
		if strings.HasPrefix(l, `\ No newline at end of file`) {
			last := len(out) - 1
			if lines[i-1][0] == '-' {
				continue // the removed line had no newline: nothing was added for it
			}
			out[last] = strings.TrimSuffix(out[last], "\n")
			continue
		}
		body := l[1:]
		switch l[0] {
		case ' ', '-':
			if next >= len(old) || strings.TrimSuffix(old[next], "\n") != strings.TrimSuffix(body, "\n") {
				t.Fatalf("line %d of the diff, %q, does not match line %d of the old text", i+1, l, next+1)
			}
			if l[0] == ' ' {
				out = append(out, old[next])
			}
			next++
		case '+':
			out = append(out, body)
		default:
			t.Fatalf("line %d of the diff is not a diff line: %q", i+1, l)
		}
	}
	return strings.Join(append(out, old[next:]...), "")
}

// The diff of random edits, applied to the old text, gives the new one.
func TestUnifiedApplies(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 300 {
		var a []string
		for range rng.IntN(60) {
			a = append(a, fmt.Sprintf("line %d\n", rng.IntN(8)))
		}
		b := slices.Clone(a)
		for range rng.IntN(6) + 1 {
			switch i := rng.IntN(len(b) + 1); rng.IntN(3) {
			case 0:
				b = slices.Insert(b, i, fmt.Sprintf("new %d\n", rng.IntN(8)))
			case 1:
				if i < len(b) {
					b = slices.Delete(b, i, i+1)
				}
			default:
				if i < len(b) {
					b[i] = "changed\n"
				}
			}
		}
		as, bs := strings.Join(a, ""), strings.Join(b, "")
		if n%5 == 0 { // no newline at the end of one or both
			as = strings.TrimSuffix(as, "\n")
		}
		if n%7 == 0 {
			bs = strings.TrimSuffix(bs, "\n")
		}
		d := Unified("a", "b", []byte(as), []byte(bs))
		if (d == "") != (as == bs) {
			t.Fatalf("case %d: equal %v, diff %q", n, as == bs, d)
		}
		if d == "" {
			continue
		}
		if got := apply(t, as, d); got != bs {
			t.Fatalf("case %d: the diff applied to\n%q\ngives\n%q\nnot\n%q\ndiff:\n%s", n, as, got, bs, d)
		}
	}
}

// A change spread over two long texts (the region of a large spec, on every few lines of its
// deploy.sh) costs memory in proportion to their length, not to the product of their lengths:
// 20 000 lines each, a table of the two took 1.6 GB.
func TestUnifiedLongTextsStayLinear(t *testing.T) {
	var a, b strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&a, "line %d eu-west-1\n", i)
		if i%7 == 0 || i == 19999 {
			fmt.Fprintf(&b, "line %d eu-west-2\n", i)
		} else {
			fmt.Fprintf(&b, "line %d eu-west-1\n", i)
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	d := Unified("a", "b", []byte(a.String()), []byte(b.String()))
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("the diff of two 20 000-line texts allocated %d MiB; want at most 64", alloc>>20)
	}
	if got := apply(t, a.String(), d); got != b.String() {
		t.Errorf("the diff does not give the new text")
	}
}
