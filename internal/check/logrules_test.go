package check

import (
	"regexp"
	"strings"
	"testing"
)

// validLogGroupName must accept exactly what the bounded pattern it replaced accepted.
func TestValidLogGroupNameAgreesWithBoundedPattern(t *testing.T) {
	bounded := regexp.MustCompile(`^[.\-_/#A-Za-z0-9]{1,512}$`)
	for _, name := range []string{
		"", "a", "/ecs/web", "#x.y-z_0", strings.Repeat("a", 511), strings.Repeat("a", 512),
		strings.Repeat("a", 513), "with space", "é", strings.Repeat("é", 100), "a\n", "a:b", "a*",
	} {
		if got, want := validLogGroupName(name), bounded.MatchString(name); got != want {
			t.Errorf("%.20q (%d bytes): validLogGroupName = %v, the pattern says %v", name, len(name), got, want)
		}
	}
}
