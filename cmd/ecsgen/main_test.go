package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/cache"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/internal/write"

	"github.com/ecsgen/ecsgen/internal/golden" // defines -update for this package
)

func TestMain(m *testing.M) {
	// The build cache stays off in tests, unless a test names a directory (cache_test.go): a
	// test never writes into the user's cache directory.
	os.Setenv(cache.EnvVar, cache.Off)
	testscript.Main(m, map[string]func(){
		"ecsgen": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

// TestScripts pins the CLI's behaviour and messages: testdata/script/*.txtar.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		// -update rewrites the files that cmp compares with (want-stderr, …) in the scripts.
		UpdateScripts: *golden.Update,
		Setup: func(env *testscript.Env) error {
			env.Setenv(cache.EnvVar, cache.Off)
			// The bundled example, so scripts can build it without copying it into each txtar.
			spec, err := os.ReadFile("../../examples/cluster-autoscaling/spec.cue")
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(env.WorkDir, "example.cue"), spec, 0o644)
		},
	})
}

// TestRebuildKeepsFiles: a second build of the same spec rewrites nothing, so every mtime stays.
func TestRebuildKeepsFiles(t *testing.T) {
	out := t.TempDir()
	spec := "../../examples/cluster-autoscaling/spec.cue"
	if code := run([]string{"build", "-o", out, spec}, io.Discard, os.Stderr); code != 0 {
		t.Fatalf("first build: exit %d", code)
	}
	old := time.Now().Add(-time.Hour)
	before := map[string]time.Time{}
	err := filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		if err := os.Chtimes(p, old, old); err != nil {
			return err
		}
		before[p] = old
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"build", "-o", out, spec}, io.Discard, os.Stderr); code != 0 {
		t.Fatalf("second build: exit %d", code)
	}
	for p, mt := range before {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if !info.ModTime().Equal(mt) {
			t.Errorf("%s was rewritten", p)
		}
	}
	if len(before) < 10 {
		t.Fatalf("only %d files written", len(before))
	}
}

// TestStartersBuild: every starter of `ecsgen init` builds as it is, without a finding: it
// creates its own VPC, so it holds no id that only the user's account has (a placeholder of an
// earlier starter, P01, would fail the deploy).
func TestStartersBuild(t *testing.T) {
	ids := regexp.MustCompile(`^[^/]*"((vpc|subnet|sg)-[0-9a-f]+|[0-9]{12})"`)
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			file := "starters/" + s.name + ".cue"
			res, err := build.Files([]string{file}, load.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Files == nil {
				t.Fatalf("the starter does not build:\n%s", res.Findings)
			}
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(src), "\n") {
				if m := ids.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
					t.Errorf("the starter names an id of an account: %s", line)
				}
			}
			if len(res.Findings) > 0 {
				t.Errorf("findings:\n%s", res.Findings)
			}
			if !slices.ContainsFunc(slices.Collect(maps.Keys(res.Files)), func(p string) bool { return strings.HasSuffix(p, "-network.json") }) {
				t.Error("no network stack: the starter does not create its VPC")
			}
		})
	}
}

// syncBuffer is a bytes.Buffer that two goroutines can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A build waits while a check reads the same environment, says so, then writes.
func TestBuildWaitsForCheck(t *testing.T) {
	out := t.TempDir()
	spec := "../../examples/cluster-autoscaling/spec.cue"
	if code := run([]string{"build", "-o", out, spec}, io.Discard, os.Stderr); code != 0 {
		t.Fatalf("first build: exit %d", code)
	}
	release, err := write.LockForReading(filepath.Join(out, "dev"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	done := make(chan int)
	go func() { done <- run([]string{"build", "-o", out, spec}, io.Discard, &stderr) }()
	want := fmt.Sprintf("ecsgen: waiting for an ecsgen check of %s (pid %d) to finish…\n", filepath.Join(out, "dev"), os.Getpid())
	for deadline := time.Now().Add(30 * time.Second); stderr.String() == "" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case code := <-done:
		t.Fatalf("the build did not wait: exit %d", code)
	default:
	}
	release()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
	if got := stderr.String(); got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}

// A write that fails is one line and exit 2, and the previous output stays as it was: a
// directory in the way, a read-only output directory.
func TestWriteFailureExits2(t *testing.T) {
	src, err := os.ReadFile("../../examples/cluster-autoscaling/spec.cue")
	if err != nil {
		t.Fatal(err)
	}
	changed := filepath.Join(t.TempDir(), "changed.cue")
	if err := os.WriteFile(changed, bytes.Replace(src, []byte("nginx:latest"), []byte("nginx:1.27"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string]func(t *testing.T, out string){
		"a directory in the way": func(t *testing.T, out string) {
			os.Remove(filepath.Join(out, "dev", "deploy.sh"))
			os.Mkdir(filepath.Join(out, "dev", "deploy.sh"), 0o755)
		},
		"a read-only output directory": func(t *testing.T, out string) {
			if os.Geteuid() != 0 {
				os.Chmod(out, 0o555)
				t.Cleanup(func() { os.Chmod(out, 0o755) })
				return
			}
			// root writes through permissions: a read-only file system.
			if err := syscall.Mount(out, out, "", syscall.MS_BIND, ""); err != nil {
				t.Skipf("cannot bind-mount: %v", err)
			}
			t.Cleanup(func() { syscall.Unmount(out, syscall.MNT_DETACH) })
			if err := syscall.Mount("", out, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
				t.Skipf("cannot remount read-only: %v", err)
			}
		},
	}
	for name, fault := range cases {
		t.Run(name, func(t *testing.T) {
			out := t.TempDir()
			if code := run([]string{"build", "-o", out, "../../examples/cluster-autoscaling/spec.cue"}, io.Discard, os.Stderr); code != 0 {
				t.Fatalf("first build: exit %d", code)
			}
			fault(t, out)
			before := tree(t, out)
			var stdout, stderr bytes.Buffer
			if code := run([]string{"build", "-o", out, changed}, &stdout, &stderr); code != 2 {
				t.Fatalf("exit %d, want 2\n%s", code, stderr.String())
			}
			if n := strings.Count(stderr.String(), "\n"); n != 1 || !strings.HasSuffix(stderr.String(), "dev was left as it was\n") {
				t.Errorf("stderr: %q", stderr.String())
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout: %q", stdout.String())
			}
			if after := tree(t, out); after != before {
				t.Errorf("the output changed:\n%s\n---\n%s", before, after)
			}
		})
	}
}

// tree lists every entry under dir with its content, one per line.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %v", p, d.Type())
		if d.Type().IsRegular() {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " %x", sha256.Sum256(data))
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
