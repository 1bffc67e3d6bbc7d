package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/ecsgen/ecsgen/generators"
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
		// Each service's stack is compared with the previous output as it is generated
		// (previousStacks is the build's sink), and only those that differ are kept for the
		// plan: plan holds the changed stacks, not the whole output. The record of the last
		// build vouches for unchanged stacks without reading them.
		var ps *previousStacks
		res, r, err := sf.loadWith(cmd, args, func([]string) (generators.Sink, error) {
			var wo write.Options
			if sf.cache != nil { // opened by the load
				wo.Records = sf.cache
			}
			ps = newPreviousStacks(sf.out, wo.Unchanged(sf.out))
			return ps, nil
		})
		if err != nil {
			if ps != nil && ps.failed() {
				return &internalError{err} // a previous stack that does not read
			}
			return err
		}
		o := plan.Options{Unchanged: ps.unchanged, Staged: ps, MayExport: res.MayExport}
		plans, err := o.Environments(sf.out, res.Envs, res.Files)
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

// previousStacks is plan's sink (generators.Sink) and the plan's plan.Staged: it takes each
// service's files as they are generated, and compares every stack template among them with
// the previous output on the goroutine that generated it — the record of the last build
// vouches for it, or the committed file is read. It keeps the bytes of the stacks that differ,
// for the plan to parse, and of the others only that they are the same; every other file
// goes. So the plan of 10 000 services does not hold their 218 MB of files.
type previousStacks struct {
	dir       string
	unchanged func(file string, data []byte) bool

	mu        sync.Mutex
	generated map[string][]string // env -> the files given ("<env>/…")
	same      map[string]bool     // the previous output holds these bytes
	held      map[string][]byte   // the stacks that differ from the previous output
	err       error
}

func newPreviousStacks(dir string, unchanged func(string, []byte) bool) *previousStacks {
	return &previousStacks{dir: dir, unchanged: unchanged, generated: map[string][]string{}, same: map[string]bool{}, held: map[string][]byte{}}
}

func (p *previousStacks) Add(file string, data []byte) error {
	env, _, _ := strings.Cut(file, "/")
	if !plan.IsTemplate(file) {
		p.mu.Lock()
		p.generated[env] = append(p.generated[env], file)
		p.mu.Unlock()
		return nil
	}
	same := p.unchanged(file, data)
	if !same {
		b, err := os.ReadFile(filepath.Join(p.dir, filepath.FromSlash(file)))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			p.mu.Lock()
			if p.err == nil {
				p.err = err
			}
			p.mu.Unlock()
			return err
		}
		same = err == nil && bytes.Equal(b, data)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.generated[env] = append(p.generated[env], file)
	if same {
		p.same[file] = true
	} else {
		p.held[file] = data
	}
	return nil
}

// failed reports whether reading the previous output failed (rather than the spec).
func (p *previousStacks) failed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err != nil
}

// Generated lists the files given of the environment env, in name order.
func (p *previousStacks) Generated(env string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Sorted(slices.Values(p.generated[env]))
}

// Same says whether the previous output holds exactly the bytes given for file.
func (p *previousStacks) Same(file string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.same[file]
}

// Read gives the bytes of a stack that differs from the previous output.
func (p *previousStacks) Read(file string) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, ok := p.held[file]
	if !ok {
		return nil, fmt.Errorf("internal error: %s was not generated as a stack that changed", file)
	}
	return b, nil
}
