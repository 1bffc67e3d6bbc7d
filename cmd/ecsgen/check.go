package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/internal/textdiff"
	"github.com/ecsgen/ecsgen/internal/write"
)

func newCheckCmd() *cobra.Command {
	cmd, sf := newSpecCmd("check [flags] SPEC...",
		"Compare what the spec produces with the committed output (for CI)",
		`Build in memory and compare with what is committed in DIR/<env>/: exit 0 when they are
equal, 1 with a unified diff when they differ (for CI: it catches a spec changed without
committing the regenerated output, or output edited by hand).

SPEC is CUE files, or a YAML or JSON file checked by the same schema.`, true)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		res, r, err := sf.load(cmd, args)
		if err != nil {
			return err
		}
		diffs, err := compare(sf.out, res, len(sf.envs) == 0, notifier(cmd.ErrOrStderr()))
		if err != nil {
			return &internalError{err}
		}
		for _, env := range res.Envs {
			r.json.Environments = append(r.json.Environments, envReport{Name: env, Dir: filepath.Join(sf.out, env)})
		}
		if len(diffs) == 0 {
			r.text("ecsgen: %s: up to date (%d environment%s, %d files)\n", sf.out, len(res.Envs), plural(len(res.Envs)), len(res.Files))
			return r.done(true)
		}
		rebuild := fmt.Sprintf("ecsgen build -o %s %s", sf.out, strings.Join(args, " "))
		var names []string
		for _, d := range diffs {
			names = append(names, d.path)
			file := filepath.Join(sf.out, filepath.FromSlash(d.path))
			r.json.Differences = append(r.json.Differences, diffReport{File: file, Diff: d.text})
			switch r.format {
			case formatText:
				printDiff(r.stdout, d.text)
			case formatGitHub:
				fmt.Fprintln(r.stdout, diag.WorkflowCommand("error", []diag.Property{{Key: "file", Value: file}, {Key: "title", Value: "ecsgen check"}},
					"differs from what the spec produces; run `"+rebuild+"` and commit the result"))
				printDiff(r.stdout, d.text)
			}
		}
		return r.failure(fmt.Sprintf("ecsgen: %d file%s in %s differ from what the spec produces: %s", len(diffs), plural(len(diffs)), sf.out, strings.Join(names, ", ")),
			"ecsgen: run `"+rebuild+"` and commit the result")
	}
	return cmd
}

// printDiff prints a unified diff, coloured on a terminal.
func printDiff(w io.Writer, diff string) {
	st := newStyle(w)
	for _, line := range strings.SplitAfter(diff, "\n") {
		if text, ok := strings.CutSuffix(line, "\n"); ok {
			fmt.Fprintln(w, st.diffLine(text))
		} else if line != "" {
			fmt.Fprint(w, st.diffLine(line))
		}
	}
}

// fileDiff is one file that differs between the committed output and the build.
type fileDiff struct {
	path string // relative to the output directory, slash-separated
	text string // unified diff, or a note
}

// compare checks the committed output under dir against the build: every generated file must
// be there with the same bytes, and each environment's directory must hold nothing else. With
// all set (no --env), an environment directory that the spec no longer declares is a
// difference too.
//
// Each environment's directory is read under a shared lock: a build into it waits, so the
// comparison sees one generation of it (notify says when check waits for a build).
func compare(dir string, res *build.Result, all bool, notify func(string)) ([]fileDiff, error) {
	onDisk := map[string]bool{}
	for _, env := range res.Envs {
		root := filepath.Join(dir, env)
		release, err := write.LockForReading(root, notify)
		if err != nil {
			return nil, err
		}
		defer release()
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			if d.Name() == write.ManifestName {
				return nil // what ecsgen wrote there, not part of the build
			}
			onDisk[filepath.ToSlash(rel)] = true
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	var diffs []fileDiff
	committed := func(rel string) string { return path.Join("committed", rel) }
	generated := func(rel string) string { return path.Join("generated", rel) }
	for _, rel := range slices.Sorted(maps.Keys(res.Files)) {
		want := res.Files[rel]
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			diffs = append(diffs, fileDiff{rel, textdiff.Unified("/dev/null", generated(rel), nil, want)})
		case err != nil:
			return nil, err
		case !bytes.Equal(got, want):
			diffs = append(diffs, fileDiff{rel, textdiff.Unified(committed(rel), generated(rel), got, want)})
		}
	}
	for _, rel := range slices.Sorted(maps.Keys(onDisk)) {
		if _, ok := res.Files[rel]; !ok {
			diffs = append(diffs, fileDiff{rel, fmt.Sprintf("--- %s\n+++ /dev/null\n(committed, but no longer generated)\n", committed(rel))})
		}
	}
	if all {
		entries, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		for _, e := range entries {
			if write.IsLeftover(e.Name()) {
				rel := e.Name() + "/"
				diffs = append(diffs, fileDiff{rel, fmt.Sprintf("--- %s\n+++ /dev/null\n(left by an interrupted ecsgen build; the next build removes it)\n", committed(rel))})
				continue
			}
			if !e.IsDir() || slices.Contains(res.Envs, e.Name()) {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, e.Name(), "deploy-plan.json")); err == nil {
				rel := e.Name() + "/"
				diffs = append(diffs, fileDiff{rel, fmt.Sprintf("--- %s\n+++ /dev/null\n(the output of environment %q, which the spec no longer declares)\n", committed(rel), strings.TrimSuffix(rel, "/"))})
			}
		}
	}
	return diffs, nil
}
