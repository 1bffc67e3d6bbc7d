// Package write puts generated files on disk.
//
// Invariants: the same files give the same bytes on disk; a file whose content is already right
// is not touched (its mtime stays, so make-style tools and `git status` stay quiet); and a
// failure leaves no half-written file behind: every changed file is first written in full to a
// temporary file beside it, and only when all of them are written are they renamed into place.
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

// Stats say what a write did.
type Stats struct {
	Written   []string // files created or changed, relative to the directory
	Unchanged int
}

// Dir writes files (slash-separated paths relative to dir) under dir.
func Dir(dir string, files map[string][]byte) (Stats, error) {
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
		if old, err := os.ReadFile(final); err == nil && bytes.Equal(old, data) {
			st.Unchanged++
			continue
		} else if err != nil && !errors.Is(err, os.ErrNotExist) {
			cleanup()
			return Stats{}, err
		}
		if err := os.MkdirAll(filepath.Dir(final), 0o755); err != nil {
			cleanup()
			return Stats{}, err
		}
		f, err := os.CreateTemp(filepath.Dir(final), ".ecsgen-*")
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
		st.Written = append(st.Written, rel)
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
