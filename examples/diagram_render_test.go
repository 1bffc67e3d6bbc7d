package examples_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The picture: the per-environment README holds its diagram as a ```mermaid block, which
// GitHub, GitLab and VS Code's Markdown preview draw where the README is read, so the build
// stays deterministic and needs no browser. This test draws every generated diagram the way
// they do, with Mermaid 11 in a headless Chromium (scripts/mermaid/render.mjs, playwright-core
// pinned in its package-lock.json, offline): Mermaid renders it without an error, every box
// and group is drawn, every label line is in the picture, and every box lies inside the group
// that holds it (a container in its service, a service in its cluster).
//
// It needs Chromium (/usr/bin/chromium, or CHROMIUM; Debian: apt-get install chromium) and
// `npm ci --prefix scripts/mermaid`; without them it is skipped, or fails under
// ECSGEN_REQUIRE_GATE=1 (CI). It is slow (a browser), so -short skips it.
func TestDiagramsRenderInChromium(t *testing.T) {
	required := os.Getenv("ECSGEN_REQUIRE_GATE") == "1"
	if testing.Short() && !required {
		t.Skip("-short: renders in a browser")
	}
	dir, err := filepath.Abs("../scripts/mermaid")
	if err != nil {
		t.Fatal(err)
	}
	browser := os.Getenv("CHROMIUM")
	if browser == "" {
		browser = "/usr/bin/chromium"
	}
	_, noNode := exec.LookPath("node")
	_, noModules := os.Stat(filepath.Join(dir, "node_modules", "playwright-core"))
	_, noBrowser := os.Stat(browser)
	if noNode != nil || noModules != nil || noBrowser != nil {
		msg := "node, `npm ci --prefix scripts/mermaid` or Chromium (" + browser + ") is missing"
		if required {
			t.Fatal(msg + " (ECSGEN_REQUIRE_GATE=1)")
		}
		t.Skip(msg)
	}
	diagrams := readmeDiagrams(t)
	input, err := json.Marshal(diagrams)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "render.mjs"))
	cmd.Env = append(os.Environ(), "CHROMIUM="+browser)
	cmd.Stdin = bytes.NewReader(input)
	// node and the browser it starts form a process group of their own: on a timeout the whole
	// group is stopped, and nothing else.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("rendering the diagrams: %v\n%s", err, out)
	}
	t.Logf("%s", bytes.TrimSpace(out))
}
