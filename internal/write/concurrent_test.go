package write

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// serviceFiles is an output like a build's: many services, each its own directories.
func serviceFiles(services int, tag string) map[string][]byte {
	files := map[string][]byte{}
	for i := range services {
		s := fmt.Sprintf("svc-%03d", i)
		files["dev/stacks/services/"+s+"/stack.json"] = fmt.Appendf(nil, "{%q: %q}\n", s, tag)
		files["dev/taskdefs/"+s+"/web.json"] = fmt.Appendf(nil, "{\"family\": %q}\n", s)
		files["dev/scripts/"+s+"/run.sh"] = []byte("#!/bin/bash\n")
	}
	return files
}

// addAll gives the files to b from several goroutines at once, as the generators do.
func addAll(t *testing.T, b *Build, files map[string][]byte, workers int) {
	t.Helper()
	names := make(chan string)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for n := range names {
				if err := b.Add(n, files[n]); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for n := range files {
		names <- n
	}
	close(names)
	wg.Wait()
}

// Files are placed into the staging directory by the goroutines that give them, at the same
// time, and into directories several of them need at once: the output is the same as given
// one by one, every directory made once, unchanged files still linked (same inode).
func TestConcurrentAddsStageTheSameOutput(t *testing.T) {
	dir := t.TempDir()
	files := serviceFiles(200, "v1")
	b, err := Options{}.Begin(dir, []string{"dev"})
	if err != nil {
		t.Fatal(err)
	}
	addAll(t, b, files, 16)
	if st, err := b.Commit(); err != nil || len(st.Written) != len(files) {
		t.Fatalf("%d written of %d, %v", len(st.Written), len(files), err)
	}
	assertOutput(t, dir, files)

	// An edit of a service in the middle: the files before it were given before the staging
	// directory existed (linked in a batch), those after it by many goroutines (one by one).
	before, _ := os.Stat(filepath.Join(dir, "dev/taskdefs/svc-007/web.json"))
	files["dev/stacks/services/svc-100/stack.json"] = []byte("{\"edited\": true}\n")
	b, err = Options{}.Begin(dir, []string{"dev"})
	if err != nil {
		t.Fatal(err)
	}
	addAll(t, b, files, 16)
	st, err := b.Commit()
	if err != nil || len(st.Written) != 1 || st.Unchanged != len(files)-1 {
		t.Fatalf("written %v, %d unchanged, %v", st.Written, st.Unchanged, err)
	}
	assertOutput(t, dir, files)
	after, _ := os.Stat(filepath.Join(dir, "dev/taskdefs/svc-007/web.json"))
	if !os.SameFile(before, after) {
		t.Error("an unchanged file was rewritten, not linked")
	}
}

// assertOutput checks that DIR/dev holds exactly files (and the manifest), with their modes,
// and nothing of a staging directory is left beside it.
func assertOutput(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	seen := 0
	err := filepath.WalkDir(filepath.Join(dir, "dev"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "dev/"+ManifestName {
			return nil
		}
		seen++
		want, ok := files[rel]
		got, _ := os.ReadFile(p)
		if !ok || !bytes.Equal(got, want) {
			t.Errorf("%s = %q, want %q (given: %v)", rel, got, want, ok)
		}
		info, _ := d.Info()
		if info.Mode().Perm() != mode(rel) {
			t.Errorf("%s: mode %v", rel, info.Mode())
		}
		return nil
	})
	if err != nil || seen != len(files) {
		t.Fatalf("%d files of %d, %v", seen, len(files), err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".ecsgen-*")); len(m) > 0 {
		t.Errorf("left beside the output: %v", m)
	}
}

// An Abort (an interrupt) while goroutines are still placing files waits for them before it
// removes the staging directory: no file lands in a directory being removed, nothing is left
// beside the output, and the output is as it was.
func TestAbortWaitsForFilesBeingPlaced(t *testing.T) {
	dir := t.TempDir()
	old := serviceFiles(20, "v1")
	if _, err := Dir(dir, old); err != nil {
		t.Fatal(err)
	}
	files := serviceFiles(20, "v2")
	release := make(chan struct{})
	var held atomic.Int32
	hook = func(step string) error {
		if strings.HasPrefix(step, "file stacks/services/svc-005/") {
			held.Add(1)
			<-release // a file system that takes its time
		}
		return nil
	}
	defer func() { hook = nil }()
	b, err := Options{}.Begin(dir, []string{"dev"})
	if err != nil {
		t.Fatal(err)
	}
	added := make(chan error, 1)
	go func() {
		added <- b.Add("dev/stacks/services/svc-005/stack.json", files["dev/stacks/services/svc-005/stack.json"])
	}()
	for held.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	aborted := make(chan struct{})
	go func() { b.Abort(); close(aborted) }()
	select {
	case <-aborted:
		t.Fatal("Abort returned while a file was being placed")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-aborted
	if err := <-added; err != nil {
		t.Errorf("the Add in flight: %v", err)
	}
	if err := b.Add("dev/taskdefs/svc-001/web.json", files["dev/taskdefs/svc-001/web.json"]); err == nil || !strings.Contains(err.Error(), "after the build ended") {
		t.Errorf("an Add after Abort: %v", err)
	}
	assertOutput(t, dir, old)
}

// A build that writes more than flushEvery bytes starts flushing them to disk while it is
// still staging files, before the flush that precedes the swap; a small build does not.
func TestLargeBuildFlushesEarly(t *testing.T) {
	for _, c := range []struct {
		files int
		early bool
	}{{3, false}, {2 * flushEvery / (1 << 20), true}} {
		var mu sync.Mutex
		var steps []string
		hook = func(step string) error {
			if !strings.HasPrefix(step, "file ") {
				mu.Lock()
				steps = append(steps, step)
				mu.Unlock()
			}
			return nil
		}
		files := map[string][]byte{}
		for i := range c.files {
			files[fmt.Sprintf("dev/stacks/s%03d.json", i)] = bytes.Repeat([]byte{'a' + byte(i%26)}, 1<<20)
		}
		dir := t.TempDir()
		_, err := Dir(dir, files)
		hook = nil
		if err != nil {
			t.Fatal(err)
		}
		assertOutput(t, dir, files)
		early := slices.Index(steps, "early flush")
		if staged := slices.Index(steps, "staged"); (early >= 0) != c.early || early > staged {
			t.Errorf("%d files of 1 MiB: steps %v", c.files, steps)
		}
	}
}

// AddAll stages every file as Add one by one does, over an output with and without files
// that change, and its error is that of the first failing file in name order.
func TestAddAll(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{}
	for i := range 40 {
		files[fmt.Sprintf("dev/stacks/s%02d.json", i)] = bytes.Repeat([]byte{byte('a' + i%26)}, 1+i*1000)
	}
	for _, step := range []string{"first", "unchanged", "some changed"} {
		if step == "some changed" {
			files["dev/stacks/s07.json"] = []byte("changed\n")
			files["dev/stacks/s31.json"] = []byte("changed too\n")
		}
		b, err := Options{}.Begin(dir, []string{"dev"})
		if err != nil {
			t.Fatal(err)
		}
		if err := b.AddAll(files); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		st, err := b.Commit()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		assertOutput(t, dir, files)
		switch step {
		case "unchanged":
			if len(st.Written) != 0 {
				t.Errorf("%s: wrote %v", step, st.Written)
			}
		case "some changed":
			if want := []string{"dev/stacks/s07.json", "dev/stacks/s31.json"}; !slices.Equal(st.Written, want) {
				t.Errorf("%s: wrote %v, want %v", step, st.Written, want)
			}
		}
	}

	b, err := Options{}.Begin(dir, []string{"dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	bad := maps.Clone(files)
	bad["dev/stacks/.ecsgen-x"] = []byte("x")
	bad["dev/zz/.ecsgen-y"] = []byte("y")
	err = b.AddAll(bad)
	if err == nil || !strings.Contains(err.Error(), `"dev/stacks/.ecsgen-x"`) {
		t.Errorf("AddAll = %v, want the error of dev/stacks/.ecsgen-x", err)
	}
}
