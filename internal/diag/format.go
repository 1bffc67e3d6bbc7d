package diag

import (
	"strconv"
	"strings"
)

// Style decorates the parts of a finding's line, e.g. with terminal colours. A nil func
// leaves its part as it is.
type Style struct {
	Pos, Warning, Path, Rule, Hint func(string) string
}

func apply(fn func(string) string, s string) string {
	if fn == nil {
		return s
	}
	return fn(s)
}

// Format renders the finding as String does, each part decorated by st.
func (f Finding) Format(st Style) string {
	var b strings.Builder
	b.WriteString(apply(st.Pos, f.Pos.String()+":"))
	b.WriteString(" ")
	if f.Severity == Warning {
		b.WriteString(apply(st.Warning, "warning:"))
		b.WriteString(" ")
	}
	if f.Path != "" {
		b.WriteString(apply(st.Path, f.Path+":"))
		b.WriteString(" ")
	}
	if f.Rule != "" {
		b.WriteString(apply(st.Rule, "["+f.Rule+"]"))
		b.WriteString(" ")
	}
	b.WriteString(f.Message)
	if f.Hint != "" {
		b.WriteString(" — ")
		b.WriteString(apply(st.Hint, f.Hint))
	}
	return b.String()
}

// String names the severity as the machine-readable formats do: "error" or "warning".
func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Record is a finding as `--format json` prints it. Every field is always present: a finding
// without a position has file "" and line and column 0; one without a rule or hint has "".
type Record struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Path     string `json:"path"`
	Rule     string `json:"rule"`
	Severity string `json:"severity"` // "error" or "warning"
	Message  string `json:"message"`
	Hint     string `json:"hint"`
}

// Record returns the finding as `--format json` prints it.
func (f Finding) Record() Record {
	return Record{
		File: f.Pos.File, Line: f.Pos.Line, Column: f.Pos.Col,
		Path: f.Path, Rule: f.Rule, Severity: f.Severity.String(), Message: f.Message, Hint: f.Hint,
	}
}

// Records returns every finding as `--format json` prints them; never nil, so that no
// finding encodes as [].
func (l List) Records() []Record {
	out := make([]Record, 0, len(l))
	for _, f := range l {
		out = append(out, f.Record())
	}
	return out
}

// GitHub renders the finding as a GitHub Actions workflow command, which the runner turns
// into an annotation on the file's line in the pull request:
//
//	::error file=spec.cue,line=12,col=9,title=ecsgen R20::services.web.cpu: 300 is not … — hint
//
// Warnings are ::warning. A finding without a file (or line) leaves those properties out.
func (f Finding) GitHub() string {
	title := "ecsgen"
	if f.Rule != "" {
		title += " " + f.Rule
	}
	var props []Property
	if f.Pos.File != "" {
		props = append(props, Property{"file", f.Pos.File})
		if f.Pos.Line > 0 {
			props = append(props, Property{"line", strconv.Itoa(f.Pos.Line)})
			if f.Pos.Col > 0 {
				props = append(props, Property{"col", strconv.Itoa(f.Pos.Col)})
			}
		}
	}
	props = append(props, Property{"title", title})
	msg := f.Message
	if f.Path != "" {
		msg = f.Path + ": " + msg
	}
	if f.Hint != "" {
		msg += " — " + f.Hint
	}
	return WorkflowCommand(f.Severity.String(), props, msg)
}

// Property is one key=value of a workflow command.
type Property struct{ Key, Value string }

// WorkflowCommand is one GitHub Actions workflow command line, ::name key=value,…::message,
// with the values and the message escaped as the runner expects.
func WorkflowCommand(name string, props []Property, message string) string {
	var b strings.Builder
	b.WriteString("::")
	b.WriteString(name)
	for i, p := range props {
		if i == 0 {
			b.WriteByte(' ')
		} else {
			b.WriteByte(',')
		}
		b.WriteString(p.Key)
		b.WriteByte('=')
		b.WriteString(escapeProperty(p.Value))
	}
	b.WriteString("::")
	b.WriteString(escapeData(message))
	return b.String()
}

// escapeData escapes a workflow command's message: % and line breaks (a finding is one line,
// but a user's value quoted in it may hold anything).
var escapeData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace

// escapeProperty escapes a property value, where : and , also separate.
var escapeProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace
