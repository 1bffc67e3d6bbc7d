package main

import (
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/write"
)

func newBuildCmd() *cobra.Command {
	cmd, sf := newSpecCmd("build [flags] SPEC...",
		"Validate the spec and write the artifacts of each environment",
		`Validate the spec and write the artifacts of each environment to DIR/<env>/ (default
DIR: out): CloudFormation stacks, task definitions for the AWS CLI, userdata scripts, IAM
policies, deploy.sh (deploys the stacks in order with 'aws cloudformation deploy') and
README.md (a diagram, the services, the deploy commands). Files whose content is unchanged are
not rewritten. If the spec has any error, every problem is printed, one per line as
file:line:col: field.path: message, and nothing is written.

SPEC is CUE files, or a YAML or JSON file checked by the same schema.`, true)
	cmd.Example = `  ecsgen build spec.cue
  ecsgen build spec.cue -o out --env prod -t image_tag=1.4.3`
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		res, err := sf.load(args, cmd.ErrOrStderr())
		if err != nil {
			return err
		}
		st, err := write.Dir(sf.out, res.Files)
		if err != nil {
			return &internalError{err}
		}
		printBuild(cmd.OutOrStdout(), sf.out, res, st)
		return nil
	}
	return cmd
}

// printBuild says, per environment, what the build wrote and what to do next.
func printBuild(w io.Writer, out string, res *build.Result, st write.Stats) {
	for _, env := range res.Envs {
		written := 0
		for _, p := range st.Written {
			if strings.HasPrefix(p, env+"/") && path.Base(p) != write.ManifestName {
				written++
			}
		}
		total := 0
		for p := range res.Files {
			if strings.HasPrefix(p, env+"/") {
				total++
			}
		}
		removed := 0
		for _, p := range st.Removed {
			if strings.HasPrefix(p, env+"/") {
				removed++
			}
		}
		dir := filepath.Join(out, env)
		fmt.Fprintf(w, "ecsgen: %s: %d file%s written, %d unchanged", dir, written, plural(written), total-written)
		if removed > 0 {
			fmt.Fprintf(w, ", %d removed (no longer generated)", removed)
		}
		fmt.Fprintln(w)
		printChecklist(w, filepath.Join(dir, "checklist.md"), res.Files[env+"/checklist.md"])
		fmt.Fprintf(w, "deploy with: %s\n", filepath.Join(dir, "deploy.sh"))
	}
}

// printChecklist prints the items of an environment's pre-deploy checklist: what only the
// account can answer. The file beside deploy.sh has the commands that answer them.
func printChecklist(w io.Writer, file string, checklist []byte) {
	var items []string
	for _, line := range strings.Split(string(checklist), "\n") {
		if item, ok := strings.CutPrefix(line, "- [ ] "); ok {
			items = append(items, item)
		}
	}
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(w, "before the first deploy, check (commands in %s):\n", file)
	for _, it := range items {
		fmt.Fprintf(w, "  - %s\n", it)
	}
}
