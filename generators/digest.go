package generators

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
)

// # Skipping the stacks that are deployed as they are
//
// `aws cloudformation deploy` of a stack that would not change still costs a change set,
// which the AWS CLI polls every 5 seconds until CloudFormation says it holds no change: about
// six seconds a stack, so over an hour and a half for the 1002 stacks of a 1000-service
// environment, on every run of deploy.sh, however few services changed.
//
// So every stack that a deploy of the same template and parameters leaves as it is carries a
// digest of what deploy.sh deploys to it — the template, the parameters deploy.sh fixes, the
// capabilities and the stack tags — as the output DeployDigestOutput. deploy.sh reads every
// stack's outputs in the one describe-stacks call it makes anyway, and skips a stack that is
// at rest (a *_COMPLETE status, not a failed create) and outputs the digest it would deploy:
// CloudFormation stores a template's outputs only when it deployed that template, so the
// stack holds exactly this template with these parameters. A stack whose last update failed
// and rolled back outputs the digest of the template it rolled back to. `ecsgen diff` reads
// the digest the same way (internal/deployed), and needs no change set for such a stack.
//
// Which stacks: those without a parameter of an AWS::SSM::Parameter::Value type. CloudFormation
// reads such a parameter again on every update (the cluster stack's AMI ID, which is how a
// plain deploy picks up the latest ECS-optimized AMI), so an unchanged template can still
// change the stack: deploy.sh always deploys those. Dynamic references ({{resolve:…}}) are not
// read again by an update that does not change them, so they keep nothing from being skipped.
// The values deploy.sh reads at deploy time (an autoscaled service's running count, a
// blue/green service's live target group) are not in the digest: both exist so that an
// update keeps what runs, which a skipped update keeps too.
//
// The digest cannot hash the template that holds it, so it hashes the template with
// digestPlaceholder as the output's value, and then takes that placeholder's place: the
// template's size does not change. An output alone is a change CloudFormation executes (an
// empty change set is refused, one that changes only outputs is not), so the first deploy of
// templates that carry the output records it on every stack; deploy.sh's deploy_template
// executes that change set and follows it itself, where the AWS CLI would poll it every 30
// seconds (deployfunc.go writes deploy_template for the stacks with a digest).

// DeployDigestOutput is the output that holds a stack's deploy digest.
const DeployDigestOutput = "DeployDigest"

var deployDigestDescription = "SHA-256 of this template and the parameters and tags deploy.sh passes: it skips the stack while they match"

// digestPlaceholder stands for the digest while the digest is computed: as long as one in hex.
var digestPlaceholder = "ecsgen-deploy-digest" + strings.Repeat("0", sha256.Size*2-len("ecsgen-deploy-digest"))

// DeployDigestOf is the deploy digest a generated template outputs, "" when it outputs none
// (a template that reads a parameter from SSM at every deploy, or one that is not JSON).
func DeployDigestOf(template []byte) string {
	var t struct {
		Outputs map[string]struct{ Value any }
	}
	if json.Unmarshal(template, &t) != nil {
		return ""
	}
	d, _ := t.Outputs[DeployDigestOutput].Value.(string)
	return d
}

// deploysAsBuilt says whether deploying t again, unchanged and with the same parameters, leaves
// its stack as it is: no parameter is read from SSM at each deploy.
func deploysAsBuilt(t *cloudformation.Template) bool {
	for _, p := range t.Parameters {
		if strings.HasPrefix(p.Type, "AWS::SSM::Parameter::") {
			return false
		}
	}
	return true
}

// sealDigest computes the deploy digest of stack st, whose template encoded is body with
// digestPlaceholder as the DeployDigestOutput's value, and writes the digest in its place. caps
// are the template's capabilities.
func (e *env) sealDigest(st *stack, body []byte, caps []string) error {
	// The output's key opens an object only where the template declares the output (a quote in
	// a string is escaped), and its value is the first placeholder after it.
	key := bytes.Index(body, []byte(`"`+DeployDigestOutput+`": {`))
	at := -1
	if key >= 0 {
		at = bytes.Index(body[key:], []byte(`"`+digestPlaceholder+`"`))
	}
	if at < 0 {
		return errors.New("internal error: the template's deploy digest output is not where it was encoded")
	}
	at += key + 1
	// What deploy.sh passes with the template, each part on lines of its own.
	tail := make([]byte, 0, 256)
	tail = append(tail, "\ncapabilities\n"...)
	for _, c := range caps {
		tail = append(append(tail, c...), '\n')
	}
	tail = append(tail, "parameters\n"...)
	for _, p := range sortedParameters(st.Parameters) {
		tail = append(append(append(append(tail, p.Key...), '='), p.Value...), '\n')
	}
	tail = append(append(append(append(append(tail, "tags\necsgen:system="...), e.spec.System...), "\necsgen:env="...), e.spec.Env...), '\n')
	h := sha256.New()
	h.Write(body)
	h.Write(tail)
	var sum [sha256.Size]byte
	hex.Encode(body[at:at+len(digestPlaceholder)], h.Sum(sum[:0]))
	return nil
}

// sortedParameters are ps in the order of their keys, as deploy.sh passes them.
func sortedParameters(ps []parameter) []parameter {
	out := slices.Clone(ps)
	slices.SortFunc(out, func(a, b parameter) int { return strings.Compare(a.Key, b.Key) })
	return out
}
