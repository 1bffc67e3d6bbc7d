// Package golden compares generated files with the committed ones, and rewrites them when
// tests run with -update (`go test ./... -update`).
//
// Every test package of this module imports it, so that the -update flag is defined wherever
// `go test ./... -update` passes it.
package golden

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Update is set by -update: rewrite golden files instead of comparing.
var Update = flag.Bool("update", false, "rewrite golden files with what the code generates now")

// Dir compares files (slash paths relative to dir) with the tree under dir: every file must
// exist with the same bytes, and dir must hold no other file. With -update it rewrites dir to
// hold exactly files. It returns one message per difference.
func Dir(dir string, files map[string][]byte) ([]string, error) {
	if *Update {
		if err := os.RemoveAll(dir); err != nil {
			return nil, err
		}
		for _, rel := range slices.Sorted(maps.Keys(files)) {
			p := filepath.Join(dir, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, err
			}
			mode := os.FileMode(0o644)
			if strings.HasSuffix(rel, ".sh") {
				mode = 0o755
			}
			if err := os.WriteFile(p, files[rel], mode); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	var diffs []string
	onDisk := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		onDisk[filepath.ToSlash(rel)] = true
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		want, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		switch {
		case os.IsNotExist(err):
			diffs = append(diffs, fmt.Sprintf("%s: generated but not committed (run go test ./... -update)", rel))
		case err != nil:
			return nil, err
		case !bytes.Equal(want, files[rel]):
			diffs = append(diffs, fmt.Sprintf("%s: stale: the committed file differs from what is generated now (run go test ./... -update)\n%s", rel, firstDifference(want, files[rel])))
		}
	}
	for _, rel := range slices.Sorted(maps.Keys(onDisk)) {
		if _, ok := files[rel]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: committed but no longer generated (run go test ./... -update)", rel))
		}
	}
	return diffs, nil
}

// firstDifference shows the first line where two files differ.
func firstDifference(want, got []byte) string {
	w, g := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return fmt.Sprintf("  line %d\n  committed: %s\n  generated: %s", i+1, a, b)
		}
	}
	return ""
}

// File compares one generated file with the committed one at path; with -update it rewrites it.
func File(path string, got []byte) ([]string, error) {
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		return nil, os.WriteFile(path, got, 0o644)
	}
	want, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err):
		return []string{fmt.Sprintf("%s: generated but not committed (run go test ./... -update)", path)}, nil
	case err != nil:
		return nil, err
	case !bytes.Equal(want, got):
		return []string{fmt.Sprintf("%s: stale: the committed file differs from what is generated now (run go test ./... -update)\n%s", path, firstDifference(want, got))}, nil
	}
	return nil, nil
}
