package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ecsgen/ecsgen/internal/deployed"
)

func newDiffCmd() *cobra.Command {
	cmd, sf := newSpecCmd("diff [flags] SPEC...",
		"Show what a deploy would change in the account",
		`Build the spec in memory and compare each environment with what is deployed in the account:
per stack, CloudFormation's own change set against the deployed stack (created, read and
deleted again — nothing is executed), as resources added, modified, replaced or removed, or
"new stack"; per service, the running task definition against the generated one, both
normalised the way ECS returns them, so that an unchanged service shows no difference.

Reads the account with the AWS SDK's standard credential chain (environment, ~/.aws files,
SSO, instance or task role); --profile and --region as in the AWS CLI. Needs read access to
CloudFormation (and cloudformation:CreateChangeSet/DeleteChangeSet) and ECS.

SPEC is CUE files, or a YAML or JSON file checked by the same schema.

Exit status: 0 a deploy would change nothing, 1 it would change something, 2 the spec is
invalid, or a usage or AWS error.`, false)
	cmd.Example = `  ecsgen diff spec.cue --env prod --profile prod
  ecsgen diff spec.cue --format json`
	var af awsFlags
	addAWSFlags(cmd, &af)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		res, r, err := sf.load(cmd, args)
		var f *failed
		if errors.As(err, &f) {
			return &failed{exitUsage} // an invalid spec is not "changes"
		}
		if err != nil {
			return err
		}
		changed := false
		for _, env := range res.Envs {
			spec := res.Specs[env]
			acct, err := af.connect(cmd.Context(), spec.Region)
			if err != nil {
				return err
			}
			stacks, services, err := deployed.Environment(spec, res.Files)
			if err != nil {
				return &internalError{err}
			}
			report, err := acct.Diff(cmd.Context(), stacks, services)
			if err != nil {
				return awsError(err)
			}
			changed = changed || report.Changed()
			switch r.format {
			case formatJSON:
				r.json.Environments = append(r.json.Environments, envReport{Name: env, Deployed: report})
			default:
				if len(res.Envs) > 1 {
					fmt.Fprintf(r.stdout, "== %s (%s)\n", env, acct.Region)
				}
				report.WriteText(r.stdout, env)
			}
		}
		if err := r.done(!changed); err != nil {
			return err
		}
		if changed {
			return &failed{exitInvalid}
		}
		return nil
	}
	return cmd
}
