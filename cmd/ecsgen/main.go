// Command ecsgen compiles an ECS deployment spec (CUE) into CloudFormation stacks, task
// definitions, userdata scripts, IAM policies and a deploy script.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/internal/write"
)

// Exit statuses.
const (
	exitOK      = 0
	exitInvalid = 1 // the spec has errors; nothing was written
	exitUsage   = 2 // the command line is wrong, or ecsgen itself failed
)

const usage = `ecsgen compiles an ECS deployment spec into artifacts you commit and deploy.

Usage:
  ecsgen build [-o DIR] [-t KEY=VALUE]... SPEC.cue...
      Validate the spec and write its artifacts to DIR/<env>/ (default DIR: out):
      CloudFormation stacks, task definitions for the AWS CLI, userdata scripts,
      IAM policies, and deploy.sh, which deploys the stacks in order with
      'aws cloudformation deploy'. Files whose content is unchanged are not
      rewritten. If the spec has any error, every problem is printed, one per
      line as file:line:col: field.path: message, and nothing is written.
      -t injects a value into a CUE @tag(KEY) attribute (e.g. an image tag from CI).

  ecsgen version
      Print the version of ecsgen.

  ecsgen help
      Print this help.

Exit status: 0 success, 1 the spec is invalid, 2 usage or internal error.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "build":
		return runBuild(args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "ecsgen", version())
		return exitOK
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "ecsgen: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
}

// tagFlags collects repeated -t KEY=VALUE flags.
type tagFlags []string

func (t *tagFlags) String() string { return strings.Join(*t, ",") }
func (t *tagFlags) Set(v string) error {
	if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*t = append(*t, v)
	return nil
}

func runBuild(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "out", "output `DIR`; artifacts go to DIR/<env>/")
	var tags tagFlags
	fs.Var(&tags, "t", "inject `KEY=VALUE` into a CUE @tag(KEY) attribute (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: ecsgen build [-o DIR] [-t KEY=VALUE]... SPEC.cue...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "ecsgen build: no spec file given")
		fs.Usage()
		return exitUsage
	}
	res, err := build.Files(fs.Args(), load.Options{Tags: tags})
	if err != nil {
		fmt.Fprintln(stderr, "ecsgen:", err)
		return exitUsage
	}
	fmt.Fprint(stderr, res.Findings.String())
	if res.Files == nil {
		n := len(res.Findings)
		fmt.Fprintf(stderr, "ecsgen: %d problem%s in the spec; nothing was written\n", n, plural(n))
		return exitInvalid
	}
	st, err := write.Dir(*out, res.Files)
	if err != nil {
		fmt.Fprintln(stderr, "ecsgen:", err)
		return exitUsage
	}
	dir := filepath.Join(*out, res.Spec.Env)
	fmt.Fprintf(stdout, "ecsgen: %s: %d file%s written, %d unchanged\n", dir, len(st.Written), plural(len(st.Written)), st.Unchanged)
	fmt.Fprintf(stdout, "deploy with: %s\n", filepath.Join(dir, "deploy.sh"))
	return exitOK
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
