package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

func newVetCmd() *cobra.Command {
	cmd, sf := newSpecCmd("vet [flags] SPEC...",
		"Validate the spec and run the rules; write nothing",
		`Validate the spec and run the rules; write nothing.

SPEC is CUE files, or a YAML or JSON file checked by the same schema.`, false)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		res, err := sf.load(args, cmd.ErrOrStderr())
		if err != nil {
			return err
		}
		n := len(res.Envs)
		fmt.Fprintf(cmd.OutOrStdout(), "ecsgen: %s: ok (%d environment%s: %s)\n", strings.Join(args, " "), n, plural(n), strings.Join(res.Envs, ", "))
		return nil
	}
	return cmd
}
