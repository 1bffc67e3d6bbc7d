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
	// suffix: what an IAM policy must name. A parameter given by name has an ARN with the
	// pseudo parameters ${AWS::Partition}, ${AWS::Region} and ${AWS::AccountId}.
	ARN string
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
		return SecretRef{Source: SecretsManager, ARN: m[1]}, nil
	}
	if anySecretARN.MatchString(valueFrom) {
		return SecretRef{}, fmt.Errorf("%q is not a complete Secrets Manager ARN: it must end in the secret's name, a hyphen and its 6-character suffix (…:secret:name-AbCdEf), optionally with :json-key:version-stage:version-id; a partial ARN does not match the execution role's policy", valueFrom)
	}
	if m := parameterARN.FindStringSubmatch(valueFrom); m != nil {
		return SecretRef{Source: ParameterStore, ARN: valueFrom}, nil
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
		Source: ParameterStore,
		ARN:    "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/" + strings.TrimPrefix(valueFrom, "/"),
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
