package schema

import (
	"fmt"
	"regexp"
	"strings"
)

// References the spec makes to things outside it (secrets, parameters, S3 objects), parsed once
// for the rules that check them and the generators that grant access to them.

// SecretSource is where a secret's value lives.
type SecretSource int

const (
	SecretsManager SecretSource = iota
	ParameterStore
)

// SecretRef is a parsed secrets[].valueFrom (or repositoryCredentials).
type SecretRef struct {
	Source SecretSource
	// ARN is the full ARN of the secret or parameter, without a Secrets Manager JSON-key
	// suffix: what an IAM policy must name. A parameter or secret given by name has an ARN with
	// the pseudo parameters ${AWS::Partition}, ${AWS::Region} and ${AWS::AccountId}; a secret
	// by name ends in "-??????", the six random characters Secrets Manager appends.
	ARN string
	// ValueFrom is what the task definition's valueFrom holds: as written, or for a secret by
	// name its partial ARN (pseudo parameters for the partition, region and account), with
	// :json-key:version-stage:version-id when one of them is set.
	ValueFrom string
	// ByName: the spec named a Secrets Manager secret by name.
	ByName bool
}

// secretNameSuffix is how a name ends that Secrets Manager would take for a full ARN's random
// suffix in a partial ARN: a hyphen and six characters.
var secretNameSuffix = regexp.MustCompile(`-[A-Za-z0-9]{6}$`)

// Ref parses a secrets value. The error says what is wrong in the user's terms (rule R20).
func (v Secret) Ref() (SecretRef, error) {
	n := v.ByName
	if n == nil {
		return ParseSecretRef(v.ValueFrom)
	}
	if secretNameSuffix.MatchString(n.SecretsManager) {
		return SecretRef{}, fmt.Errorf("the name %q ends in a hyphen and six characters, which Secrets Manager takes for the random suffix of a full ARN, so the secret would not be found by name", n.SecretsManager)
	}
	arn := "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:" + n.SecretsManager
	valueFrom := arn
	if n.Key != "" || n.VersionStage != "" || n.VersionID != "" {
		valueFrom += ":" + n.Key + ":" + n.VersionStage + ":" + n.VersionID
	}
	return SecretRef{Source: SecretsManager, ARN: arn + "-??????", ValueFrom: valueFrom, ByName: true}, nil
}

// Selects reports whether the secret reads a JSON key or a version of a Secrets Manager secret
// (which Fargate supports from platform version 1.4.0).
func (v Secret) Selects() bool {
	if n := v.ByName; n != nil {
		return n.Key != "" || n.VersionStage != "" || n.VersionID != ""
	}
	m := secretARN.FindStringSubmatch(v.ValueFrom)
	return m != nil && strings.Trim(m[2], ":") != ""
}

var (
	// A full Secrets Manager ARN ends in the name, a hyphen and six random characters,
	// optionally followed by :json-key:version-stage:version-id.
	secretARN        = regexp.MustCompile(`^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6})(:[^:]*:[^:]*:[^:]*)?$`)
	anySecretARN     = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:`)
	parameterARN     = regexp.MustCompile(`^arn:aws[a-z-]*:ssm:[a-z0-9-]+:[0-9]{12}:parameter/([a-zA-Z0-9_.\-/]+)$`)
	parameterName    = regexp.MustCompile(`^/?[a-zA-Z0-9_.\-]+(/[a-zA-Z0-9_.\-]+)*$`)
	reservedParamPfx = regexp.MustCompile(`^/?(?i:aws|ssm)`)
)

// ParseSecretRef parses a secret's valueFrom. The error says what is wrong in the user's terms
// (rule R20).
func ParseSecretRef(valueFrom string) (SecretRef, error) {
	if m := secretARN.FindStringSubmatch(valueFrom); m != nil {
		return SecretRef{Source: SecretsManager, ARN: m[1], ValueFrom: valueFrom}, nil
	}
	if anySecretARN.MatchString(valueFrom) {
		return SecretRef{}, fmt.Errorf("%q is not a complete Secrets Manager ARN: it must end in the secret's name, a hyphen and its 6-character suffix (…:secret:name-AbCdEf), optionally with :json-key:version-stage:version-id; a partial ARN does not match the execution role's policy (name a secret of the spec's account and region by name instead: {secretsManager: \"name\"})", valueFrom)
	}
	if m := parameterARN.FindStringSubmatch(valueFrom); m != nil {
		return SecretRef{Source: ParameterStore, ARN: valueFrom, ValueFrom: valueFrom}, nil
	}
	if strings.HasPrefix(valueFrom, "arn:") {
		return SecretRef{}, fmt.Errorf("%q is neither a Secrets Manager secret ARN nor an SSM parameter ARN", valueFrom)
	}
	if !parameterName.MatchString(valueFrom) || len(valueFrom) > 2048 {
		return SecretRef{}, fmt.Errorf("%q is not an SSM parameter name: names are up to 2048 letters, digits and _.-/", valueFrom)
	}
	if reservedParamPfx.MatchString(valueFrom) {
		return SecretRef{}, fmt.Errorf("%q starts with \"aws\" or \"ssm\", which SSM reserves", valueFrom)
	}
	return SecretRef{
		Source:    ParameterStore,
		ARN:       "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/" + strings.TrimPrefix(valueFrom, "/"),
		ValueFrom: valueFrom,
	}, nil
}

// S3Object splits an S3 object ARN into the bucket ARN and the object ARN.
func S3Object(arn string) (bucketARN string, ok bool) {
	const prefix = ":s3:::"
	i := strings.Index(arn, prefix)
	if i < 0 {
		return "", false
	}
	bucket, _, ok := strings.Cut(arn[i+len(prefix):], "/")
	if !ok || bucket == "" {
		return "", false
	}
	return arn[:i+len(prefix)] + bucket, true
}

// AccountPlaceholder stands for the account in a file that cannot name it (the spec has no
// account): taskdefs/<service>.json's partial ARNs of secrets by name.
const AccountPlaceholder = "<deploy-time: account id>"
