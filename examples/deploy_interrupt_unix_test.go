//go:build unix

package examples_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An interrupt stops the jobs' AWS CLIs, not only the script: each job has a process group of
// its own, which deploy.sh stops.
func TestDeployParallelInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: waits for deploys of the fake AWS CLI to begin")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	envDir := buildInto(t, "testdata/lifecycle/service-connect/v4.cue", t.TempDir())
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "aws"), []byte(fakeAWS), 0o755); err != nil {
		t.Fatal(err)
	}
	calls := filepath.Join(t.TempDir(), "calls")
	cmd := exec.Command("bash", filepath.Join(envDir, "deploy.sh"), "--parallel=2")
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "CALLS="+calls,
		"ANSWER_STACKS=", "DEPLOY_SECONDS=60", "DEPLOY_SLOW=*-svc-*")
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The cluster stack deploys at once; then two service stacks begin (the first wave).
	var pids []int
	deadline := time.Now().Add(90 * time.Second)
	for len(pids) < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		log, _ := os.ReadFile(calls)
		pids = pids[:0]
		for _, line := range strings.Split(string(log), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "deploy-begin" && strings.Contains(f[1], "-svc-") {
				pid, _ := strconv.Atoi(f[2])
				pids = append(pids, pid)
			}
		}
	}
	if len(pids) < 2 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("no two service deploys began:\n%s", out.String())
	}
	start := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 || time.Since(start) > 10*time.Second {
		t.Errorf("after an interrupt: %v after %s, want exit status 130 at once\n%s", err, time.Since(start), out.String())
	}
	// A signalled process may take a moment to go: up to 3 seconds.
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		if !slices.ContainsFunc(pids, running) {
			break
		}
	}
	for _, pid := range pids {
		if running(pid) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("the AWS CLI of a job (pid %d) still runs after the interrupt", pid)
		}
	}
	if !strings.Contains(out.String(), "Stopped the AWS CLI of") {
		t.Errorf("deploy.sh does not say what it stopped:\n%s", out.String())
	}
}

// running: process pid exists and is not a zombie (a process whose parent died is reaped by
// whatever adopts it, which in a container may never happen).
func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	state, err := exec.Command("ps", "-o", "stat=", "-p", strconv.Itoa(pid)).Output()
	return err == nil && !strings.HasPrefix(strings.TrimSpace(string(state)), "Z")
}
