package main

import (
	"strings"

	"github.com/spf13/cobra"
)

func newVetCmd() *cobra.Command {
	cmd, sf := newSpecCmd("vet [flags] SPEC...",
		"Validate the spec and run the rules; write nothing",
		`Validate the spec and run the rules; write nothing.

SPEC is CUE files, or a YAML or JSON file checked by the same schema.`, false)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		res, r, err := sf.load(cmd, args)
		if err != nil {
			return err
		}
		for _, env := range res.Envs {
			r.json.Environments = append(r.json.Environments, envReport{Name: env})
		}
		n := len(res.Envs)
		r.text("ecsgen: %s: ok (%d environment%s: %s)\n", strings.Join(args, " "), n, plural(n), strings.Join(res.Envs, ", "))
		return r.done(true)
	}
	return cmd
}
