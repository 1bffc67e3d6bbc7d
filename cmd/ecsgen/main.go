// Command ecsgen compiles an ECS deployment spec (CUE, YAML or JSON) into CloudFormation
// stacks, task definitions, userdata scripts, IAM policies, a deploy script and a README per
// environment.
//
// The command line is built with cobra (github.com/spf13/cobra): one file per verb, each a
// new<Verb>Cmd function that run adds to the root command.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Exit statuses.
const (
	exitOK      = 0
	exitInvalid = 1 // the spec has errors (nothing was written), `check` found a difference, or `plan` a risky change
	exitUsage   = 2 // the command line is wrong, ecsgen itself failed, or the output could not be written
)

// exitStatusHelp ends the help of the root command and of every verb that reads a spec.
const exitStatusHelp = `Exit status: 0 success, 1 the spec is invalid, check found a difference or plan a risky change, 2 usage or internal error.`

// failed ends a command whose reason is already printed (the spec's findings, a diff).
type failed struct{ code int }

func (f *failed) Error() string { return fmt.Sprintf("exit status %d", f.code) }

// internalError is a failure of ecsgen or of the machine (an unwritable directory), not of
// the command line: it is printed without the pointer to --help.
type internalError struct{ err error }

func (e *internalError) Error() string { return e.err.Error() }
func (e *internalError) Unwrap() error { return e.err }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	if len(args) == 0 {
		// No verb: the usage, on stderr, as a usage error.
		root.InitDefaultHelpFlag()
		root.InitDefaultHelpCmd()
		root.InitDefaultCompletionCmd()
		root.SetOut(stderr)
		root.Usage()
		return exitUsage
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return exitOK
	}
	var f *failed
	if errors.As(err, &f) {
		return f.code
	}
	var pe *parseError
	if errors.As(err, &pe) {
		fmt.Fprintln(stderr, pe.msg)
		return exitUsage
	}
	var ie *internalError
	if errors.As(err, &ie) {
		fmt.Fprintf(stderr, "ecsgen: %v\n", ie.err)
		return exitUsage
	}
	if cmd == nil {
		cmd = root
	}
	fmt.Fprintf(stderr, "%s: %v%s\n", cmd.CommandPath(), err, dashHint(cmd, args))
	fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	return exitUsage
}

// newRootCmd is the whole command line: the root command and its verbs.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "ecsgen",
		Short: "Compile an ECS deployment spec into artifacts you commit and deploy",
		Long: `ecsgen compiles an ECS deployment spec into artifacts you commit and deploy.

A spec (CUE files, or a YAML or JSON file checked by the same schema) describes the cluster,
its capacity, the services and their load balancers once; ecsgen validates it and writes, per
environment, CloudFormation stacks, task definitions for the AWS CLI, userdata scripts, IAM
policies, deploy.sh and a README.

Start with 'ecsgen init', edit the network ids it marks TODO, then 'ecsgen build spec.cue'.

` + exitStatusHelp,
		Version:       versionString(),
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("ecsgen {{.Version}}\n")
	root.SetHelpCommand(newHelpCmd(root))
	root.AddCommand(
		newBuildCmd(),
		newCheckCmd(),
		newPlanCmd(),
		newVetCmd(),
		newFmtCmd(),
		newDiffCmd(),
		newImportCmd(),
		newSchemaCmd(),
		newInitCmd(),
		newVersionCmd(),
	)
	// -v is --version's shorthand; cobra adds the flag itself on the first Execute, so it is
	// declared here to have the shorthand whatever cobra's default.
	root.Flags().BoolP("version", "v", false, "print the version of ecsgen and exit")
	return root
}

// newHelpCmd is `ecsgen help [verb]`: cobra's, except that an unknown verb is a usage error.
func newHelpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  "Help about any command: ecsgen help build is ecsgen build --help.",
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			var names []cobra.Completion
			for _, c := range root.Commands() {
				if c.IsAvailableCommand() && strings.HasPrefix(c.Name(), toComplete) {
					names = append(names, cobra.CompletionWithDesc(c.Name(), c.Short))
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				return fmt.Errorf("unknown help topic %q", strings.Join(args, " "))
			}
			target.InitDefaultHelpFlag()
			return target.Help()
		},
	}
}

// dashHint helps with a flag written the way ecsgen's earlier flag package took it
// (-format instead of --format): pflag reads that as a group of one-letter flags.
func dashHint(cmd *cobra.Command, args []string) string {
	for _, a := range args {
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || strings.HasPrefix(a, "--") || len(a) < 3 {
			continue
		}
		name, _, _ := strings.Cut(a[1:], "=")
		if f := cmd.Flags().Lookup(name); f != nil {
			return fmt.Sprintf(" (long flags take two dashes: --%s)", f.Name)
		}
	}
	return ""
}
