//go:build unix

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ecsgen/ecsgen/internal/benchspec"
)

// outputState is every entry under dir with its content and inode, so that a replaced file
// shows even with the same bytes.
func outputState(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if p == dir {
			return nil // the staging directory is made, and removed, in it
		}
		info, _ := d.Info()
		b := []byte("dir")
		if d.Type().IsRegular() {
			b, _ = os.ReadFile(p)
		}
		// Not the change time: a link into a staging directory, removed again, changes it.
		out[p] = fmt.Sprintf("%d %v %v %s", info.Sys().(*syscall.Stat_t).Ino, info.Mode(), info.ModTime(), b)
		return nil
	})
	return out
}

// TestBuildStopsMidGeneration: `ecsgen build` stages each service's files as they are
// generated, so a build can stop after some are staged: a stack over CloudFormation's limit
// (a finding that only generation finds), or something in the way of a service's file. Either
// way the output is as it was, inode for inode, no staging directory is left, and the next
// build succeeds.
func TestBuildStopsMidGeneration(t *testing.T) {
	dir := t.TempDir()
	src := benchspec.Spec(20)
	spec, out := filepath.Join(dir, "spec.cue"), filepath.Join(dir, "out")
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	build := func() (int, string) {
		var stderr bytes.Buffer
		code := run([]string{"build", "--cache-dir", "off", "-o", out, spec}, &bytes.Buffer{}, &stderr)
		return code, stderr.String()
	}
	if code, msg := build(); code != 0 {
		t.Fatal(msg)
	}
	unchanged := func(t *testing.T, before map[string]string) {
		t.Helper()
		if after := outputState(t, out); len(after) != len(before) {
			t.Errorf("the output has %d entries, had %d", len(after), len(before))
		} else {
			for p, v := range before {
				if after[p] != v {
					t.Errorf("%s changed", p)
				}
			}
		}
		if left, _ := filepath.Glob(filepath.Join(out, ".ecsgen-*")); len(left) > 0 {
			t.Errorf("left beside the output: %v", left)
		}
	}

	t.Run("a stack over the limit", func(t *testing.T) {
		var big strings.Builder
		for i := range 150 {
			fmt.Fprintf(&big, "\t\t\t\t\tBIG_%03d: %q\n", i, strings.Repeat("x", 8000))
		}
		edited := strings.Replace(src, "\t\t\t\t\tFEATURE_0015: \"on\"\n", "\t\t\t\t\tFEATURE_0015: \"on\"\n"+big.String(), 1)
		edited = strings.ReplaceAll(edited, "desiredCount: 2\n", "desiredCount: 3\n") // other services change too: staged first
		if edited == src {
			t.Fatal("the spec was not edited")
		}
		os.WriteFile(spec, []byte(edited), 0o644)
		before := outputState(t, out)
		code, msg := build()
		if code != 1 || !strings.Contains(msg, "[R58]") || !strings.Contains(msg, "nothing was written") {
			t.Fatalf("exit %d: %s", code, msg)
		}
		unchanged(t, before)
	})
	t.Run("a directory where a service's file goes", func(t *testing.T) {
		os.WriteFile(spec, []byte(strings.ReplaceAll(src, "desiredCount: 2\n", "desiredCount: 4\n")), 0o644)
		inTheWay := filepath.Join(out, "perf", "taskdefs", "svc-0017.json")
		os.Remove(inTheWay)
		os.MkdirAll(filepath.Join(inTheWay, "mine"), 0o755)
		before := outputState(t, out)
		code, msg := build()
		if code == 0 || !strings.Contains(msg, "svc-0017.json is in the way") || !strings.Contains(msg, "was left as it was") {
			t.Fatalf("exit %d: %s", code, msg)
		}
		unchanged(t, before)
		os.RemoveAll(inTheWay)
	})
	os.WriteFile(spec, []byte(src), 0o644)
	if code, msg := build(); code != 0 {
		t.Fatal(msg)
	}
}

// TestInterruptedBuildLeavesOutput: an interrupt (SIGTERM, as a CI timeout sends, or Ctrl-C's
// SIGINT) while a build has files staged ends it as an error does: the output is as it was,
// inode for inode, and no staging directory is left beside it (abortOnSignal). The build runs
// as a child process (this test binary, as ecsgen: TestMain), signalled as soon as its staging
// directory appears.
func TestInterruptedBuildLeavesOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a spec of 400 services twice")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src := benchspec.Spec(400)
	spec, out := filepath.Join(dir, "spec.cue"), filepath.Join(dir, "out")
	if err := os.WriteFile(spec, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"build", "--cache-dir", "off", "-o", out, spec}, &bytes.Buffer{}, os.Stderr); code != 0 {
		t.Fatalf("first build: exit %d", code)
	}
	// Every service changes: its files are staged as soon as it is generated.
	if err := os.WriteFile(spec, []byte(strings.ReplaceAll(src, "desiredCount: 2\n", "desiredCount: 3\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	before := outputState(t, out)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := exec.Command(exe, "build", "--cache-dir", "off", "-o", out, spec)
		cmd.Args[0] = "ecsgen"
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Minute)
		for {
			if staged, _ := filepath.Glob(filepath.Join(out, ".ecsgen-stage.*")); len(staged) > 0 {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatalf("no staging directory appeared: %s", stderr.String())
			}
			time.Sleep(time.Millisecond)
		}
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 128+int(sig) {
			t.Fatalf("%v: the build ended with %v, not exit %d: %s", sig, err, 128+int(sig), stderr.String())
		}
		if after := outputState(t, out); len(after) != len(before) {
			t.Errorf("%v: the output has %d entries, had %d", sig, len(after), len(before))
		} else {
			for p, v := range before {
				if after[p] != v {
					t.Errorf("%v: %s changed", sig, p)
				}
			}
		}
		if left, _ := filepath.Glob(filepath.Join(out, ".ecsgen-*")); len(left) > 0 {
			t.Errorf("%v: left beside the output: %v", sig, left)
		}
	}
}
