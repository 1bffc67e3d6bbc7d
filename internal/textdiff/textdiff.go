// Package textdiff renders the difference of two texts as a unified diff, for `ecsgen check`,
// `ecsgen diff` and the tests.
//
// The diff is go-udiff's, a copy of the Go tools' own (gopls): Myers' algorithm with a bound
// on how far it searches, so its time and memory grow with the length of the texts, never with
// their product. That bound matters here: a spec change such as the region touches lines all
// over a 35 000-line deploy.sh or README of a 1000-service spec, and a longest-common-subsequence
// table of the two files (what this package used before) asked for gigabytes and ended `ecsgen
// check` with the out-of-memory killer. Past the bound the diff is still exact — applied to the
// old text it gives the new one — but it may show more lines as changed than the fewest possible;
// below it (a few dozen changed places per file, every ordinary edit) it is the shortest one.
package textdiff

import udiff "github.com/aymanbagabas/go-udiff"

// Unified returns a unified diff (3 lines of context) from a to b, or "" when they are equal.
// A text that does not end in a newline is marked "\ No newline at end of file", as by diff(1),
// so that patch(1) applies the result.
func Unified(aName, bName string, a, b []byte) string {
	if string(a) == string(b) {
		return ""
	}
	return udiff.Unified(aName, bName, string(a), string(b))
}
