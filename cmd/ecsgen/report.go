package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"

	"github.com/ecsgen/ecsgen/internal/deployed"
	"github.com/ecsgen/ecsgen/internal/diag"
)

// The output formats of the verbs that read a spec (--format).
const (
	formatText   formatFlag = "text"   // findings one per line on stderr, results on stdout, for people
	formatJSON              = "json"   // one JSON document on stdout (jsonReport), for programs
	formatGitHub            = "github" // findings as GitHub Actions workflow commands on stdout, for CI
)

var formats = []string{string(formatText), string(formatJSON), string(formatGitHub)}

// formatFlag is --format: one of formats, checked as the command line is parsed.
type formatFlag string

func (f *formatFlag) String() string { return string(*f) }
func (f *formatFlag) Type() string   { return "FORMAT" }
func (f *formatFlag) Set(v string) error {
	if !slices.Contains(formats, v) {
		return fmt.Errorf("want text, json or github")
	}
	*f = formatFlag(v)
	return nil
}

// addFormatFlag adds --format to cmd.
func addFormatFlag(cmd *cobra.Command, format *formatFlag) {
	*format = formatText
	cmd.Flags().Var(format, "format",
		"how to print findings: `text` (one per line), json (one document on stdout) or github (GitHub Actions annotations)")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp))
}

// jsonReport is what --format json prints: one document on stdout, whether the command
// succeeded (exit 0) or the spec is invalid or differs (exit 1). A usage or internal error
// (exit 2) prints no document, only its message on stderr.
type jsonReport struct {
	// OK is true when the command succeeded: no error in the spec, and for check no difference.
	OK bool `json:"ok"`
	// Findings are every problem (severity "error") and warning, in file order.
	Findings []diag.Record `json:"findings"`
	// Environments are those built (build, check) or checked (vet), in the spec's order; empty
	// when the spec is invalid.
	Environments []envReport `json:"environments"`
	// Differences are check's files that differ from what the spec produces.
	Differences []diffReport `json:"differences,omitempty"`
	// Plans say, per environment, what deploying the build changes (build, plan).
	Plans []planReport `json:"plans,omitempty"`
}

// envReport is one environment of a jsonReport.
type envReport struct {
	Name string `json:"name"`
	// Dir is the environment's output directory (build, check).
	Dir string `json:"dir,omitempty"`
	// Files counts what build did in Dir.
	Files *fileCounts `json:"files,omitempty"`
	// Checklist is what to check in the account before the first deploy (build).
	Checklist []string `json:"checklist,omitempty"`
	// Deploy is the script that deploys the environment (build).
	Deploy string `json:"deploy,omitempty"`
	// Deployed is what a deploy would change in the account (diff).
	Deployed *deployed.Report `json:"deployed,omitempty"`
}

type fileCounts struct {
	Written   int `json:"written"`
	Unchanged int `json:"unchanged"`
	Removed   int `json:"removed"`
}

// diffReport is one file that check found different.
type diffReport struct {
	File string `json:"file"` // the committed file's path, under the output directory
	Diff string `json:"diff"` // a unified diff, or a note when the file is missing or extra
}

// reporter prints a spec verb's findings and results in the chosen format.
type reporter struct {
	format         formatFlag
	stdout, stderr io.Writer
	json           jsonReport
}

func newReporter(format formatFlag, stdout, stderr io.Writer) *reporter {
	return &reporter{format: format, stdout: stdout, stderr: stderr,
		json: jsonReport{Findings: []diag.Record{}, Environments: []envReport{}}}
}

// findings prints the findings of a run (errors and warnings).
func (r *reporter) findings(l diag.List) {
	switch r.format {
	case formatJSON:
		r.json.Findings = append(r.json.Findings, l.Records()...)
	case formatGitHub:
		for _, f := range l {
			fmt.Fprintln(r.stdout, f.GitHub())
		}
	default:
		st := newStyle(r.stderr)
		for _, f := range l {
			fmt.Fprintln(r.stderr, st.finding(f))
		}
	}
}

// text prints a line of results for people: on stdout, or on stderr in the JSON format.
func (r *reporter) text(format string, args ...any) {
	w := r.stdout
	if r.format == formatJSON {
		w = r.stderr
	}
	fmt.Fprintf(w, format, args...)
}

// failure says why the command failed, and then what to do, on stderr, and ends it with exit
// status 1; in the JSON format it prints the document too.
func (r *reporter) failure(line string, more ...string) error {
	fmt.Fprintln(r.stderr, newStyle(r.stderr).failure(line))
	for _, m := range more {
		fmt.Fprintln(r.stderr, m)
	}
	if err := r.done(false); err != nil {
		return err
	}
	return &failed{exitInvalid}
}

// done ends a command: in the JSON format, it prints the document.
func (r *reporter) done(ok bool) error {
	if r.format != formatJSON {
		return nil
	}
	r.json.OK = ok
	enc := json.NewEncoder(r.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.json); err != nil {
		return &internalError{err}
	}
	return nil
}
