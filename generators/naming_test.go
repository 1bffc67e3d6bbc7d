package generators

import (
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// conventional renders a naming convention as strings.Replacer did before, for every shape of
// convention: placeholders repeated, adjacent, nested in braces, unfinished, or absent.
func TestConventionalAgreesWithReplacer(t *testing.T) {
	for _, naming := range []string{"", DefaultNaming, "{name}", "{name}{name}", "{env}-{system}", "{{name}}", "{sys{env}tem}",
		"x{system", "{}", "{name", "name}", "prefix-{system}-{env}-{name}-suffix", "é-{name}-ü"} {
		for _, name := range []string{"", "web", "{env}", "a-b"} {
			s := &schema.Spec{System: "shop", Env: "{name}", Naming: naming}
			n := naming
			if n == "" {
				n = DefaultNaming
			}
			want := strings.NewReplacer("{system}", s.System, "{env}", s.Env, "{name}", name).Replace(n)
			if got := conventional(s, name); got != want {
				t.Errorf("naming %q, name %q: conventional gives %q, the replacer %q", naming, name, got, want)
			}
		}
	}
}
