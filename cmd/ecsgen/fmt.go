package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"
	"github.com/spf13/cobra"
)

func newFmtCmd() *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "fmt [flags] FILE...",
		Short: "Format CUE spec files the way cue fmt does",
		Long: `Format CUE spec files in place, exactly as the cue CLI's 'cue fmt' does (CUE's own parser
and formatter), so a spec reads the same in every editor and review. A file that
is already formatted is not rewritten. '-' formats standard input to standard output.

With --check, nothing is written: the files that are not formatted are listed and the exit
status is 1 (for CI).

Exit status: 0 formatted (or, with --check, already formatted), 1 --check found a file to
format, 2 usage error or a file that does not parse.`,
		Example: `  ecsgen fmt spec.cue
  ecsgen fmt --check spec.cue envs/*.cue`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("no file given")
			}
			return nil
		},
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return []string{"cue"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			unformatted := 0
			for _, name := range args {
				if name == "-" {
					src, err := io.ReadAll(cmd.InOrStdin())
					if err != nil {
						return &internalError{err}
					}
					out, err := formatCUE("<stdin>", src)
					if err != nil {
						return err
					}
					if _, err := cmd.OutOrStdout().Write(out); err != nil {
						return &internalError{err}
					}
					continue
				}
				if filepath.Ext(name) != ".cue" {
					return fmt.Errorf("%s: ecsgen fmt formats CUE files (*.cue)", name)
				}
				src, err := os.ReadFile(name)
				if err != nil {
					return fmt.Errorf("%s: %w", name, errors.Unwrap(err))
				}
				out, err := formatCUE(name, src)
				if err != nil {
					return err
				}
				if bytes.Equal(out, src) {
					continue
				}
				if check {
					fmt.Fprintln(cmd.OutOrStdout(), name)
					unformatted++
					continue
				}
				if err := writeKeepingMode(name, out); err != nil {
					return &internalError{err}
				}
			}
			if unformatted > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "ecsgen fmt: %d file%s not formatted; run ecsgen fmt on %s\n", unformatted, plural(unformatted), map[bool]string{true: "it", false: "them"}[unformatted == 1])
				return &failed{exitInvalid}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "write nothing; list the files that are not formatted and exit 1 if there are any")
	return cmd
}

// formatCUE formats a CUE file exactly as `cue fmt` does (cmd/cue's formatFile: parse with
// comments, format the syntax tree with the default options). A file that does not parse is a
// usage error with the parser's position.
func formatCUE(name string, src []byte) ([]byte, error) {
	syntax, err := parser.ParseFile(name, src, parser.ParseComments)
	if err != nil {
		var lines []string
		for _, e := range cueerrors.Errors(err) {
			format, args := e.Msg()
			lines = append(lines, fmt.Sprintf("%s: %s", e.Position(), fmt.Sprintf(format, args...)))
		}
		return nil, &parseError{strings.Join(lines, "\n")}
	}
	out, err := format.Node(syntax)
	if err != nil {
		return nil, &internalError{fmt.Errorf("%s: %w", name, err)}
	}
	return out, nil
}

// writeKeepingMode replaces a file's content atomically (a temporary file beside it, renamed
// over it), keeping its permissions.
func writeKeepingMode(name string, data []byte) error {
	info, err := os.Stat(name)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".fmt-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// parseError is a file that is not CUE: the parser's own positioned lines, exit status 2.
type parseError struct{ msg string }

func (e *parseError) Error() string { return e.msg }
