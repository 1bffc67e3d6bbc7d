package templates

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	_ "github.com/ecsgen/ecsgen/internal/golden" // defines -update for this package
)

// ShellQuote must give bash back exactly the string, whatever it holds.
func TestShellQuoteRoundTrips(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	for _, s := range []string{"", "plain", "a b", "it's", `"$(id)"`, "`id`", "${HOME}", "a\nb", "x=1,2", "*", "-n", "日本語"} {
		out, err := exec.Command("bash", "-c", "printf %s "+ShellQuote(s)).Output()
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if string(out) != s {
			t.Errorf("%q came back as %q", s, out)
		}
	}
}

// TestPlainWordsAreTheCutset: isPlainWord's table holds exactly the bytes of plainWordChars, as
// the strings.Trim it replaced did.
func TestPlainWordsAreTheCutset(t *testing.T) {
	for c := range 256 {
		s := string([]byte{byte(c)})
		if want := strings.Trim(s, plainWordChars) == ""; isPlainWord(s) != want {
			t.Errorf("byte %#x: plain %v, want %v", c, isPlainWord(s), want)
		}
	}
}

// TestChunksKeepEveryByte: Render's writer gives back exactly the bytes written, in order,
// across chunk boundaries and for writes larger than a chunk, of bytes or strings.
func TestChunksKeepEveryByte(t *testing.T) {
	var c chunks
	var want []byte
	for i, n := range []int{0, 1, 100, chunkSize - 101, 1, chunkSize + 7, 3, 2 * chunkSize, 5} {
		p := bytes.Repeat([]byte{byte('a' + i)}, n)
		want = append(want, p...)
		if i%2 == 0 {
			c.Write(p)
		} else {
			c.WriteString(string(p))
		}
	}
	got := c.bytes()
	if !bytes.Equal(got, want) || cap(got) != len(want) {
		t.Errorf("got %d bytes (cap %d), want %d", len(got), cap(got), len(want))
	}
}
