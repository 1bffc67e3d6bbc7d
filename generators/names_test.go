package generators

import (
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// conventional gives what a strings.Replacer of the three placeholders gives.
func TestConventionalAsReplacer(t *testing.T) {
	s := &schema.Spec{System: "shop", Env: "prod"}
	for _, naming := range []string{"", "{system}-{env}-{name}", "{name}", "x{{name}}y", "{sys{env}tem}", "{system", "{}{env}{", "plain", "{name}{name}-{system}"} {
		for _, name := range []string{"", "web", "{env}"} {
			s.Naming = naming
			n := naming
			if n == "" {
				n = DefaultNaming
			}
			want := strings.NewReplacer("{system}", s.System, "{env}", s.Env, "{name}", name).Replace(n)
			if got := conventional(s, name); got != want {
				t.Errorf("naming %q, name %q: %q, want %q", naming, name, got, want)
			}
		}
	}
}
