package generators

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// replacerOf is how policy files were resolved before resolveFile: a strings.Replacer of the
// pseudo parameters, "${!" and the stack's references, built for every stack.
func replacerOf(e *env) *strings.Replacer {
	account := e.spec.Account
	if account == "" {
		account = "*"
	}
	pseudo := strings.NewReplacer(
		"${AWS::Partition}", e.partition, "${AWS::Region}", e.spec.Region, "${AWS::AccountId}", account,
	)
	pairs := []string{
		"${AWS::Partition}", e.partition,
		"${AWS::Region}", e.spec.Region,
		"${AWS::AccountId}", account,
		"${!", "${",
	}
	for _, ref := range sortedKeys(e.fileRefs) {
		pairs = append(pairs, "${"+ref+"}", pseudo.Replace(e.fileRefs[ref]))
	}
	return strings.NewReplacer(pairs...)
}

// resolveFile gives what the Replacer gives, on random strings made of the patterns, their
// pieces and references that shadow the pseudo parameters or "${!".
func TestResolveFileAgreesWithReplacer(t *testing.T) {
	pieces := []string{
		"${", "}", "$", "{", "!", "arn:", "${AWS::Partition}", "${AWS::Region}", "${AWS::AccountId}", "${!",
		"${TargetGroup}", "${TaskRole.Arn}", "${AWS::Region", "${Unknown}", "${!TargetGroup}", "${}", "AWS::Region}",
		"${AWS::NoValue}", "${!Bang}", "é",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, account := range []string{"", "123456789012"} {
		e := specEnv(&schema.Spec{Region: "eu-west-1", Account: account})
		e.setFileRef("TargetGroup", "arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:targetgroup/*")
		e.setFileRef("TaskRole.Arn", "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/x ${!y} ${TargetGroup}")
		e.setFileRef("AWS::Region", "shadowed")
		e.setFileRef("!Bang", "shadowed by ${!")
		e.setFileRef("", "empty")
		r := replacerOf(e)
		for range 20000 {
			var b strings.Builder
			for range rng.IntN(8) {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
			s := b.String()
			if got, want := e.resolveFile(s), r.Replace(s); got != want {
				t.Fatalf("%q: resolveFile gives %q, the Replacer %q", s, got, want)
			}
		}
	}
}
