package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/internal/plan"
	"github.com/ecsgen/ecsgen/internal/write"
)

func newPlanCmd() *cobra.Command {
	cmd, sf := newSpecCmd("plan [flags] SPEC...",
		"Print what deploying the spec changes, compared with the previous output; write nothing",
		`Build in memory and print, per stack, what deploying it changes compared with the previous
output in DIR/<env>/ (the committed one): each resource to add, modify, replace or remove, and
the changes CloudFormation or ECS would refuse (blocked), with the reason and what to do.
Nothing is written; build prints the same plan as it writes.

Exit 0 when nothing is replaced, removed or blocked, 1 otherwise (for CI). With --format json
the plan is in the document's "plans"; with --format github every replaced, removed or
blocked resource is also an annotation on its stack's file.

SPEC is CUE files, or a YAML or JSON file checked by the same schema.`, true)
	cmd.Example = `  ecsgen plan spec.cue -o out
  ecsgen plan spec.cue -o out --env prod --format json`
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		res, r, err := sf.load(cmd, args)
		if err != nil {
			return err
		}
		var wo write.Options // the record of the last build lets the plan skip unchanged stacks
		if sf.cache != nil {
			wo.Records = sf.cache
		}
		plans, err := plan.Options{Unchanged: wo.Unchanged(sf.out)}.Environments(sf.out, res.Envs, res.Files)
		if unreadable := (*plan.PreviousError)(nil); errors.As(err, &unreadable) {
			// A committed file that does not parse (a merge conflict, a hand edit): the user's
			// to mend, and `ecsgen build` writes it again.
			return r.failure("ecsgen: " + err.Error() + " — run `ecsgen build` to write the output again, then plan")
		}
		if err != nil {
			return &internalError{err}
		}
		risky := false
		for _, p := range plans {
			dir := filepath.Join(sf.out, p.Env)
			r.json.Environments = append(r.json.Environments, envReport{Name: p.Env, Dir: dir})
			r.plan(p, dir)
			risky = risky || p.Risky()
		}
		if risky {
			return r.failure("ecsgen: the deploy would replace, remove or fail to update resources (see the plan)")
		}
		return r.done(true)
	}
	return cmd
}

// planReport is an environment's plan in a jsonReport.
type planReport struct {
	*plan.Plan
	Dir    string               `json:"dir"`
	Risky  bool                 `json:"risky"`
	Counts map[plan.Outcome]int `json:"counts"`
}

// plan prints an environment's plan: as text for people (on stdout, or stderr in the JSON
// format), in the JSON document, and with --format github as an annotation per risky change.
func (r *reporter) plan(p *plan.Plan, dir string) {
	if p.Stacks == nil {
		p.Stacks = []plan.Stack{}
	}
	r.json.Plans = append(r.json.Plans, planReport{Plan: p, Dir: dir, Risky: p.Risky(), Counts: p.Count()})
	var b strings.Builder
	p.Text(&b, dir)
	r.text("%s", b.String())
	if r.format != formatGitHub {
		return
	}
	for _, s := range p.Stacks {
		file := filepath.Join(dir, "stacks", s.Name+".json")
		if s.Status == plan.StackRemove {
			fmt.Fprintln(r.stdout, diag.WorkflowCommand("warning", []diag.Property{{Key: "title", Value: "ecsgen plan: remove"}},
				"stack "+s.Name+": "+strings.Join(s.Reasons, "; ")))
			continue
		}
		for _, c := range s.Changes {
			if !c.Outcome.Risky() {
				continue
			}
			level := "warning"
			if c.Outcome == plan.Blocked {
				level = "error"
			}
			fmt.Fprintln(r.stdout, diag.WorkflowCommand(level, []diag.Property{{Key: "file", Value: file}, {Key: "title", Value: "ecsgen plan: " + string(c.Outcome)}},
				fmt.Sprintf("%s (%s): %s", c.LogicalID, c.Type, strings.Join(append(c.Reasons, c.Hints...), "; "))))
		}
	}
}
