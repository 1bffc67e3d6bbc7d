// Package build runs the pipeline: load → check → generate. Writing is left to the caller
// (internal/write), so that `build`, `check` and tests share one path to the bytes.
package build

import (
	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/check"
	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/schema"
)

// Result of a build: the files, or the findings that stopped it. Warnings come with files.
type Result struct {
	Spec     *schema.Spec
	Files    generators.Files
	Findings diag.List
}

// Files builds the spec in files. A non-nil error is an internal failure (a bug or an I/O
// problem), not a problem with the spec: those are Findings.
func Files(files []string, opts load.Options) (*Result, error) {
	loaded, findings, err := load.Files(files, opts)
	if err != nil {
		return nil, err
	}
	if loaded == nil {
		return &Result{Findings: findings}, nil
	}
	findings = check.Spec(loaded.Spec, loaded.Positions)
	if findings.HasErrors() {
		return &Result{Spec: loaded.Spec, Findings: findings}, nil
	}
	out, err := generators.Generate(loaded.Spec)
	if err != nil {
		return nil, err
	}
	return &Result{Spec: loaded.Spec, Files: out, Findings: findings}, nil
}
