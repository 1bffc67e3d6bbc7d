// Command ecsgen compiles an ECS deployment spec (CUE, YAML or JSON) into CloudFormation
// stacks, task definitions, userdata scripts, IAM policies, a deploy script and a README per
// environment.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/internal/write"
	"github.com/ecsgen/ecsgen/schema/jsonschema"
)

// Exit statuses.
const (
	exitOK      = 0
	exitInvalid = 1 // the spec has errors (nothing was written), or `check` found a difference
	exitUsage   = 2 // the command line is wrong, or ecsgen itself failed
)

const usage = `ecsgen compiles an ECS deployment spec into artifacts you commit and deploy.

Usage:
  ecsgen build [-o DIR] [--env ENV]... [-t KEY=VALUE]... SPEC...
      Validate the spec and write the artifacts of each environment to DIR/<env>/
      (default DIR: out): CloudFormation stacks, task definitions for the AWS CLI,
      userdata scripts, IAM policies, deploy.sh (deploys the stacks in order with
      'aws cloudformation deploy') and README.md (a diagram, the services, the
      deploy commands). Files whose content is unchanged are not rewritten. If the
      spec has any error, every problem is printed, one per line as
      file:line:col: field.path: message, and nothing is written.
      --env builds only the named environments (repeatable, or comma-separated).
      -t injects a value into a CUE @tag(KEY) attribute (e.g. an image tag from CI).
      SPEC is CUE files, or a YAML or JSON file checked by the same schema.

  ecsgen check [-o DIR] [--env ENV]... [-t KEY=VALUE]... SPEC...
      Build in memory and compare with what is committed in DIR/<env>/: exit 0 when
      they are equal, 1 with a unified diff when they differ (for CI).

  ecsgen vet [--env ENV]... [-t KEY=VALUE]... SPEC...
      Validate the spec and run the rules; write nothing.

  ecsgen schema [-format json|markdown]
      Print the JSON Schema of the spec (for editors: a YAML or JSON spec that names
      it gets completion and checking), or the spec reference in Markdown.

  ecsgen init [-scenario NAME] [-o FILE]
      Write a starter spec (default FILE: spec.cue; an existing file is kept).
      Scenarios: ` + scenarioList + `.

  ecsgen version
      Print the version of ecsgen.

  ecsgen help
      Print this help.

Exit status: 0 success, 1 the spec is invalid or check found a difference, 2 usage or internal error.
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
	case "check":
		return runCheck(args[1:], stdout, stderr)
	case "vet":
		return runVet(args[1:], stdout, stderr)
	case "schema":
		return runSchema(args[1:], stdout, stderr)
	case "init":
		return runInit(args[1:], stdout, stderr)
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

// envFlags collects repeated --env flags, each one name or a comma-separated list.
type envFlags []string

func (e *envFlags) String() string { return strings.Join(*e, ",") }
func (e *envFlags) Set(v string) error {
	for _, name := range strings.Split(v, ",") {
		if name = strings.TrimSpace(name); name == "" {
			return fmt.Errorf("empty environment name in %q", v)
		}
		if !slices.Contains(*e, name) {
			*e = append(*e, name)
		}
	}
	return nil
}

// specCommand parses the flags every spec-taking command shares, and builds the spec.
type specCommand struct {
	name, synopsis string
	out            *string
	tags           tagFlags
	envs           envFlags
	fs             *flag.FlagSet
}

func newSpecCommand(name, synopsis string, withOut bool, stderr io.Writer) *specCommand {
	c := &specCommand{name: name, synopsis: synopsis, fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	c.fs.SetOutput(stderr)
	if withOut {
		c.out = c.fs.String("o", "out", "output `DIR`; artifacts go to DIR/<env>/")
	}
	c.fs.Var(&c.envs, "env", "only the environment `ENV` (repeatable, or comma-separated)")
	c.fs.Var(&c.tags, "t", "inject `KEY=VALUE` into a CUE @tag(KEY) attribute (repeatable)")
	c.fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: ecsgen "+synopsis)
		c.fs.PrintDefaults()
	}
	return c
}

// load parses args and builds the spec; a non-negative code means the command is over.
func (c *specCommand) load(args []string, stderr io.Writer) (*build.Result, int) {
	if err := c.fs.Parse(args); err != nil {
		return nil, exitUsage
	}
	if c.fs.NArg() == 0 {
		fmt.Fprintf(stderr, "ecsgen %s: no spec file given\n", c.name)
		c.fs.Usage()
		return nil, exitUsage
	}
	res, err := build.Files(c.fs.Args(), load.Options{Tags: c.tags, Envs: c.envs})
	if err != nil {
		fmt.Fprintln(stderr, "ecsgen:", err)
		return nil, exitUsage
	}
	fmt.Fprint(stderr, res.Findings.String())
	if res.Files == nil {
		n := len(res.Findings)
		fmt.Fprintf(stderr, "ecsgen: %d problem%s in the spec; nothing was written\n", n, plural(n))
		return nil, exitInvalid
	}
	return res, -1
}

func runBuild(args []string, stdout, stderr io.Writer) int {
	c := newSpecCommand("build", "build [-o DIR] [--env ENV]... [-t KEY=VALUE]... SPEC...", true, stderr)
	res, code := c.load(args, stderr)
	if code >= 0 {
		return code
	}
	st, err := write.Dir(*c.out, res.Files)
	if err != nil {
		fmt.Fprintln(stderr, "ecsgen:", err)
		return exitUsage
	}
	for _, env := range res.Envs {
		written := 0
		for _, p := range st.Written {
			if strings.HasPrefix(p, env+"/") && path.Base(p) != write.ManifestName {
				written++
			}
		}
		total := 0
		for p := range res.Files {
			if strings.HasPrefix(p, env+"/") {
				total++
			}
		}
		removed := 0
		for _, p := range st.Removed {
			if strings.HasPrefix(p, env+"/") {
				removed++
			}
		}
		dir := filepath.Join(*c.out, env)
		fmt.Fprintf(stdout, "ecsgen: %s: %d file%s written, %d unchanged", dir, written, plural(written), total-written)
		if removed > 0 {
			fmt.Fprintf(stdout, ", %d removed (no longer generated)", removed)
		}
		fmt.Fprintln(stdout)
		printChecklist(stdout, filepath.Join(dir, "checklist.md"), res.Files[env+"/checklist.md"])
		fmt.Fprintf(stdout, "deploy with: %s\n", filepath.Join(dir, "deploy.sh"))
	}
	return exitOK
}

// printChecklist prints the items of an environment's pre-deploy checklist: what only the
// account can answer. The file beside deploy.sh has the commands that answer them.
func printChecklist(w io.Writer, file string, checklist []byte) {
	var items []string
	for _, line := range strings.Split(string(checklist), "\n") {
		if item, ok := strings.CutPrefix(line, "- [ ] "); ok {
			items = append(items, item)
		}
	}
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(w, "before the first deploy, check (commands in %s):\n", file)
	for _, it := range items {
		fmt.Fprintf(w, "  - %s\n", it)
	}
}

func runVet(args []string, stdout, stderr io.Writer) int {
	c := newSpecCommand("vet", "vet [--env ENV]... [-t KEY=VALUE]... SPEC...", false, stderr)
	res, code := c.load(args, stderr)
	if code >= 0 {
		return code
	}
	n := len(res.Envs)
	fmt.Fprintf(stdout, "ecsgen: %s: ok (%d environment%s: %s)\n", strings.Join(c.fs.Args(), " "), n, plural(n), strings.Join(res.Envs, ", "))
	return exitOK
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	c := newSpecCommand("check", "check [-o DIR] [--env ENV]... [-t KEY=VALUE]... SPEC...", true, stderr)
	res, code := c.load(args, stderr)
	if code >= 0 {
		return code
	}
	diffs, err := compare(*c.out, res, len(c.envs) == 0)
	if err != nil {
		fmt.Fprintln(stderr, "ecsgen:", err)
		return exitUsage
	}
	if len(diffs) == 0 {
		fmt.Fprintf(stdout, "ecsgen: %s: up to date (%d environment%s, %d files)\n", *c.out, len(res.Envs), plural(len(res.Envs)), len(res.Files))
		return exitOK
	}
	for _, d := range diffs {
		fmt.Fprint(stdout, d.text)
	}
	var names []string
	for _, d := range diffs {
		names = append(names, d.path)
	}
	fmt.Fprintf(stderr, "ecsgen: %d file%s in %s differ from what the spec produces: %s\n", len(diffs), plural(len(diffs)), *c.out, strings.Join(names, ", "))
	fmt.Fprintf(stderr, "ecsgen: run `ecsgen build -o %s %s` and commit the result\n", *c.out, strings.Join(c.fs.Args(), " "))
	return exitInvalid
}

func runSchema(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("schema", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "json", "`json` (the JSON Schema) or markdown (the spec reference)")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "ecsgen schema: takes no arguments")
		return exitUsage
	}
	var out []byte
	var err error
	switch *format {
	case "json":
		out, err = jsonschema.JSONSchema()
	case "markdown", "md":
		out, err = jsonschema.Reference()
	default:
		fmt.Fprintf(stderr, "ecsgen schema: unknown format %q: want json or markdown\n", *format)
		return exitUsage
	}
	if err != nil {
		fmt.Fprintln(stderr, "ecsgen:", err)
		return exitUsage
	}
	stdout.Write(out)
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
