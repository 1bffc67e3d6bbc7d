package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/ecsgen/ecsgen/internal/deployed"
)

func newImportCmd() *cobra.Command {
	var o deployed.ImportOptions
	var af awsFlags
	var out string
	var force bool
	cmd := &cobra.Command{
		Use:   "import --cluster CLUSTER --service SERVICE [flags]",
		Short: "Write a spec from a service that already runs",
		Long: `Read a running ECS service — its task definition, its load balancer target groups and its
Application Auto Scaling — and write a spec that builds into an equivalent task definition and
service. The service's task and execution roles are kept as existing roles (taskRole.arn,
executionRole.arn). What a spec cannot express (the tasks' security groups, Service Connect
names, container settings such as links or privileged, other log drivers, step scaling) is
written as a comment where it belongs, never dropped silently, and counted on stderr.

The spec's system and env come from a service named {system}-{env}-{name}, or from --system
and --env. ecsgen creates its own cluster and load balancers: the spec describes the service
to deploy anew, next to the old one, not an adoption of the running resources.

Reads the account with the AWS SDK's standard credential chain; --profile and --region as in
the AWS CLI.

Exit status: 0 written, 2 usage or AWS error.`,
		Example: `  ecsgen import --cluster prod --service shop-prod-api -o spec.cue
  ecsgen import --cluster legacy --service api --system shop --env prod --vpc vpc-0abc > spec.cue`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out != "-" && !force {
				if _, err := os.Stat(out); err == nil {
					return fmt.Errorf("%s exists; pass --force to overwrite it", out)
				} else if !errors.Is(err, fs.ErrNotExist) {
					return &internalError{err}
				}
			}
			acct, err := af.connect(cmd.Context(), "")
			if err != nil {
				return err
			}
			im, err := acct.Import(cmd.Context(), o)
			if err != nil {
				return awsError(err)
			}
			if out == "-" {
				if _, err := cmd.OutOrStdout().Write(im.Spec); err != nil {
					return &internalError{err}
				}
			} else if err := os.WriteFile(out, im.Spec, 0o644); err != nil {
				return &internalError{err}
			}
			where := out
			if out == "-" {
				where = "the spec"
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "ecsgen: imported service %s as services.%s", o.Service, im.Key)
			if n := len(im.Unexpressed); n > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "; %d setting%s a spec cannot express, written as comments in %s:\n", n, plural(n), where)
				for _, u := range im.Unexpressed {
					fmt.Fprintf(cmd.ErrOrStderr(), "  %s\n", u)
				}
			} else {
				fmt.Fprintln(cmd.ErrOrStderr())
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Cluster, "cluster", "", "the `CLUSTER` the service runs in (name or ARN)")
	cmd.Flags().StringVar(&o.Service, "service", "", "the `SERVICE` to import (name or ARN)")
	cmd.Flags().StringVar(&o.System, "system", "", "the spec's `SYSTEM` (default: from a service named {system}-{env}-{name})")
	cmd.Flags().StringVar(&o.Env, "env", "", "the spec's `ENV` (default: from the service's name)")
	cmd.Flags().StringVar(&o.VPC, "vpc", "", "the `VPC` of the service's subnets, when no target group names it")
	cmd.Flags().StringVarP(&out, "out", "o", "-", "write the spec to `FILE` (default: standard output)")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing FILE")
	cmd.MarkFlagRequired("cluster")
	cmd.MarkFlagRequired("service")
	addAWSFlags(cmd, &af)
	return cmd
}
