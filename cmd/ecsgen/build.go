package main

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/plan"
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
		// The output directory of each environment is locked before anything is generated, and
		// each service's files go into the new generation as they are made (internal/write's
		// Build), so that a build holds the files of the services in flight, not of the spec.
		// The cache also keeps a record of each generation written, so that neither the
		// comparison nor the plan reads the files the record vouches for.
		wo := write.Options{Notify: notifier(cmd.ErrOrStderr())}
		var wb *write.Build
		var beginErr error
		stopWatching := func() {}
		begin := func(envs []string) (generators.Sink, error) {
			if sf.cache != nil { // opened by the load
				wo.Records = sf.cache
			}
			wb, beginErr = wo.Begin(sf.out, envs)
			if beginErr == nil {
				stopWatching = abortOnSignal(wb)
			}
			return wb, beginErr
		}
		defer func() { stopWatching() }()
		res, r, err := sf.loadWith(cmd, args, begin)
		if err != nil {
			if wb != nil {
				wb.Abort() // findings in generation, or an error: the output stays as it was
				if werr := wb.Err(); werr != nil {
					return &internalError{werr}
				}
			}
			if beginErr != nil {
				return &internalError{beginErr}
			}
			return err
		}
		defer wb.Abort() // after Commit, only what is left: nothing
		if err := wb.AddAll(res.Files); err != nil {
			return &internalError{err}
		}
		// The plan compares with the previous output, before the new generation replaces it.
		// What is left to do reads the files only: the model goes (as large as the files on a
		// large spec). A first build of an environment has nothing to compare with: no plan.
		res.Spec, res.Specs = nil, nil
		// The plan takes what the build's sink scanned of each template it staged into wb
		// (res.MayExport): it does not read an unchanged stack again to scan it for exports.
		same := func(file string, _ []byte) bool { return wb.Same(file) } // compared by the build
		o := plan.Options{Unchanged: same, PreviousOnly: true, Staged: wb, MayExport: res.MayExport, SkipUnreadable: true}
		plans, err := o.Environments(sf.out, res.Envs, res.Files)
		if err != nil {
			return &internalError{err}
		}
		st, err := wb.Commit()
		if err != nil {
			return &internalError{err}
		}
		reportBuild(r, sf.out, res, st, plans)
		return r.done(true)
	}
	return cmd
}

// reportBuild says, per environment, what the build wrote and what to do next.
// Environments built before get the plan of what deploying the new output changes.
func reportBuild(r *reporter, out string, res *build.Result, st write.Stats, plans []*plan.Plan) {
	for i, env := range res.Envs {
		var n fileCounts
		for _, p := range st.Written {
			if strings.HasPrefix(p, env+"/") && path.Base(p) != write.ManifestName {
				n.Written++
			}
		}
		n.Unchanged = st.UnchangedIn[env]
		for _, p := range st.Removed {
			if strings.HasPrefix(p, env+"/") {
				n.Removed++
			}
		}
		dir := filepath.Join(out, env)
		e := envReport{Name: env, Dir: dir, Files: &n, Checklist: checklist(res.Files[env+"/checklist.md"]), Deploy: filepath.Join(dir, "deploy.sh")}
		r.json.Environments = append(r.json.Environments, e)

		r.text("ecsgen: %s: %d file%s written, %d unchanged", dir, n.Written, plural(n.Written), n.Unchanged)
		if n.Removed > 0 {
			r.text(", %d removed (no longer generated)", n.Removed)
		}
		r.text("\n")
		switch p := plans[i]; {
		case p != nil && p.Unreadable != "":
			// A committed file of the previous output that does not parse (a merge conflict,
			// a hand edit) is replaced by this build; only the comparison is lost.
			p.Stacks = []plan.Stack{}
			r.json.Plans = append(r.json.Plans, planReport{Plan: p, Dir: dir, Counts: p.Count()})
			r.text("plan %s: not compared: the previous output does not read (%s); the new output replaces it — `ecsgen diff` compares it with the account\n", dir, p.Unreadable)
		case p != nil && p.Previous:
			r.plan(p, dir)
		}
		if len(e.Checklist) > 0 {
			// The file beside deploy.sh has the commands that answer them. A short summary: a
			// large spec has thousands of items, and a rebuild that changed nothing repeats
			// none of them.
			list := filepath.Join(dir, "checklist.md")
			switch {
			case n.Written == 0 && n.Removed == 0:
				r.text("before the first deploy, check the %d item%s of %s (unchanged)\n", len(e.Checklist), plural(len(e.Checklist)), list)
			case len(e.Checklist) <= checklistShown:
				r.text("before the first deploy, check (commands in %s):\n", list)
				for _, it := range e.Checklist {
					r.text("  - %s\n", it)
				}
			default:
				r.text("before the first deploy, check the %d items of %s, with a command each, e.g.:\n", len(e.Checklist), list)
				for _, it := range e.Checklist[:checklistShown] {
					r.text("  - %s\n", it)
				}
				r.text("  … and %d more\n", len(e.Checklist)-checklistShown)
			}
		}
		r.text("deploy with: %s\n", e.Deploy)
	}
}

// checklistShown is how many items of the pre-deploy checklist a build prints at most.
const checklistShown = 5

// checklist returns the items of an environment's pre-deploy checklist: what only the
// account can answer.
func checklist(md []byte) []string {
	var items []string
	for _, line := range strings.Split(string(md), "\n") {
		if item, ok := strings.CutPrefix(line, "- [ ] "); ok {
			items = append(items, item)
		}
	}
	return items
}
