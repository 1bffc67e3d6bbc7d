package templates

import (
	"os/exec"
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
