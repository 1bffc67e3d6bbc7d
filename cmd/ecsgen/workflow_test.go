package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// readmeWorkflow returns the GitHub Actions workflow the README shows: the yaml block that
// has jobs.
func readmeWorkflow(t *testing.T) []byte {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?ms)^```yaml\n(.*?)^```$").FindAllSubmatch(readme, -1)
	for _, b := range blocks {
		if bytes.Contains(b[1], []byte("\njobs:\n")) {
			return b[1]
		}
	}
	t.Fatal("the README shows no GitHub Actions workflow (a yaml block with jobs:)")
	return nil
}

// TestReadmeWorkflow: the README's workflow is valid for GitHub Actions (actionlint: YAML,
// keys, expressions, action inputs, and shellcheck on the run scripts when shellcheck is
// installed), and every ecsgen command it runs parses with ecsgen's own command line: the
// verb exists and takes those flags with those values.
func TestReadmeWorkflow(t *testing.T) {
	content := readmeWorkflow(t)
	opts := &actionlint.LinterOptions{}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	} else {
		t.Log("shellcheck is not installed: the run scripts are not linted")
	}
	linter, err := actionlint.NewLinter(io.Discard, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := linter.Lint(".github/workflows/ecsgen.yaml", content, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("actionlint: %d:%d: %s [%s]", e.Line, e.Column, e.Message, e.Kind)
	}

	wf, perrs := actionlint.Parse(content)
	if len(perrs) > 0 {
		t.Fatalf("does not parse: %v", perrs[0])
	}
	var uses []string
	var commands [][]string
	for _, job := range wf.Jobs {
		for _, step := range job.Steps {
			switch e := step.Exec.(type) {
			case *actionlint.ExecAction:
				uses = append(uses, e.Uses.Value)
			case *actionlint.ExecRun:
				commands = append(commands, ecsgenCommands(t, e.Run.Value)...)
			}
		}
	}
	for _, want := range []string{"actions/checkout@", "actions/setup-go@"} {
		if !slices.ContainsFunc(uses, func(u string) bool { return strings.HasPrefix(u, want) }) {
			t.Errorf("the workflow does not use %s", want)
		}
	}
	verbs := map[string]bool{}
	for _, args := range commands {
		verb, err := parseOnly(args)
		if err != nil {
			t.Errorf("ecsgen %s: %v", strings.Join(args, " "), err)
		}
		verbs[verb] = true
	}
	for _, want := range []string{"check", "build"} {
		if !verbs[want] {
			t.Errorf("the workflow never runs ecsgen %s", want)
		}
	}
}

// ecsgenCommands returns the arguments of every ecsgen command in a run script. Expressions
// (${{ … }}) and shell variables stand for values that are not known here: each becomes a
// word of its own name.
func ecsgenCommands(t *testing.T, script string) [][]string {
	t.Helper()
	script = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`).ReplaceAllStringFunc(script, func(m string) string { return "EXPR" })
	f, err := syntax.NewParser().Parse(strings.NewReader(script), "run")
	if err != nil {
		t.Fatalf("run script does not parse as a shell script: %v\n%s", err, script)
	}
	cfg := &expand.Config{Env: expand.FuncEnviron(func(name string) string { return "$" + name })}
	var out [][]string
	syntax.Walk(f, func(n syntax.Node) bool {
		call, ok := n.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		var args []string
		for _, w := range call.Args {
			s, err := expand.Literal(cfg, w)
			if err != nil {
				t.Fatalf("cannot expand %v: %v", w, err)
			}
			args = append(args, s)
		}
		if args[0] == "ecsgen" {
			out = append(out, args[1:])
		}
		return true
	})
	return out
}

// parseOnly parses args as ecsgen would, without running the command: the verb it names, or
// the usage error ecsgen would report.
func parseOnly(args []string) (string, error) {
	root := newRootCmd(io.Discard, io.Discard)
	cmd, rest, err := root.Find(args)
	if err != nil {
		return "", err
	}
	if cmd == root {
		return "", fmt.Errorf("no verb")
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return cmd.Name(), err
	}
	return cmd.Name(), cmd.ValidateArgs(cmd.Flags().Args())
}

// TestParseOnly: the parser the workflow test relies on rejects what ecsgen rejects.
func TestParseOnly(t *testing.T) {
	for _, bad := range [][]string{
		{"frobnicate", "spec.cue"},
		{"check", "spec.cue", "--format", "sarif"},
		{"build", "spec.cue", "--output", "out"},
		{"build"},
		{"schema", "--env", "prod"},
	} {
		if _, err := parseOnly(bad); err == nil {
			t.Errorf("ecsgen %s parses", strings.Join(bad, " "))
		}
	}
	if verb, err := parseOnly([]string{"build", "spec.cue", "-o", "dist", "--env", "prod", "-t", "image_tag=EXPR", "--format", "github"}); err != nil || verb != "build" {
		t.Errorf("a valid build: %s, %v", verb, err)
	}
}
