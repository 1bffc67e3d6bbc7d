package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"cuelang.org/go/mod/modfile"

	"github.com/ecsgen/ecsgen/schema"
	"github.com/ecsgen/ecsgen/schema/jsonschema"
	"github.com/spf13/cobra"
)

func newSchemaCmd() *cobra.Command {
	var format, cueModule string
	cmd := &cobra.Command{
		Use:   "schema [flags]",
		Short: "Print the JSON Schema of the spec or the spec reference, or write the CUE module",
		Long: `Print the JSON Schema of the spec (for editors: a YAML or JSON spec that names it gets
completion and checking), or the spec reference in Markdown.

With --cue-module DIR, write the schema as a CUE module to DIR instead (` + schema.ModulePath + `:
#Spec for a spec, #Environments for a spec with environments), so that a .cue spec can import
it and the cue command checks it (cue vet -c, cue export). The README's "CUE module" section
shows how a CUE module uses it without network access.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cueModule != "" {
				if cmd.Flags().Changed("format") {
					return fmt.Errorf("--cue-module writes the CUE module; it takes no --format")
				}
				return writeCUEModule(cmd, cueModule)
			}
			var out []byte
			var err error
			switch format {
			case "json":
				out, err = jsonschema.JSONSchema()
			case "markdown", "md":
				out, err = jsonschema.Reference()
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
	cmd.Flags().StringVar(&cueModule, "cue-module", "", "write the schema as the CUE module "+schema.ModulePath+" to `DIR`")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"json", "markdown"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.MarkFlagDirname("cue-module")
	return cmd
}

// writeCUEModule writes the schema's CUE module to dir: its files only, same bytes every run;
// other files in dir are left alone.
func writeCUEModule(cmd *cobra.Command, dir string) error {
	files := schema.ModuleFiles()
	// Never overwrite another module's module.cue (e.g. DIR given as the user's own module).
	modFile := filepath.Join(dir, "cue.mod", "module.cue")
	if old, err := os.ReadFile(modFile); err == nil {
		if f, err := modfile.ParseNonStrict(old, modFile); err != nil || f.QualifiedModule() != schema.ModulePath {
			return fmt.Errorf("%s is another CUE module (its cue.mod/module.cue names another module): write the schema to a directory of its own, e.g. --cue-module ecsgen-schema", dir)
		}
	}
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		name := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		if old, err := os.ReadFile(name); err == nil && string(old) == string(files[rel]) {
			continue
		}
		if err := os.WriteFile(name, files[rel], 0o644); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(cmd.OutOrStdout(), `ecsgen: wrote the CUE module %[1]s to %[2]s
To import it from a CUE module of yours (cue mod init creates one), add to its cue.mod/module.cue
	deps: %[3]q: v: "v0.0.0"
and to its cue.mod/local-module.cue (the path is relative to that module's root)
	deps: %[3]q: replaceWith: %[4]q
`, schema.ModulePath, dir, schema.ModulePath, replacePath(dir))
	return err
}

// replacePath is dir as cue.mod/local-module.cue's replaceWith wants it: absolute, or relative
// starting with ./ or ../.
func replacePath(dir string) string {
	d := filepath.ToSlash(filepath.Clean(dir))
	if filepath.IsAbs(dir) || d == ".." || strings.HasPrefix(d, "../") {
		return d
	}
	return "./" + d
}
