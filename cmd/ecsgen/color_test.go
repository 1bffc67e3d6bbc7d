package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/creack/pty"
)

// runOnTerminal runs ecsgen with stderr on a pseudo-terminal and returns what it printed there.
func runOnTerminal(t *testing.T, args ...string) (string, int) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer ptmx.Close()
	out := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(ptmx) // ends with EIO once the terminal side is closed
		out <- b
	}()
	code := run(args, io.Discard, tty)
	tty.Close()
	return string(<-out), code
}

func writeBadSpec(t *testing.T) string {
	t.Helper()
	p := t.TempDir() + "/bad.cue"
	spec := "system: \"Demo\"\nenv: \"dev\"\nregion: \"ap-northeast-1\"\nnetwork: {vpc: \"vpc-0123456789abcdef0\", subnets: [\"subnet-0123456789abcdef0\"]}\n"
	if err := os.WriteFile(p, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestColorOnTerminal: findings are coloured on a terminal, and plain with NO_COLOR or
// TERM=dumb; piped output (the testscripts) is plain too.
func TestColorOnTerminal(t *testing.T) {
	spec := writeBadSpec(t)
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm-256color")
	got, code := runOnTerminal(t, "vet", spec)
	if code != exitInvalid {
		t.Fatalf("exit %d, want %d:\n%s", code, exitInvalid, got)
	}
	if !strings.Contains(got, "\x1b[1m"+spec+":1:9:\x1b[22m") || !strings.Contains(got, "\x1b[31msystem:\x1b[0m") {
		t.Errorf("no colour on a terminal:\n%q", got)
	}
	for _, env := range []struct{ key, value string }{{"NO_COLOR", "1"}, {"TERM", "dumb"}} {
		t.Run(env.key+"="+env.value, func(t *testing.T) {
			t.Setenv(env.key, env.value)
			got, _ := runOnTerminal(t, "vet", spec)
			if strings.Contains(got, "\x1b[") {
				t.Errorf("colour with %s=%s:\n%q", env.key, env.value, got)
			}
			if !strings.Contains(got, spec+":1:9: system: ") {
				t.Errorf("finding missing:\n%q", got)
			}
		})
	}
	t.Run("piped", func(t *testing.T) {
		var stderr bytes.Buffer
		run([]string{"vet", spec}, io.Discard, &stderr)
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if useColor(w, func(string) string { return "" }) {
			t.Error("colour on a pipe")
		}
		w.Close()
		if strings.Contains(stderr.String(), "\x1b[") {
			t.Errorf("colour in a buffer:\n%q", stderr.String())
		}
	})
}
