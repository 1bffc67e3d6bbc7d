package write

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/ecsgen/ecsgen/internal/golden" // defines -update for this package
)

func TestWriteOnlyWhatChanged(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{"dev/a.json": []byte("a\n"), "dev/b.sh": []byte("#!/bin/bash\n")}
	st, err := Dir(dir, files)
	if err != nil || len(st.Written) != 2 || st.Unchanged != 0 {
		t.Fatalf("%+v %v", st, err)
	}
	if info, _ := os.Stat(filepath.Join(dir, "dev/b.sh")); info.Mode().Perm() != 0o755 {
		t.Errorf("script mode %v", info.Mode())
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	for p := range files {
		os.Chtimes(filepath.Join(dir, p), old, old)
	}
	files["dev/a.json"] = []byte("changed\n")
	st, err = Dir(dir, files)
	if err != nil || len(st.Written) != 1 || st.Written[0] != "dev/a.json" || st.Unchanged != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	if info, _ := os.Stat(filepath.Join(dir, "dev/b.sh")); !info.ModTime().Equal(old) {
		t.Error("an unchanged file was rewritten")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "dev/a.json")); string(b) != "changed\n" {
		t.Errorf("a.json = %q", b)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "dev", ".ecsgen-tmp-*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// A failure part-way leaves the existing files as they were and no temporary file behind.
func TestFailureLeavesDirectoryAsItWas(t *testing.T) {
	dir := t.TempDir()
	if _, err := Dir(dir, map[string][]byte{"dev/a.json": []byte("old\n")}); err != nil {
		t.Fatal(err)
	}
	// "dev/a.json/x" cannot be created: a.json is a file. It sorts after dev/a.json.
	_, err := Dir(dir, map[string][]byte{"dev/a.json": []byte("new\n"), "dev/a.json/x": []byte("x")})
	if err == nil {
		t.Fatal("want an error")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "dev/a.json")); string(b) != "old\n" {
		t.Errorf("a.json = %q, want it untouched", b)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "dev", ".ecsgen-tmp-*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

func TestRefusesPathsOutside(t *testing.T) {
	if _, err := Dir(t.TempDir(), map[string][]byte{"../evil": nil}); err == nil {
		t.Fatal("wrote outside the directory")
	}
}

// Files ecsgen no longer generates are removed only when its manifest says it wrote them.
func TestManifestRemovesOnlyWhatEcsgenWrote(t *testing.T) {
	dir := t.TempDir()
	if _, err := Dir(dir, map[string][]byte{"dev/a.json": []byte("a"), "dev/old/b.json": []byte("b")}); err != nil {
		t.Fatal(err)
	}
	// The user's own file beside the generated ones.
	if err := os.WriteFile(filepath.Join(dir, "dev", "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := Dir(dir, map[string][]byte{"dev/a.json": []byte("a")})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Removed) != 1 || st.Removed[0] != "dev/old/b.json" {
		t.Fatalf("removed %v", st.Removed)
	}
	if _, err := os.Stat(filepath.Join(dir, "dev", "old")); !os.IsNotExist(err) {
		t.Error("the emptied directory was left behind")
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "dev", "notes.txt")); string(b) != "mine" {
		t.Error("the user's file was touched")
	}
	m, _ := os.ReadFile(filepath.Join(dir, "dev", ManifestName))
	if !strings.HasSuffix(string(m), "\na.json\n") {
		t.Errorf("manifest = %q", m)
	}
	// Another environment's files are not this build's to remove.
	if _, err := Dir(dir, map[string][]byte{"prd/x.json": []byte("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "dev", "a.json")); err != nil {
		t.Error("building one environment removed another's files")
	}
}

// The user's files, directories and links are carried into each new generation as the same
// files; ecsgen's temporary files of earlier versions are not.
func TestUserFilesCarriedAndJunkDropped(t *testing.T) {
	dir := t.TempDir()
	env := filepath.Join(dir, "dev")
	if _, err := Dir(dir, map[string][]byte{"dev/a.json": []byte("a")}); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(env, "mine", "empty"), 0o700)
	os.WriteFile(filepath.Join(env, "mine", "notes.txt"), []byte("mine"), 0o600)
	os.Symlink("a.json", filepath.Join(env, "link"))
	os.WriteFile(filepath.Join(env, ".ecsgen-tmp-123"), []byte("half a file"), 0o600)
	before, _ := os.Stat(filepath.Join(env, "mine", "notes.txt"))

	if _, err := Dir(dir, map[string][]byte{"dev/a.json": []byte("changed")}); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(filepath.Join(env, "mine", "notes.txt"))
	if err != nil || !os.SameFile(before, after) {
		t.Errorf("the user's file is not the same file: %v", err)
	}
	if info, err := os.Stat(filepath.Join(env, "mine")); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("the user's directory: %v %v", info, err)
	}
	if info, err := os.Stat(filepath.Join(env, "mine", "empty")); err != nil || !info.IsDir() {
		t.Errorf("the user's empty directory: %v", err)
	}
	if to, err := os.Readlink(filepath.Join(env, "link")); err != nil || to != "a.json" {
		t.Errorf("the user's link: %q %v", to, err)
	}
	if _, err := os.Stat(filepath.Join(env, ".ecsgen-tmp-123")); !os.IsNotExist(err) {
		t.Errorf("a temporary file of an earlier version is still there: %v", err)
	}
	// A build that changes nothing does not replace the directory, and still drops the litter.
	envBefore, _ := os.Stat(env)
	os.WriteFile(filepath.Join(env, "stacks.ecsgen-tmp"), nil, 0o600) // not ecsgen's: kept
	os.WriteFile(filepath.Join(env, ".ecsgen-tmp-456"), nil, 0o600)
	st, err := Dir(dir, map[string][]byte{"dev/a.json": []byte("changed")})
	if err != nil || len(st.Written) != 0 || st.Unchanged != 1 {
		t.Fatalf("%+v %v", st, err)
	}
	if envAfter, _ := os.Stat(env); !os.SameFile(envBefore, envAfter) {
		t.Error("a build that changed nothing replaced the directory")
	}
	if _, err := os.Stat(filepath.Join(env, ".ecsgen-tmp-456")); !os.IsNotExist(err) {
		t.Error("the litter stayed")
	}
	if _, err := os.Stat(filepath.Join(env, "stacks.ecsgen-tmp")); err != nil {
		t.Error("the user's file was removed")
	}
}

// Something in the way ends in one error that names it, and the directory as it was.
func TestInTheWay(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"a directory where a file goes", "dev/deploy.sh is in the way: a directory where a generated file must go"},
		{"a file where a directory goes", "dev/stacks is in the way: a directory must go there for"},
		{"a file where the environment goes", "dev is in the way: a file where the environment's directory must go"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			env := filepath.Join(dir, "dev")
			files := map[string][]byte{"dev/deploy.sh": []byte("#!/bin/bash\n"), "dev/stacks/a.json": []byte("{}")}
			switch {
			case strings.Contains(c.want, "deploy.sh"):
				os.MkdirAll(filepath.Join(env, "deploy.sh"), 0o755)
			case strings.Contains(c.want, "stacks"):
				os.MkdirAll(env, 0o755)
				os.WriteFile(filepath.Join(env, "stacks"), []byte("mine"), 0o644)
			default:
				os.WriteFile(env, []byte("mine"), 0o644)
			}
			entries := func() []string {
				var names []string
				filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { names = append(names, p); return nil })
				return names
			}
			before := entries()
			_, err := Dir(dir, files)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasSuffix(err.Error(), "dev was left as it was") {
				t.Fatalf("got %v, want %q", err, c.want)
			}
			if after := entries(); !slices.Equal(before, after) {
				t.Errorf("the directory changed: %v -> %v", before, after)
			}
		})
	}
}

// A build waits for the build (or check) holding the environment's directory and says for
// whom; other environments do not wait.
func TestLockWaitsAndSaysForWhom(t *testing.T) {
	dir := t.TempDir()
	if _, err := Dir(dir, map[string][]byte{"dev/a.json": []byte("a"), "prd/a.json": []byte("a")}); err != nil {
		t.Fatal(err)
	}
	env := filepath.Join(dir, "dev")
	holder, _, _, err := lockDir(env, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Another environment is not held up.
	var notes []string
	var mu sync.Mutex
	notify := func(m string) { mu.Lock(); notes = append(notes, m); mu.Unlock() }
	if _, err := (Options{Notify: notify}).Dir(dir, map[string][]byte{"prd/a.json": []byte("b")}); err != nil || len(notes) > 0 {
		t.Fatalf("%v %q", err, notes)
	}
	done := make(chan error)
	go func() {
		_, err := Options{Notify: notify}.Dir(dir, map[string][]byte{"dev/a.json": []byte("b")})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the build did not wait: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	holder.release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("waiting for another ecsgen build of %s (pid %d)…", env, os.Getpid())
	if len(notes) != 1 || notes[0] != want {
		t.Errorf("notes %q, want %q", notes, want)
	}
	if b, _ := os.ReadFile(filepath.Join(env, "a.json")); string(b) != "b" {
		t.Errorf("a.json = %q", b)
	}
}

// A reader's shared lock holds a build back until the reader is done; the build says so.
func TestReaderHoldsBuildBack(t *testing.T) {
	dir := t.TempDir()
	if _, err := Dir(dir, map[string][]byte{"dev/a.json": []byte("a")}); err != nil {
		t.Fatal(err)
	}
	release, err := LockForReading(filepath.Join(dir, "dev"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var note string
	done := make(chan error)
	go func() {
		_, err := Options{Notify: func(m string) { note = m }}.Dir(dir, map[string][]byte{"dev/a.json": []byte("b")})
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	if b, _ := os.ReadFile(filepath.Join(dir, "dev", "a.json")); string(b) != "a" {
		t.Error("the build published while a reader held the lock")
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(note, "waiting for an ecsgen check of ") {
		t.Errorf("note %q", note)
	}
	// A missing directory needs no lock.
	if release, err := LockForReading(filepath.Join(dir, "none"), nil); err != nil {
		t.Fatal(err)
	} else {
		release()
	}
}

// A staging directory that a live build holds is not a leftover; one nobody holds is removed.
func TestLeftoversOnlyWhenAbandoned(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{"dev/a.json": []byte("a")}
	if _, err := Dir(dir, files); err != nil {
		t.Fatal(err)
	}
	live := filepath.Join(dir, stagePrefix+"dev.111")
	dead := filepath.Join(dir, stagePrefix+"dev.222")
	other := filepath.Join(dir, stagePrefix+"dev-2.333") // another environment's
	for _, d := range []string{live, dead, other} {
		os.MkdirAll(filepath.Join(d, "stacks"), 0o755)
	}
	l, ok, err := tryLockDir(live)
	if err != nil || !ok {
		t.Fatal(err)
	}
	defer l.release()
	if _, err := Dir(dir, map[string][]byte{"dev/a.json": []byte("b")}); err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string]bool{live: true, dead: false, other: true} {
		if _, err := os.Stat(d); (err == nil) != want {
			t.Errorf("%s: there = %v, want %v", filepath.Base(d), err == nil, want)
		}
	}
	if !IsLeftover(filepath.Base(dead)) || IsLeftover("dev") || IsLeftover(".ecsgen-manifest") {
		t.Error("IsLeftover")
	}
}

// An environment's directory that is a symbolic link is followed: the link stays, the
// directory it points to is replaced.
func TestSymlinkedEnvironment(t *testing.T) {
	dir, real := t.TempDir(), t.TempDir()
	if err := os.Symlink(real, filepath.Join(dir, "dev")); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"a", "b"} {
		if _, err := Dir(dir, map[string][]byte{"dev/a.json": []byte(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if info, err := os.Lstat(filepath.Join(dir, "dev")); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(real, "a.json")); string(b) != "b" {
		t.Errorf("a.json = %q", b)
	}
}

// Where the file system refuses a hard link, an unchanged file is copied with its mode and
// modification time.
func TestCopyKeepsModeAndTime(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.sh")
	os.WriteFile(src, []byte("#!/bin/sh\n"), 0o750)
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	os.Chtimes(src, old, old)
	info, _ := os.Stat(src)
	dst := filepath.Join(dir, "dst.sh")
	if err := copyFile(src, dst, info); err != nil {
		t.Fatal(err)
	}
	got, err := os.Stat(dst)
	if err != nil || got.Mode().Perm() != 0o750 || !got.ModTime().Equal(old) || os.SameFile(got, info) {
		t.Errorf("copy: %v %v %v", got.Mode(), got.ModTime(), err)
	}
}

// The directories of a new generation have the modes they had, read-only ones included.
func TestDirectoryModesKept(t *testing.T) {
	dir := t.TempDir()
	env := filepath.Join(dir, "dev")
	if _, err := Dir(dir, map[string][]byte{"dev/stacks/a.json": []byte("a")}); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(env, "stacks"), 0o750)
	os.Chmod(env, 0o711)
	if _, err := Dir(dir, map[string][]byte{"dev/stacks/a.json": []byte("b"), "dev/new/b.json": []byte("b")}); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]os.FileMode{".": 0o711, "stacks": 0o750} {
		if info, err := os.Stat(filepath.Join(env, rel)); err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want %v", rel, info.Mode(), err, want)
		}
	}
}
