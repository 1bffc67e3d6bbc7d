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
	"sync"

	"github.com/spf13/cobra"

	"github.com/ecsgen/ecsgen/generators"
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
		// Each service's files are compared with the committed ones as they are generated
		// (committedOutput is the build's sink), so that check holds the files of the services
		// in flight, as build does, not the whole output: 10 000 services' 218 MB of files
		// never sit in memory at once.
		c := &committedOutput{dir: sf.out, all: len(sf.envs) == 0, generated: map[string]bool{}}
		defer c.release()
		res, r, err := sf.loadWith(cmd, args, func(envs []string) (generators.Sink, error) {
			return c, c.lock(envs, notifier(cmd.ErrOrStderr()))
		})
		if err != nil {
			if c.failed() {
				return &internalError{err} // a committed file that does not read, a lock refused
			}
			return err
		}
		diffs, err := c.finish(res)
		if err != nil {
			return &internalError{err}
		}
		for _, env := range res.Envs {
			r.json.Environments = append(r.json.Environments, envReport{Name: env, Dir: filepath.Join(sf.out, env)})
		}
		if len(diffs) == 0 {
			r.text("ecsgen: %s: up to date (%d environment%s, %d files)\n", sf.out, len(res.Envs), plural(len(res.Envs)), len(c.generated))
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
		if len(names) > namesShown {
			// A change such as the region touches every file of a large spec: the line names
			// a few, the diffs above show them all.
			names = append(names[:namesShown], fmt.Sprintf("… and %d more", len(diffs)-namesShown))
		}
		return r.failure(fmt.Sprintf("ecsgen: %d file%s in %s differ from what the spec produces: %s", len(diffs), plural(len(diffs)), sf.out, strings.Join(names, ", ")),
			"ecsgen: run `"+rebuild+"` and commit the result")
	}
	return cmd
}

// namesShown is how many of the differing files the last line of a failed check names.
const namesShown = 10

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

// committedOutput compares the build with the committed output under dir: every generated file
// must be there with the same bytes, and each environment's directory must hold nothing else.
// With all set (no --env), an environment directory that the spec no longer declares is a
// difference too.
//
// It is the build's sink (generators.Sink): Add compares each service's file as soon as it is
// generated, on the goroutine that generated it, and keeps its path and, when it differs, its
// diff; finish compares the environment's own files (README.md, deploy.sh, …) and looks for
// committed files the build no longer produces.
//
// Each environment's directory is read under a shared lock, taken before anything is
// generated: a build into it waits, so the comparison sees one generation of it (notify says
// when check waits for a build).
type committedOutput struct {
	dir      string
	all      bool
	releases []func()

	mu        sync.Mutex
	generated map[string]bool // every file given, relative to dir, slash-separated
	diffs     []fileDiff
	err       error // the first error of lock or Add
}

// lock takes the shared lock of each environment's directory.
func (c *committedOutput) lock(envs []string, notify func(string)) error {
	for _, env := range envs {
		release, err := write.LockForReading(filepath.Join(c.dir, env), notify)
		if err != nil {
			c.fail(err)
			return err
		}
		c.releases = append(c.releases, release)
	}
	return nil
}

func (c *committedOutput) release() {
	for _, release := range c.releases {
		release()
	}
}

func (c *committedOutput) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
	}
}

// failed reports whether the comparison itself failed (rather than the spec).
func (c *committedOutput) failed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err != nil
}

// Add compares the generated file rel ("<env>/…") with the committed one.
func (c *committedOutput) Add(rel string, want []byte) error {
	d, err := c.compareFile(rel, want)
	if err != nil {
		c.fail(err)
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generated[rel] = true
	if d != nil {
		c.diffs = append(c.diffs, *d)
	}
	return nil
}

// compareFile returns the difference of the committed file rel from want, or nil.
func (c *committedOutput) compareFile(rel string, want []byte) (*fileDiff, error) {
	got, err := os.ReadFile(filepath.Join(c.dir, filepath.FromSlash(rel)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &fileDiff{rel, textdiff.Unified("/dev/null", path.Join("generated", rel), nil, want)}, nil
	case err != nil:
		return nil, err
	case !bytes.Equal(got, want):
		return &fileDiff{rel, textdiff.Unified(path.Join("committed", rel), path.Join("generated", rel), got, want)}, nil
	}
	return nil, nil
}

// finish compares the files of the build that its sink did not take (each environment's own:
// a few large ones, each on a goroutine of its own), then lists what the committed output
// holds beyond the build, and returns every difference in path order.
func (c *committedOutput) finish(res *build.Result) ([]fileDiff, error) {
	rels := slices.Sorted(maps.Keys(res.Files))
	errs := make([]error, len(rels))
	var wg sync.WaitGroup
	for i, rel := range rels {
		wg.Go(func() { errs[i] = c.Add(rel, res.Files[rel]) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // the first, in name order
		}
	}
	committed := func(rel string) string { return path.Join("committed", rel) }
	for _, env := range res.Envs {
		root := filepath.Join(c.dir, env)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if d.Name() == write.ManifestName {
				return nil // what ecsgen wrote there, not part of the build
			}
			r, err := filepath.Rel(c.dir, p)
			if err != nil {
				return err
			}
			if rel := filepath.ToSlash(r); !c.generated[rel] {
				c.diffs = append(c.diffs, fileDiff{rel, fmt.Sprintf("--- %s\n+++ /dev/null\n(committed, but no longer generated)\n", committed(rel))})
			}
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if c.all {
		entries, err := os.ReadDir(c.dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		for _, e := range entries {
			if write.IsLeftover(e.Name()) {
				rel := e.Name() + "/"
				c.diffs = append(c.diffs, fileDiff{rel, fmt.Sprintf("--- %s\n+++ /dev/null\n(left by an interrupted ecsgen build; the next build removes it)\n", committed(rel))})
				continue
			}
			if !e.IsDir() || slices.Contains(res.Envs, e.Name()) {
				continue
			}
			if _, err := os.Stat(filepath.Join(c.dir, e.Name(), "deploy-plan.json")); err == nil {
				rel := e.Name() + "/"
				c.diffs = append(c.diffs, fileDiff{rel, fmt.Sprintf("--- %s\n+++ /dev/null\n(the output of environment %q, which the spec no longer declares)\n", committed(rel), strings.TrimSuffix(rel, "/"))})
			}
		}
	}
	slices.SortFunc(c.diffs, func(a, b fileDiff) int { return strings.Compare(a.path, b.path) })
	return c.diffs, nil
}
