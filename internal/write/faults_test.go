//go:build linux

package write

import (
	"encoding/gob"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/cache"
	"github.com/ecsgen/ecsgen/internal/load"
)

// These tests kill real processes: a child is this test binary re-executed, which runs one
// write (TestWriteChild) and is killed with SIGKILL, by itself at a given step of the write or
// by the parent after a random delay. After each kill the directory must be the old or the new
// generation, byte for byte.

// childJob is what TestWriteChild does; the parent passes it in a gob file.
type childJob struct {
	Dir      string
	Files    map[string][]byte
	KillAt   int    // SIGKILL itself at this step of the write (counting from 1); 0: never
	Fallback bool   // swap with two renames, as where there is no exchange
	Cache    string // a build cache directory keeping the record of each generation; "": none
}

const childEnv = "ECSGEN_WRITE_CHILD"

// TestWriteChild is the child's side; it does nothing in a normal test run.
func TestWriteChild(t *testing.T) {
	jobFile := os.Getenv(childEnv)
	if jobFile == "" {
		t.Skip("only run as a child of the kill tests")
	}
	f, err := os.Open(jobFile)
	if err != nil {
		t.Fatal(err)
	}
	var job childJob
	if err := gob.NewDecoder(f).Decode(&job); err != nil {
		t.Fatal(err)
	}
	f.Close()
	n := 0
	hook = func(string) error {
		if n++; n == job.KillAt {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal is on its way
		}
		return nil
	}
	if job.Fallback {
		exchangeDirs = func(a, b string) (bool, error) { return false, nil }
	}
	o := Options{Notify: func(m string) { fmt.Fprintln(os.Stderr, m) }}
	if job.Cache != "" {
		o.Records = cache.Open(job.Cache)
	}
	if _, err := o.Dir(job.Dir, job.Files); err != nil {
		t.Fatal(err)
	}
}

// startChild starts a child running job.
func startChild(t *testing.T, job childJob) *exec.Cmd {
	t.Helper()
	jobFile := filepath.Join(t.TempDir(), "job.gob")
	f, err := os.Create(jobFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := gob.NewEncoder(f).Encode(job); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriteChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+jobFile)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// snapshot is every entry under dir: file contents, "dir" for directories, "-> target" for
// symbolic links.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		switch {
		case d.IsDir():
			snap[rel] = "dir"
		case d.Type()&fs.ModeSymlink != 0:
			to, err := os.Readlink(p)
			snap[rel] = "-> " + to
			return err
		default:
			b, err := os.ReadFile(p)
			snap[rel] = string(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// diffSnap names a few entries in which two snapshots differ.
func diffSnap(a, b map[string]string) string {
	var d []string
	for k, v := range a {
		if w, ok := b[k]; !ok {
			d = append(d, "-"+k)
		} else if v != w {
			d = append(d, "~"+k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			d = append(d, "+"+k)
		}
	}
	if len(d) > 8 {
		d = append(d[:8], fmt.Sprintf("… (%d in all)", len(d)))
	}
	return strings.Join(d, " ")
}

func equalSnap(a, b map[string]string) bool { return diffSnap(a, b) == "" }

// generations returns the expected snapshots of env directory "dev" after writing each file set
// into a fresh directory, plus the user's own files which every generation carries.
func generations(t *testing.T, user func(envDir string), sets ...map[string][]byte) []map[string]string {
	var snaps []map[string]string
	for _, files := range sets {
		dir := t.TempDir()
		if _, err := Dir(dir, files); err != nil {
			t.Fatal(err)
		}
		user(filepath.Join(dir, "dev"))
		snaps = append(snaps, snapshot(t, filepath.Join(dir, "dev")))
	}
	return snaps
}

// userFiles puts the user's own files into an environment's directory.
func userFiles(envDir string) {
	os.MkdirAll(filepath.Join(envDir, "notes", "empty"), 0o755)
	os.WriteFile(filepath.Join(envDir, "notes", "mine.txt"), []byte("mine\n"), 0o600)
	os.Symlink("../deploy.sh", filepath.Join(envDir, "notes", "deploy"))
}

// setTimes sets every file's modification time under dir to when.
func setTimes(t *testing.T, dir string, when time.Time) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			os.Chtimes(p, when, when)
		}
		return nil
	})
}

// checkTimes fails for each file under dir whose content is what it was before (before) but
// whose modification time is not when.
func checkTimes(t *testing.T, dir string, before map[string]string, when time.Time) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		b, _ := os.ReadFile(p)
		if info, err := d.Info(); err == nil && before[rel] == string(b) && !info.ModTime().Equal(when) {
			t.Errorf("%s: unchanged, but its modification time moved", rel)
		}
		return nil
	})
}

// onlyEnvDirs fails when anything but environment directories is beside them.
func onlyEnvDirs(t *testing.T, out string, envs ...string) {
	t.Helper()
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if !slices.Contains(envs, e.Name()) {
			t.Errorf("left in %s: %s", out, e.Name())
		}
	}
}

// smallSets are two builds of one environment that differ in every way a rebuild can: files
// changed, unchanged, added, removed (with their directory), a script, a new sub-directory.
func smallSets() (old, new map[string][]byte) {
	old = map[string][]byte{
		"dev/deploy.sh":           []byte("#!/bin/bash\necho old\n"),
		"dev/README.md":           []byte("old readme\n"),
		"dev/stacks/cluster.json": []byte(`{"old":1}`),
		"dev/stacks/svc-a.json":   []byte(`{"a":1}`),
		"dev/stacks/svc-b.json":   []byte(`{"b":1}`),
		"dev/taskdefs/a.json":     []byte(`{"a":"td"}`),
		"dev/taskdefs/b.json":     []byte(`{"b":"td"}`),
		"dev/gone/only.json":      []byte("removed with its directory\n"),
	}
	new = map[string][]byte{
		"dev/deploy.sh":                 []byte("#!/bin/bash\necho new\n"),
		"dev/README.md":                 []byte("old readme\n"),
		"dev/stacks/cluster.json":       []byte(`{"new":2}`),
		"dev/stacks/svc-a.json":         []byte(`{"a":1}`),
		"dev/stacks/svc-c.json":         []byte(`{"c":1}`),
		"dev/taskdefs/a.json":           []byte(`{"a":"td"}`),
		"dev/taskdefs/c.json":           []byte(`{"c":"td"}`),
		"dev/codedeploy/c/appspec.yaml": []byte("version: 0.0\n"),
	}
	return old, new
}

// Killed at every step of a write, with the exchange and with the two renames of platforms
// without one: after each kill the directory is the old generation or the new one, and the
// next build publishes the new one and leaves nothing else behind. With a build cache, the
// record of the generation is never mistaken after a kill: the next build with it publishes
// exactly the new generation.
func TestKillAtEveryStep(t *testing.T) {
	oldFiles, newFiles := smallSets()
	want := generations(t, userFiles, oldFiles, newFiles)
	// Count the steps of the write by doing it once.
	steps := 0
	func() {
		dir := t.TempDir()
		Dir(dir, oldFiles)
		userFiles(filepath.Join(dir, "dev"))
		hook = func(string) error { steps++; return nil }
		defer func() { hook = nil }()
		if _, err := Dir(dir, newFiles); err != nil {
			t.Fatal(err)
		}
	}()
	if steps < len(newFiles)+3 {
		t.Fatalf("only %d steps", steps)
	}
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	for _, c := range []struct{ fallback, cache bool }{{false, false}, {true, false}, {false, true}} {
		fallback := c.fallback
		last := steps
		if fallback {
			last++ // the step between the two renames
		}
		first := 1
		if fallback && testing.Short() {
			first = last - 3 // the steps around the two renames; the others are those above
		}
		for k := first; k <= last+1; k++ {
			t.Run(fmt.Sprintf("fallback=%v/cache=%v/step%d", fallback, c.cache, k), func(t *testing.T) {
				out := t.TempDir()
				env := filepath.Join(out, "dev")
				var o Options
				cacheDir := ""
				if c.cache {
					cacheDir = t.TempDir()
					o.Records = cache.Open(cacheDir)
				}
				if _, err := o.Dir(out, oldFiles); err != nil {
					t.Fatal(err)
				}
				userFiles(env)
				setTimes(t, env, past)
				if _, err := o.Dir(out, oldFiles); err != nil { // a record that vouches for every file
					t.Fatal(err)
				}
				if c.cache {
					r := loadRecord(o.Records, env)
					for rel := range oldFiles {
						if e := r[strings.TrimPrefix(rel, "dev/")]; e.stat == (fileStat{}) {
							t.Fatalf("the record does not vouch for %s", rel)
						}
					}
				}
				before := snapshot(t, env)
				cmd := startChild(t, childJob{Dir: out, Files: newFiles, KillAt: k, Fallback: fallback, Cache: cacheDir})
				err := cmd.Wait()
				killed := err != nil && strings.Contains(err.Error(), "killed")
				if k <= last && !killed {
					t.Fatalf("the child was not killed at step %d: %v", k, err)
				}
				if k > last && err != nil {
					t.Fatalf("the child failed: %v", err)
				}
				now := map[string]string{}
				if _, err := os.Stat(env); err == nil {
					now = snapshot(t, env)
				} else if !fallback {
					t.Fatalf("the environment's directory is gone: %v", err)
				}
				switch {
				case equalSnap(now, want[0]), equalSnap(now, want[1]):
				case fallback && len(now) == 0: // between the two renames: no output, not a mix
				default:
					t.Fatalf("a mix: vs old: %s; vs new: %s", diffSnap(want[0], now), diffSnap(want[1], now))
				}
				if len(now) > 0 {
					checkTimes(t, env, before, past)
				}
				// The next build finds no stale lock, removes the leftovers, and publishes.
				var notes []string
				o.Notify = func(m string) { notes = append(notes, m) }
				if _, err := o.Dir(out, newFiles); err != nil {
					t.Fatal(err)
				}
				if len(notes) > 0 {
					t.Errorf("the next build was held up: %q", notes)
				}
				if got := snapshot(t, env); !equalSnap(got, want[1]) {
					t.Errorf("the next build: %s", diffSnap(want[1], got))
				}
				checkTimes(t, env, before, past)
				onlyEnvDirs(t, out, "dev")
			})
		}
	}
}

// bigSets builds two large specs: their outputs differ in shared files (the cluster stack,
// deploy.sh, the README), in services added and removed, and agree in most service files.
func bigSets(t *testing.T) (a, b map[string][]byte) {
	t.Helper()
	var sets []map[string][]byte
	for _, n := range []int{120, 130} {
		spec := filepath.Join(t.TempDir(), "spec.cue")
		src := strings.Replace(benchspec.Spec(n), `env:     "perf"`, `env:     "dev"`, 1)
		if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := build.Files([]string{spec}, load.Options{})
		if err != nil || res.Files == nil {
			t.Fatalf("%v %v", err, res.Findings)
		}
		sets = append(sets, res.Files)
	}
	return sets[0], sets[1]
}

// A child writing a large spec's output, killed after a random delay, again and again, each
// build going the other way: the directory is always one whole generation.
func TestKillAtRandomOverLargeSpec(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two large specs and kills many children")
	}
	a, b := bigSets(t)
	want := generations(t, userFiles, a, b)
	out := t.TempDir()
	env := filepath.Join(out, "dev")
	if _, err := Dir(out, a); err != nil {
		t.Fatal(err)
	}
	userFiles(env)
	// How long one write takes, start of the child included.
	start := time.Now()
	if err := startChild(t, childJob{Dir: out, Files: b}).Wait(); err != nil {
		t.Fatal(err)
	}
	span := time.Since(start)
	t.Logf("one write by a child: %v", span)
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	deadline := time.Now().Add(90 * time.Second)
	kills, olds, news, midWrite := 0, 0, 0, 0
	for i := 0; i < 60 && time.Now().Before(deadline); i++ {
		cur := snapshot(t, env)
		files := a
		if equalSnap(cur, want[0]) {
			files = b
		}
		setTimes(t, env, past)
		before := snapshot(t, env)
		cmd := startChild(t, childJob{Dir: out, Files: files})
		time.Sleep(time.Duration(rand.Int64N(int64(span))))
		if cmd.Process.Kill() == nil {
			kills++
		}
		cmd.Wait()
		if entries, _ := os.ReadDir(out); len(entries) > 1 {
			midWrite++ // killed with a staging directory beside the output
		}
		now := snapshot(t, env)
		switch {
		case equalSnap(now, want[0]):
			olds++
		case equalSnap(now, want[1]):
			news++
		default:
			t.Fatalf("kill %d: a mix: vs a: %s; vs b: %s", i, diffSnap(want[0], now), diffSnap(want[1], now))
		}
		checkTimes(t, env, before, past)
	}
	t.Logf("%d kills (%d of them while a staging directory existed): the directory held build a %d times, build b %d times", kills, midWrite, olds, news)
	if kills >= 20 && midWrite == 0 {
		t.Error("no kill landed while a build was staging: the delays miss the write")
	}
	if _, err := Dir(out, a); err != nil {
		t.Fatal(err)
	}
	onlyEnvDirs(t, out, "dev")
}

// Two builds of different specs into one directory at the same time, many times, while a reader
// reads under the shared lock: each sees one whole generation, and the builds wait for each
// other (one of them says so). With a build cache shared by the builds, the record of the
// generation is always the one on disk: a build after each round, with the record, leaves
// exactly its generation.
func TestConcurrentBuildsOfTwoSpecs(t *testing.T) {
	t.Run("without a cache", func(t *testing.T) { concurrentBuilds(t, "") })
	t.Run("with a cache", func(t *testing.T) { concurrentBuilds(t, t.TempDir()) })
}

func concurrentBuilds(t *testing.T, cacheDir string) {
	a, b := smallSets()
	rounds := 20
	if testing.Short() {
		rounds = 4
	}
	want := generations(t, func(string) {}, a, b)
	out := t.TempDir()
	env := filepath.Join(out, "dev")
	if _, err := Dir(out, a); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var reads, mixes int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // a reader like `ecsgen check`
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			release, err := LockForReading(env, nil)
			if err != nil {
				t.Error(err)
				return
			}
			if _, err := os.Stat(env); err == nil {
				now := snapshot(t, env)
				reads++
				if !equalSnap(now, want[0]) && !equalSnap(now, want[1]) {
					mixes++
				}
			}
			release()
			time.Sleep(time.Millisecond)
		}
	}()
	for i := range rounds {
		c1 := startChild(t, childJob{Dir: out, Files: a, Cache: cacheDir})
		c2 := startChild(t, childJob{Dir: out, Files: b, Cache: cacheDir})
		if err := errors.Join(c1.Wait(), c2.Wait()); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		now := snapshot(t, env)
		if !equalSnap(now, want[0]) && !equalSnap(now, want[1]) {
			t.Fatalf("round %d: a mix: vs a: %s; vs b: %s", i, diffSnap(want[0], now), diffSnap(want[1], now))
		}
		onlyEnvDirs(t, out, "dev")
		if cacheDir != "" {
			set := []map[string][]byte{a, b}[i%2]
			if _, err := (Options{Records: cache.Open(cacheDir)}).Dir(out, set); err != nil {
				t.Fatal(err)
			}
			if now := snapshot(t, env); !equalSnap(now, want[i%2]) {
				t.Fatalf("round %d: after a build with the record: %s", i, diffSnap(want[i%2], now))
			}
		}
	}
	close(stop)
	wg.Wait()
	if mixes > 0 {
		t.Errorf("the reader saw a mix %d times of %d", mixes, reads)
	}
	t.Logf("%d rounds, %d reads", rounds, reads)
}

// mountTmpfs mounts a tmpfs of size bytes (root only) and returns its path.
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// A full disk (a small tmpfs): one error that says so, the old generation intact, nothing left.
func TestFullDisk(t *testing.T) {
	mnt := mountTmpfs(t, 256<<10)
	oldFiles, newFiles := smallSets()
	if _, err := Dir(mnt, oldFiles); err != nil {
		t.Fatal(err)
	}
	userFiles(filepath.Join(mnt, "dev"))
	before := snapshot(t, filepath.Join(mnt, "dev"))
	newFiles["dev/stacks/huge.json"] = make([]byte, 512<<10)
	_, err := Dir(mnt, newFiles)
	if err == nil || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("want no space left on device, got %v", err)
	}
	for _, s := range []string{"dev/stacks/huge.json: no space left on device", "dev was left as it was"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("the message %q does not say %q", err, s)
		}
	}
	if strings.Contains(err.Error(), stagePrefix) {
		t.Errorf("the message names the staging directory: %q", err)
	}
	if got := snapshot(t, filepath.Join(mnt, "dev")); !equalSnap(got, before) {
		t.Errorf("changed: %s", diffSnap(before, got))
	}
	onlyEnvDirs(t, mnt, "dev")
}

// A read-only directory: one error, the old generation intact.
func TestReadOnlyDirectory(t *testing.T) {
	oldFiles, newFiles := smallSets()
	var out string
	if os.Geteuid() == 0 { // root writes through permissions: make the file system read-only
		out = mountTmpfs(t, 1<<20)
		if _, err := Dir(out, oldFiles); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mount("", out, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			t.Skipf("cannot remount read-only: %v", err)
		}
	} else {
		out = t.TempDir()
		if _, err := Dir(out, oldFiles); err != nil {
			t.Fatal(err)
		}
		os.Chmod(out, 0o555)
		t.Cleanup(func() { os.Chmod(out, 0o755) })
	}
	before := snapshot(t, filepath.Join(out, "dev"))
	_, err := Dir(out, newFiles)
	if err == nil || !(errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EACCES)) {
		t.Fatalf("want a read-only error, got %v", err)
	}
	if !strings.Contains(err.Error(), "was left as it was") {
		t.Errorf("message %q", err)
	}
	if got := snapshot(t, filepath.Join(out, "dev")); !equalSnap(got, before) {
		t.Errorf("changed: %s", diffSnap(before, got))
	}
}
