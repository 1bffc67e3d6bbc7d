package diag

import "strings"

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
