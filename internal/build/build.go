// Package build runs the pipeline: load → check → generate. Writing is left to the caller
// (internal/write), so that `build`, `check` and tests share one path to the bytes.
package build

import (
	"errors"
	"fmt"

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
	// Files of every environment, under "<env>/…".
	Files    generators.Files
	Findings diag.List
}

// Files builds the spec in files. A non-nil error is an internal failure (a bug or an I/O
// problem), or an environment that the options name and the spec lacks; problems with the
// spec are Findings.
func Files(files []string, opts load.Options) (*Result, error) {
	loaded, findings, err := load.Files(files, opts)
	if err != nil {
		return nil, err
	}
	if loaded == nil {
		return &Result{Findings: findings}, nil
	}
	res := &Result{Spec: loaded.Spec, Specs: map[string]*schema.Spec{}}
	var perEnv []diag.EnvFindings
	for _, env := range loaded.Envs {
		res.Envs = append(res.Envs, env.Name)
		res.Specs[env.Name] = env.Spec
		perEnv = append(perEnv, diag.EnvFindings{Env: env.Name, Findings: check.Spec(env.Spec, env.Positions), InOverride: env.InOverride})
	}
	if loaded.Multi {
		res.Findings = diag.Combine(perEnv)
	} else {
		res.Findings = perEnv[0].Findings
	}
	if res.Findings.HasErrors() {
		return res, nil
	}
	res.Files = generators.Files{}
	for _, env := range loaded.Envs {
		out, err := generators.Generate(env.Spec)
		var limit *generators.LimitError
		if errors.As(err, &limit) {
			// A stack the spec makes too large is a problem with the spec.
			f := diag.Finding{Pos: env.Positions.Of(limit.Path), Path: limit.Path, Rule: limit.Rule, Message: limit.Message,
				Hint: "split the service's containers or settings, or move the large values (environment) into environment files or secrets"}
			if loaded.Multi {
				f.Message = "in environment " + env.Name + ": " + f.Message
			}
			res.Findings = append(res.Findings, f)
			res.Files = nil
			return res, nil
		}
		if err != nil {
			return nil, fmt.Errorf("environment %s: %w", env.Name, err)
		}
		for p, b := range out {
			res.Files[p] = b
		}
	}
	return res, nil
}
