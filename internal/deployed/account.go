// Package deployed reads what is deployed in an AWS account, for the two commands that talk to
// it: `ecsgen diff` (what a deploy would change, against the running stacks and services) and
// `ecsgen import` (a spec written from a running service).
//
// It is the only package that calls AWS. `build`, `vet`, `check` and `plan` never reach it, so
// they stay offline and need no credentials. Every call goes through the AWS SDK for Go v2 with
// the standard credential chain (environment, shared config and credentials files, SSO, the
// instance or task role), the profile and region the user names, and AWS_ENDPOINT_URL when it
// is set (the tests point it at moto on 127.0.0.1).
package deployed

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/smithy-go"
)

// Options say which account and region to read, as the AWS CLI's flags do.
type Options struct {
	// Profile is a named profile of the shared config files (--profile, or AWS_PROFILE).
	Profile string
	// Region overrides the region (--region); otherwise the spec's region is used.
	Region string

	// wrapHTTP, when a test sets it, wraps the SDK's HTTP client (to watch the requests).
	wrapHTTP func(aws.HTTPClient) aws.HTTPClient
}

// Account holds the clients of one account and region.
type Account struct {
	Region         string
	cloudFormation *cloudformation.Client
	ecs            *ecs.Client
	elb            *elasticloadbalancingv2.Client
	autoscaling    *applicationautoscaling.Client
}

// Connect loads the credentials and configuration for opts, falling back to defaultRegion.
// Credentials are resolved lazily by the SDK: a missing one surfaces on the first call, and
// Explain turns it into a line that says what to do.
func Connect(ctx context.Context, opts Options, defaultRegion string) (*Account, error) {
	var load []func(*config.LoadOptions) error
	if opts.Profile != "" {
		load = append(load, config.WithSharedConfigProfile(opts.Profile))
	}
	region := opts.Region
	if region == "" {
		region = defaultRegion
	}
	if region != "" {
		load = append(load, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, load...)
	if err != nil {
		return nil, &Error{Op: "load the AWS configuration", Err: err}
	}
	if cfg.Region == "" {
		return nil, &Error{Op: "choose a region", Err: errors.New("no region: pass --region or set AWS_REGION")}
	}
	if opts.wrapHTTP != nil {
		cfg.HTTPClient = opts.wrapHTTP(cfg.HTTPClient)
	}
	return &Account{
		Region:         cfg.Region,
		cloudFormation: cloudformation.NewFromConfig(cfg),
		ecs:            ecs.NewFromConfig(cfg),
		elb:            elasticloadbalancingv2.NewFromConfig(cfg),
		autoscaling:    applicationautoscaling.NewFromConfig(cfg),
	}, nil
}

// Error is a failed call to AWS, explained for the user.
type Error struct {
	Op  string // what ecsgen was doing: "describe stack demo-dev-cluster"
	Err error
}

func (e *Error) Error() string { return "cannot " + e.Op + ": " + Explain(e.Err) }

func (e *Error) Unwrap() error { return e.Err }

func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return &Error{Op: fmt.Sprintf(format, args...), Err: err}
}

// Explain says in one line what went wrong and what to do about it, for the errors users meet:
// no credentials, expired credentials, access denied, throttling, an endpoint out of reach.
func Explain(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		code, msg := api.ErrorCode(), api.ErrorMessage()
		switch {
		case code == "AccessDenied" || code == "AccessDeniedException" || code == "UnauthorizedOperation":
			return "access denied (" + msg + ") — use credentials allowed to read CloudFormation, ECS, Elastic Load Balancing and Application Auto Scaling (for example the ReadOnlyAccess managed policy), or another --profile"
		case code == "ExpiredToken" || code == "ExpiredTokenException" || code == "RequestExpired":
			return "the credentials have expired (" + msg + ") — refresh them (for example `aws sso login`) and try again"
		case code == "InvalidClientTokenId" || code == "UnrecognizedClientException" || code == "SignatureDoesNotMatch":
			return "the credentials are not valid for this account (" + msg + ") — check AWS_ACCESS_KEY_ID, AWS_PROFILE or --profile"
		case code == "Throttling" || code == "ThrottlingException" || code == "TooManyRequestsException":
			return "AWS is throttling the requests even after retries (" + msg + ") — try again in a minute, or set AWS_MAX_ATTEMPTS higher"
		}
		return code + ": " + msg
	}
	text := err.Error()
	switch {
	case strings.Contains(text, "failed to retrieve credentials") || strings.Contains(text, "no EC2 IMDS role found") ||
		strings.Contains(text, "failed to refresh cached credentials"):
		return "no AWS credentials found — set AWS_PROFILE or pass --profile, run `aws configure` or `aws sso login`, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
	case strings.Contains(text, "failed to get shared config profile"):
		return "no such profile in ~/.aws/config or ~/.aws/credentials (" + lastLine(text) + ") — check the --profile or AWS_PROFILE name"
	case strings.Contains(text, "connection refused") || strings.Contains(text, "no such host") || strings.Contains(text, "i/o timeout"):
		return "cannot reach AWS (" + lastLine(text) + ") — check the network, the region and AWS_ENDPOINT_URL"
	}
	return lastLine(text)
}

// lastLine keeps the innermost part of an SDK error chain ("operation error …: https
// response error …: …"), which is the part that says what happened.
func lastLine(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}

// notFound reports whether err is AWS's answer for a resource that does not exist.
func notFound(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.ErrorCode() {
	case "ValidationError":
		return strings.Contains(api.ErrorMessage(), "does not exist")
	case "ClusterNotFoundException", "ServiceNotFoundException", "TargetGroupNotFound", "ObjectNotFoundException":
		return true
	}
	return false
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	return slices.Sorted(maps.Keys(m))
}
