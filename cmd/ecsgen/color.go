package main

import (
	"io"
	"os"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"

	"github.com/ecsgen/ecsgen/internal/diag"
)

// useColor reports whether output to w gets colours: only on a terminal, never when piped or
// redirected, and never with NO_COLOR set to anything (https://no-color.org) or TERM=dumb.
func useColor(w io.Writer, getenv func(string) string) bool {
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// style colours what ecsgen prints to one stream; its zero value prints plain text.
type style struct{ on bool }

func newStyle(w io.Writer) style { return style{on: useColor(w, os.Getenv)} }

func (s style) paint(attrs ...color.Attribute) func(string) string {
	if !s.on {
		return nil
	}
	c := color.New(attrs...)
	c.EnableColor() // the decision is s.on, made for this stream, not fatih/color's for stdout
	return func(v string) string { return c.Sprint(v) }
}

func (s style) apply(fn func(string) string, v string) string {
	if fn == nil {
		return v
	}
	return fn(v)
}

// finding is one finding's line: the position in bold, warnings in yellow, errors' field path
// in red, the rule in cyan, the hint dimmed.
func (s style) finding(f diag.Finding) string {
	st := diag.Style{
		Pos:     s.paint(color.Bold),
		Warning: s.paint(color.FgYellow, color.Bold),
		Rule:    s.paint(color.FgCyan),
		Hint:    s.paint(color.Faint),
	}
	if f.Severity == diag.Error {
		st.Path = s.paint(color.FgRed)
	}
	return f.Format(st)
}

// failure is the line that says a command failed.
func (s style) failure(line string) string { return s.apply(s.paint(color.FgRed, color.Bold), line) }

// success is the line that says a command succeeded.
func (s style) success(line string) string { return s.apply(s.paint(color.FgGreen), line) }

// diffLine colours one line of a unified diff.
func (s style) diffLine(line string) string {
	switch {
	case len(line) >= 3 && (line[:3] == "---" || line[:3] == "+++"):
		return s.apply(s.paint(color.Bold), line)
	case len(line) > 0 && line[0] == '-':
		return s.apply(s.paint(color.FgRed), line)
	case len(line) > 0 && line[0] == '+':
		return s.apply(s.paint(color.FgGreen), line)
	case len(line) > 1 && line[:2] == "@@":
		return s.apply(s.paint(color.FgCyan), line)
	}
	return line
}
