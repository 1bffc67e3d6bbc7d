package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/ecsgen/ecsgen/internal/deployed"
)

// awsFlags are the flags of the verbs that read the account (diff, import): the AWS CLI's own
// --profile and --region, with the SDK's standard credential chain behind them.
type awsFlags struct {
	profile, region string
}

func addAWSFlags(cmd *cobra.Command, f *awsFlags) {
	cmd.Flags().StringVar(&f.profile, "profile", "", "use the named `PROFILE` of ~/.aws/config (default: AWS_PROFILE, or the default chain)")
	cmd.Flags().StringVar(&f.region, "region", "", "AWS `REGION` (default: the spec's region; for import: AWS_REGION or the profile's)")
	cmd.RegisterFlagCompletionFunc("profile", cobra.NoFileCompletions)
	cmd.RegisterFlagCompletionFunc("region", cobra.NoFileCompletions)
}

func (f awsFlags) connect(ctx context.Context, defaultRegion string) (*deployed.Account, error) {
	a, err := deployed.Connect(ctx, deployed.Options{Profile: f.profile, Region: f.region}, defaultRegion)
	if err != nil {
		return nil, awsError(err)
	}
	return a, nil
}

// awsError makes a failure to talk to AWS end the command with exit status 2 and its one-line
// explanation (no pointer to --help: the command line was right).
func awsError(err error) error {
	var ae *deployed.Error
	if errors.As(err, &ae) {
		return &internalError{ae}
	}
	return &internalError{err}
}
