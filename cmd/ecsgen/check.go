package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/textdiff"
	"github.com/ecsgen/ecsgen/internal/write"
)

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
