// Package diag is how every stage reports a problem with the user's spec: one finding per
// problem, positioned in the user's file, printed as one line.
package diag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Pos is a position in a user's spec file. The zero Pos means "no position known".
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.File == "" {
		return "spec"
	}
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Severity says whether a finding stops the build.
type Severity int

const (
	Error Severity = iota
	Warning
)

// Finding is one problem: where it is, which spec field, what is wrong, and how to fix it.
type Finding struct {
	Pos      Pos
	Path     string // spec path, e.g. services.web.containers.web.memory
	Rule     string // catalogue id (R01…) for cross-field rules, empty for schema errors
	Severity Severity
	Message  string
	Hint     string
}

// String renders the finding as the one line users see:
//
//	spec.cue:12:9: services.web.cpu: 300 is not … — hint
func (f Finding) String() string { return f.Format(Style{}) }

// List is every finding of a run.
type List []Finding

// HasErrors reports whether any finding is an error (warnings do not stop a build).
func (l List) HasErrors() bool {
	return slices.ContainsFunc(l, func(f Finding) bool { return f.Severity == Error })
}

// Sort orders findings by file position, then path and message, so output is stable.
func (l List) Sort() {
	slices.SortStableFunc(l, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Col, b.Pos.Col),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

// Dedup drops findings that repeat one another exactly (CUE can report one conflict from
// several places).
func (l List) Dedup() List {
	l.Sort()
	return slices.CompactFunc(l, func(a, b Finding) bool { return a == b })
}

func (l List) String() string {
	var b strings.Builder
	for _, f := range l {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Positions maps spec paths (as written in findings) to where the user wrote them, so that
// checks running on the plain-Go model can still point into the user's file.
type Positions map[string]Pos

// Of returns the position of path, or of its nearest ancestor the user wrote, or the zero Pos.
func (p Positions) Of(path string) Pos {
	for {
		if pos, ok := p[path]; ok {
			return pos
		}
		if path == "" {
			return Pos{}
		}
		path = Parent(path)
	}
}

// Parent strips the last selector of a spec path: a.b[2] → a.b, a.b → a, a → "".
func Parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// EnvFindings are the findings of one environment of a spec with environments.
type EnvFindings struct {
	Env      string
	Findings List
	// InOverride reports whether a position lies in the environment's own overrides.
	InOverride func(Pos) bool
}

// Combine merges the findings of the environments of one spec. A finding at a value the
// environment overrides names its path as environments.<env>.<path>; a finding that every
// environment shares (a mistake in the shared defaults) is reported once; any other finding
// says which environment it is about.
func Combine(envs []EnvFindings) List {
	per := make([]List, len(envs))
	count := map[Finding]int{}
	for i, e := range envs {
		seen := map[Finding]bool{}
		for _, f := range e.Findings {
			if e.InOverride != nil && e.InOverride(f.Pos) && f.Path != "" {
				f.Path = "environments." + e.Env + "." + f.Path
			}
			if seen[f] {
				continue
			}
			seen[f] = true
			per[i] = append(per[i], f)
			count[f]++
		}
	}
	var out List
	for i, e := range envs {
		for _, f := range per[i] {
			if count[f] < len(envs) && !strings.HasPrefix(f.Path, "environments."+e.Env+".") {
				f.Message = "in environment " + e.Env + ": " + f.Message
			}
			out = append(out, f)
		}
	}
	return out.Dedup()
}
