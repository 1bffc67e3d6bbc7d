package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/cache"
	"github.com/ecsgen/ecsgen/internal/load"
)

// tagFlags collects repeated -t KEY=VALUE flags.
type tagFlags []string

func (t *tagFlags) String() string { return strings.Join(*t, ",") }
func (t *tagFlags) Type() string   { return "KEY=VALUE" }
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
func (e *envFlags) Type() string   { return "ENV" }
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

// specFlags are the flags of every verb that reads a spec.
type specFlags struct {
	out      string // only for the verbs that have -o
	tags     tagFlags
	envs     envFlags
	format   formatFlag
	cacheDir string
	cache    *cache.Cache // the build cache load opened; nil when it is off
}

// specFileExts are the spec files the shell completes.
var specFileExts = []string{"cue", "yaml", "yml", "json"}

// newSpecCmd is a verb that reads the spec files given as its arguments: the flags they
// share, the completion of spec files, and the check that at least one is given.
func newSpecCmd(use, short, long string, withOut bool) (*cobra.Command, *specFlags) {
	sf := &specFlags{}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long + "\n\n" + exitStatusHelp,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("no spec file given")
			}
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return specFileExts, cobra.ShellCompDirectiveFilterFileExt
		},
	}
	if withOut {
		cmd.Flags().StringVarP(&sf.out, "out", "o", "out", "output `DIR`; artifacts go to DIR/<env>/")
		cmd.MarkFlagDirname("out")
	}
	cmd.Flags().Var(&sf.envs, "env", "only the environment `ENV` (repeatable, or comma-separated)")
	cmd.Flags().VarP(&sf.tags, "tag", "t", "inject `KEY=VALUE` into a CUE @tag(KEY) attribute (repeatable)")
	addFormatFlag(cmd, &sf.format)
	cmd.Flags().StringVar(&sf.cacheDir, "cache-dir", "", "build cache `DIR` of per-service results (default $"+cache.EnvVar+", else the user cache directory's ecsgen); \"off\": no cache")
	cmd.MarkFlagDirname("cache-dir")
	cmd.RegisterFlagCompletionFunc("env", cobra.NoFileCompletions)
	cmd.RegisterFlagCompletionFunc("tag", cobra.NoFileCompletions)
	return cmd, sf
}

// specFilesExist reports a spec file that is not there, or is a directory, as a usage error:
// the command line names the wrong file. Unreadable or invalid files are findings.
func specFilesExist(files []string) error {
	for _, f := range files {
		if f == "-" {
			continue
		}
		info, err := os.Stat(f)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("%s: no such file", f)
		case err == nil && info.IsDir():
			return fmt.Errorf("%s is a directory; name the spec files in it", f)
		}
	}
	return nil
}

// load builds the spec in files and reports its findings. It returns the result and the
// reporter that prints the rest, or the error that ends the command: a usage error, an
// internal one, or the spec's findings.
func (sf *specFlags) load(cmd *cobra.Command, files []string) (*build.Result, *reporter, error) {
	return sf.loadWith(cmd, files, nil)
}

// loadWith is load; begin, when set, is build.Options.Begin (a build that stages each
// service's files as they are generated).
func (sf *specFlags) loadWith(cmd *cobra.Command, files []string, begin func(envs []string) (generators.Sink, error)) (*build.Result, *reporter, error) {
	if err := specFilesExist(files); err != nil {
		return nil, nil, err
	}
	opts := load.Options{Tags: sf.tags, Envs: sf.envs}
	// The build cache keeps each service's model and stack between builds: a large spec with
	// one service changed builds that one again. It never changes the output.
	c := cache.Open(cache.Dir(sf.cacheDir))
	sf.cache = c
	if c != nil {
		opts.Memo = c
	}
	res, err := build.Options{Load: opts, Begin: begin}.Files(files)
	if err != nil {
		return nil, nil, err
	}
	// The entries the build used, packed for the next build to read in one go.
	c.Pack()
	c.Trim()
	r := newReporter(sf.format, cmd.OutOrStdout(), cmd.ErrOrStderr())
	r.findings(res.Findings)
	if res.Files == nil {
		n := len(res.Findings)
		return nil, nil, r.failure(fmt.Sprintf("ecsgen: %d problem%s in the spec; nothing was written", n, plural(n)))
	}
	return res, r, nil
}

// notifier prints, on stderr, what holds a command up (another build of the same directory).
func notifier(stderr io.Writer) func(string) {
	return func(msg string) { fmt.Fprintln(stderr, "ecsgen:", msg) }
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
