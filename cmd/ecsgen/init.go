package main

import (
	"embed"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Starter specs for `ecsgen init`, one per scenario. Each must build without a finding
// (TestStartersBuild).
//
//go:embed starters/*.cue
var starters embed.FS

// scenarios are the starters, in the order the help lists them; the first is the default.
var scenarios = []struct{ name, about string }{
	{"ec2", "an EC2 cluster with one Auto Scaling group and a web service behind a load balancer"},
	{"fargate", "a Fargate service in private subnets"},
	{"multi-env", "dev, stg and prod from one spec, with per-environment instance types"},
}

func scenarioNames() []string {
	var names []string
	for _, s := range scenarios {
		names = append(names, s.name)
	}
	return names
}

func newInitCmd() *cobra.Command {
	var scenario, out string
	var list strings.Builder
	for _, s := range scenarios {
		fmt.Fprintf(&list, "\n  %-10s %s", s.name, s.about)
	}
	cmd := &cobra.Command{
		Use:   "init [flags]",
		Short: "Write a starter spec",
		Long: `Write a starter spec (default FILE: spec.cue; an existing file is kept). It builds and
deploys as it is: it creates its own VPC (network: create), so it names no id of your account.
Its comments show how to use an existing VPC instead.

Scenarios:` + list.String(),
		Example: `  ecsgen init --scenario fargate -o spec.cue`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var about string
			for _, s := range scenarios {
				if s.name == scenario {
					about = s.about
				}
			}
			if about == "" {
				return fmt.Errorf("unknown scenario %q; choose one of: %s", scenario, strings.Join(scenarioNames(), ", "))
			}
			if !strings.HasSuffix(out, ".cue") {
				return fmt.Errorf("%s: the starter is CUE; name the file *.cue", out)
			}
			data, err := starters.ReadFile("starters/" + scenario + ".cue")
			if err != nil {
				return &internalError{err}
			}
			f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s already exists; not overwriting it (choose another file with -o)", out)
			}
			if err != nil {
				return &internalError{err}
			}
			_, werr := f.Write(data)
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				return &internalError{werr}
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "ecsgen: wrote %s: %s\n", out, about)
			fmt.Fprintf(w, "next: ecsgen build %s -o out && out/<env>/deploy.sh (it creates its own VPC; %s says how to use an existing one)\n", out, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&scenario, "scenario", scenarios[0].name, "the starter `NAME`: "+strings.Join(scenarioNames(), ", "))
	cmd.Flags().StringVarP(&out, "out", "o", "spec.cue", "the spec `FILE` to write")
	cmd.RegisterFlagCompletionFunc("scenario", cobra.FixedCompletions(scenarioNames(), cobra.ShellCompDirectiveNoFileComp))
	cmd.MarkFlagFilename("out", "cue")
	return cmd
}
