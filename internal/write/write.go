// Package write puts generated files on disk.
//
// Invariants: the same files give the same bytes on disk; a file whose content is already right
// is not touched (its mtime stays, so make-style tools and `git status` stay quiet); and a
// failure leaves no half-written file behind: every changed file is first written in full to a
// temporary file beside it, and only when all of them are written are they renamed into place.
//
// Each top-level directory written (one per environment) keeps a manifest, ManifestName, of the
// files ecsgen wrote there. A file ecsgen no longer generates is removed only when the manifest
// says ecsgen wrote it; anything else in the directory is the user's and is left alone.
package write

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ManifestName is the file, in each environment's directory, listing what ecsgen wrote there.
const ManifestName = ".ecsgen-manifest"

// Stats say what a write did.
type Stats struct {
	Written   []string // files created or changed, relative to the directory
	Unchanged int
	Removed   []string // files ecsgen wrote before and no longer generates
}

// Dir writes files (slash-separated paths relative to dir) under dir, with a manifest per
// top-level directory, and removes the files the previous manifests list that are not written
// now.
func Dir(dir string, files map[string][]byte) (Stats, error) {
	files, stale, err := withManifests(dir, files)
	if err != nil {
		return Stats{}, err
	}
	st, err := writeFiles(dir, files)
	if err != nil {
		return st, err
	}

	for _, rel := range stale {
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(rel))); err != nil && !errors.Is(err, os.ErrNotExist) {
			return st, err
		}
		st.Removed = append(st.Removed, rel)
		removeEmptyParents(dir, rel)
	}
	return st, nil
}

// withManifests adds each top-level directory's new manifest to files, and returns the files
// the old manifests list that are no longer generated.
func withManifests(dir string, files map[string][]byte) (map[string][]byte, []string, error) {
	byTop := map[string][]string{}
	for rel := range files {
		top, rest, ok := strings.Cut(rel, "/")
		if !ok || rest == "" {
			continue // a top-level file: no manifest directory
		}
		byTop[top] = append(byTop[top], rest)
	}
	out := maps.Clone(files)
	var stale []string
	for _, top := range slices.Sorted(maps.Keys(byTop)) {
		names := byTop[top]
		slices.Sort(names)
		old, err := os.ReadFile(filepath.Join(dir, top, ManifestName))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, nil, err
		}
		for _, line := range strings.Split(string(old), "\n") {
			if line == "" || strings.HasPrefix(line, "#") || !filepath.IsLocal(filepath.FromSlash(line)) {
				continue
			}
			if _, still := slices.BinarySearch(names, line); !still {
				stale = append(stale, top+"/"+line)
			}
		}
		manifest := "# Files ecsgen wrote here; it removes them when it no longer generates them.\n" + strings.Join(names, "\n") + "\n"
		out[top+"/"+ManifestName] = []byte(manifest)
	}
	return out, stale, nil
}

func isManifest(rel string) bool { return filepath.Base(rel) == ManifestName }

// removeEmptyParents removes the directories a removed file leaves empty, up to dir's children.
func removeEmptyParents(dir, rel string) {
	for p := filepath.Dir(filepath.FromSlash(rel)); p != "." && strings.Contains(p, string(filepath.Separator)); p = filepath.Dir(p) {
		if os.Remove(filepath.Join(dir, p)) != nil {
			return // not empty
		}
	}
}

// writeFiles writes files, touching only those whose content changes.
func writeFiles(dir string, files map[string][]byte) (Stats, error) {
	var st Stats
	type pending struct{ tmp, final string }
	var todo []pending
	cleanup := func() {
		for _, p := range todo {
			os.Remove(p.tmp)
		}
	}
	for _, rel := range slices.Sorted(maps.Keys(files)) {
		if !filepath.IsLocal(filepath.FromSlash(rel)) {
			cleanup()
			return Stats{}, fmt.Errorf("internal error: refusing to write %q outside the output directory", rel)
		}
		final := filepath.Join(dir, filepath.FromSlash(rel))
		data := files[rel]
		// The manifests are bookkeeping, not output: they stay out of the counts.
		if old, err := os.ReadFile(final); err == nil && bytes.Equal(old, data) {
			if !isManifest(rel) {
				st.Unchanged++
			}
			continue
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			cleanup()
			return Stats{}, err
		}
		if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
			cleanup()
			return Stats{}, err
		}
		f, err := os.CreateTemp(filepath.Dir(final), ".ecsgen-tmp-*")
		if err != nil {
			cleanup()
			return Stats{}, err
		}
		todo = append(todo, pending{f.Name(), final})
		_, werr := f.Write(data)
		cerr := f.Close()
		if err := errors.Join(werr, cerr, os.Chmod(f.Name(), mode(rel))); err != nil {
			cleanup()
			return Stats{}, err
		}
		if !isManifest(rel) {
			st.Written = append(st.Written, rel)
		}
	}
	for i, p := range todo {
		if err := os.Rename(p.tmp, p.final); err != nil {
			for _, q := range todo[i:] {
				os.Remove(q.tmp)
			}
			return st, err
		}
	}
	return st, nil
}

// mode makes scripts executable.
func mode(rel string) os.FileMode {
	if strings.HasSuffix(rel, ".sh") {
		return 0o755
	}
	return 0o644
}
