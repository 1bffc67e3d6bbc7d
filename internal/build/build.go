// Package build runs the pipeline: load → check → generate. Writing is left to the caller
// (internal/write), so that `build`, `check` and tests share one path to the bytes.
package build

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/check"
	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/schema"
)

// Result of a build: the files, or the findings that stopped it. Warnings come with files.
type Result struct {
	// Spec is the first environment's spec (a spec without environments has one).
	Spec *schema.Spec
	// Envs are the environments built, in the order the spec declares them.
	Envs []string
	// Specs are the environments' specs, with their overrides applied.
	Specs map[string]*schema.Spec
	// Files of every environment, under "<env>/…"; with Options.Begin, only those that are not
	// a service's (the sink took those).
	Files    generators.Files
	Findings diag.List
	// MayExport, with Options.Begin, is plan.MayExport of each stack template the sink took
	// ("<env>/stacks/…"), scanned while its bytes were held: for plan.Options.MayExport, with
	// the sink as plan.Options.Staged (a record of the bytes the sink was given, of no other).
	MayExport map[string]bool
}

// Options of a build.
type Options struct {
	Load load.Options
	// Begin, when set, is called once the spec is found valid, before anything is generated,
	// with the environments about to be built; the sink it returns takes every service's files
	// as soon as they are generated (generators.Options.Sink), so that they are not all held
	// at once. An error it returns, or the sink returns, is the build's error, as it is.
	Begin func(envs []string) (generators.Sink, error)
}

// Files builds the spec in files. A non-nil error is an internal failure (a bug or an I/O
// problem), or an environment that the options name and the spec lacks; problems with the
// spec are Findings.
func Files(files []string, opts load.Options) (*Result, error) {
	return Options{Load: opts}.Files(files)
}

// Files is the package function Files, with options.
func (o Options) Files(files []string) (*Result, error) {
	opts := o.Load
	opts.Partial = true
	loaded, findings, err := load.Files(files, opts)
	if err != nil {
		return nil, err
	}
	if loaded == nil {
		return &Result{Findings: findings}, nil
	}
	if loaded.Partial {
		// Schema errors stop the build, but not the rules: they judge the parts that are valid,
		// so that every problem is reported in one run.
		var perEnv []diag.EnvFindings
		for _, env := range loaded.Envs {
			perEnv = append(perEnv, diag.EnvFindings{Env: env.Name, Findings: check.Spec(env.Spec, env.Positions), InOverride: env.InOverride})
		}
		rules := perEnv[0].Findings
		if loaded.Multi {
			rules = append(diag.Combine(perEnv), check.Environments(checkEnvs(loaded.Envs))...)
		}
		all := append(findings, independent(rules, findings)...)
		return &Result{Findings: all.Dedup()}, nil
	}
	res := &Result{Spec: loaded.Spec, Specs: map[string]*schema.Spec{}}
	var perEnv []diag.EnvFindings
	for _, env := range loaded.Envs {
		res.Envs = append(res.Envs, env.Name)
		res.Specs[env.Name] = env.Spec
		perEnv = append(perEnv, diag.EnvFindings{Env: env.Name, Findings: check.Spec(env.Spec, env.Positions), InOverride: env.InOverride})
	}
	if loaded.Multi {
		res.Findings = append(diag.Combine(perEnv), check.Environments(checkEnvs(loaded.Envs))...)
	} else {
		res.Findings = perEnv[0].Findings
	}
	if res.Findings.HasErrors() {
		return res, nil
	}
	// Generation reads the model only. The positions are as large as the model, and a finding
	// generation makes names the part of the spec a stack comes from ("network", "cluster",
	// "services.<name>"): keep the positions of such parts and let the rest go.
	loaded.Positions = nil
	for i := range loaded.Envs {
		loaded.Envs[i].Positions = partPositions(loaded.Envs[i].Positions)
	}
	res.Files = generators.Files{}
	var sink *firstError
	var scan *exportScan
	if o.Begin != nil {
		s, err := o.Begin(res.Envs)
		if err != nil {
			return nil, err
		}
		scan = newExportScan(s)
		sink = &firstError{sink: scan}
	}
	for _, env := range loaded.Envs {
		gen := generators.Options{Memo: opts.Memo}
		if sink != nil {
			gen.Sink = sink
		}
		out, err := gen.Generate(env.Spec)
		var limit *generators.LimitError
		if errors.As(err, &limit) {
			// A stack the spec makes too large is a problem with the spec.
			f := diag.Finding{Pos: env.Positions.Of(limit.Path), Path: limit.Path, Rule: limit.Rule, Message: limit.Message, Hint: limit.Hint}
			if loaded.Multi {
				f.Message = "in environment " + env.Name + ": " + f.Message
			}
			res.Findings = append(res.Findings, f)
			res.Files = nil
			return res, nil
		}
		if err != nil {
			if err := sink.first(); err != nil {
				return nil, err // the sink's own error (a full disk), as it says it
			}
			return nil, fmt.Errorf("environment %s: %w", env.Name, err)
		}
		for p, b := range out {
			res.Files[p] = b
		}
	}
	if scan != nil {
		res.MayExport = scan.record()
	}
	return res, nil
}

// firstError is a sink that keeps the first error its sink returned.
type firstError struct {
	sink generators.Sink
	mu   sync.Mutex
	err  error
}

func (f *firstError) Add(path string, data []byte) error {
	err := f.sink.Add(path, data)
	if err != nil {
		f.mu.Lock()
		if f.err == nil {
			f.err = err
		}
		f.mu.Unlock()
	}
	return err
}

func (f *firstError) first() error {
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// partPositions are the positions of the paths of at most two selectors ("cluster",
// "services.web"): for such a path, and its ancestors, Of gives what it gives with all of
// positions; for a deeper path, the position of its part of the spec. Positions not read yet
// (diag.Lazy) are not read: what a part of the spec needs is known without them.
func partPositions(positions diag.Locator) diag.Locator {
	switch p := positions.(type) {
	case diag.Positions:
		return diag.ShallowPositions(p)
	case *diag.Lazy:
		return p.Shallow()
	}
	return positions
}

// checkEnvs are the loaded environments as the cross-environment rules see them.
func checkEnvs(envs []load.Env) []check.Env {
	out := make([]check.Env, len(envs))
	for i, e := range envs {
		out[i] = check.Env{Name: e.Name, Spec: e.Spec, Positions: e.Positions, InOverride: e.InOverride}
	}
	return out
}

// independent keeps the rule findings about parts of the spec that have no schema error: a
// service, capacity or load balancer with a wrong value is decoded with zero values in its
// place, which the rules must not judge. Waivers are judged only on a valid spec, since the
// findings they accept may be among those left out.
func independent(rules, schemaErrors diag.List) diag.List {
	var out diag.List
	for _, f := range rules {
		if strings.HasPrefix(f.Path, "waivers") && !strings.HasSuffix(f.Path, ".rule") {
			continue // the path may name a part that did not decode; the finding may be left out
		}
		unit := unitOf(f.Path)
		broken := false
		for _, e := range schemaErrors {
			if e.Path == "" || unitOf(e.Path) == unit || isWithin(unit, e.Path) {
				broken = true
				break
			}
		}
		if !broken {
			out = append(out, f)
		}
	}
	return out
}

// unitOf is the part of the spec a path belongs to: one service, capacity, load balancer or
// top-level field, without the environments.<env> prefix of an override.
func unitOf(path string) string {
	if rest, ok := strings.CutPrefix(path, "environments."); ok {
		if _, after, ok := strings.Cut(rest, "."); ok {
			path = after
		}
	}
	labels := strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == '[' })
	n := 1
	switch {
	case len(labels) >= 4 && labels[0] == "cluster" && labels[1] == "capacity":
		n = 4
	case len(labels) >= 2 && (labels[0] == "services" || labels[0] == "loadBalancers"):
		n = 2
	}
	return strings.Join(labels[:min(n, len(labels))], ".")
}

// isWithin reports whether path lies at or under ancestor.
func isWithin(path, ancestor string) bool {
	if rest, ok := strings.CutPrefix(ancestor, "environments."); ok {
		if _, after, ok := strings.Cut(rest, "."); ok {
			ancestor = after
		}
	}
	return path == ancestor || strings.HasPrefix(path, ancestor+".") || strings.HasPrefix(path, ancestor+"[")
}
