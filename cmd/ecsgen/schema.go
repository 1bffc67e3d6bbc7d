package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ecsgen/ecsgen/internal/load"
)

func newSchemaCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "schema [flags]",
		Short: "Print the JSON Schema of the spec, or the spec reference",
		Long: `Print the JSON Schema of the spec (for editors: a YAML or JSON spec that names it gets
completion and checking), or the spec reference in Markdown.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var out []byte
			var err error
			switch format {
			case "json":
				out, err = load.JSONSchema()
			case "markdown", "md":
				out, err = load.Reference()
			default:
				return fmt.Errorf("unknown format %q: want json or markdown", format)
			}
			if err != nil {
				return &internalError{err}
			}
			_, err = cmd.OutOrStdout().Write(out)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "json", "`json` (the JSON Schema) or markdown (the spec reference)")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"json", "markdown"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
