package generators

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/ecsgen/ecsgen/schema"
)

// AWS limits on the names ecsgen generates.
const (
	MaxName      = 255 // ECS clusters, services, task families, capacity providers, Auto Scaling groups, tag values
	MaxRoleName  = 64  // IAM roles (R56)
	MaxStackName = 128 // CloudFormation stacks (R61)
	MaxLBName    = 32  // Elastic Load Balancing v2 load balancers and target groups (R30, R31)
	// MaxCodeDeployName bounds CodeDeploy application and deployment group names.
	MaxCodeDeployName = 100
)

// DefaultNaming is the naming convention of a spec that sets none.
const DefaultNaming = "{system}-{env}-{name}"

// hashLen is how many hex digits of a name's SHA-256 a shortened name keeps: 28 bits, so two
// distinct long names collide only by a one-in-268-million chance.
const hashLen = 7

// conventional renders the spec's naming convention for a name.
func conventional(s *schema.Spec, name string) string {
	n := s.Naming
	if n == "" {
		n = DefaultNaming
	}
	// What strings.NewReplacer("{system}", …, "{env}", …, "{name}", …).Replace(n) gives (no
	// placeholder is a prefix of another, so the first match at each position is the only one),
	// without building a replacer on every call: names are rendered several times per service.
	var b strings.Builder
	b.Grow(len(n) + len(s.System) + len(s.Env) + len(name))
	for i := 0; i < len(n); {
		if n[i] == '{' {
			if v, k, ok := placeholder(n[i:], s, name); ok {
				b.WriteString(v)
				i += k
				continue
			}
		}
		b.WriteByte(n[i])
		i++
	}
	return b.String()
}

// placeholder reports the value of the naming placeholder that t starts with, and its length.
func placeholder(t string, s *schema.Spec, name string) (value string, length int, ok bool) {
	switch {
	case strings.HasPrefix(t, "{system}"):
		return s.System, len("{system}"), true
	case strings.HasPrefix(t, "{env}"):
		return s.Env, len("{env}"), true
	case strings.HasPrefix(t, "{name}"):
		return name, len("{name}"), true
	}
	return "", 0, false
}

// Prefix is the naming convention without {name}: the default cluster name and the log group
// prefix, e.g. {system}-{env}.
func Prefix(s *schema.Spec) string {
	p := conventional(s, "")
	for strings.Contains(p, "--") {
		p = strings.ReplaceAll(p, "--", "-")
	}
	return strings.Trim(p, "-")
}

// Fit returns name if it is at most limit characters, and otherwise its start, a short hash of
// the whole name and its end, limit characters at most: deterministic, readable (the end says
// what the resource is: …-web-execution), a valid name wherever the original was (letters,
// digits and hyphens, no hyphen at either end), and distinct for distinct names.
func Fit(name string, limit int) string {
	if len(name) <= limit {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	avail := limit - hashLen - 2
	headN := avail / 2
	tailN := avail - headN
	head := strings.TrimRight(name[:headN], "-")
	tail := strings.TrimLeft(name[len(name)-tailN:], "-")
	return head + "-" + hex.EncodeToString(sum[:])[:hashLen] + "-" + tail
}

func reservedProviderPrefix(name string) bool {
	lower := strings.ToLower(name)
	for _, p := range []string{"aws", "ecs", "fargate"} {
		if strings.HasPrefix(lower, p) {
			return true
		}
	}
	return false
}
