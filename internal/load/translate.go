// Translating CUE's errors into findings: one per field, in the spec's own words.

package load

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/ecsgen/ecsgen/internal/diag"
)

// translate turns CUE errors into findings: one per field, in the user's words.
func translate(err error, positions diag.Positions) diag.List {
	type group struct {
		path    string
		pos     diag.Pos
		reasons []cueerrors.Error
	}
	var order []string
	groups := map[string]*group{}
	for _, e := range cueerrors.Errors(err) {
		path := specPath(e.Path())
		format, _ := e.Msg()
		if strings.Contains(format, "incomplete value") || strings.Contains(format, "non-concrete value") {
			continue // a missing field: the walker reports it with a better message
		}
		g := groups[path]
		if g == nil {
			g = &group{path: path}
			groups[path] = g
			order = append(order, path)
		}
		if !isValid(g.pos) {
			g.pos = userPos(e, positions, path)
		}
		g.reasons = append(g.reasons, e)
	}
	var out diag.List
	for _, p := range order {
		g := groups[p]
		msg, hint := explain(g.path, g.reasons)
		if strings.HasPrefix(msg, "got =~") && slices.ContainsFunc(order, func(q string) bool { return strings.HasPrefix(q, p+".") }) {
			// A struct given where a string or a struct is allowed: the string alternative's
			// complaint says nothing; the fields of the struct have their own findings.
			continue
		}
		out = append(out, diag.Finding{Pos: g.pos, Path: g.path, Message: msg, Hint: hint})
	}
	return out
}

// specPath turns CUE's error path ([#Spec services web cpu]) into the user's (services.web.cpu).
func specPath(parts []string) string {
	var b strings.Builder
	for _, p := range parts {
		if p == "#Spec" {
			continue
		}
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if u, err := strconv.Unquote(p); err == nil {
			p = u
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// userPos picks the first position of an error that lies in the user's files.
func userPos(e cueerrors.Error, positions diag.Positions, path string) diag.Pos {
	cands := append([]token.Pos{e.Position()}, e.InputPositions()...)
	for _, p := range cands {
		if p.IsValid() && p.Filename() != schemaFile {
			return toPos(p)
		}
	}
	return positions.Of(path)
}

func isValid(p diag.Pos) bool { return p.File != "" }

// explain words the reasons CUE gave for one field as a single message and hint.
func explain(path string, reasons []cueerrors.Error) (msg, hint string) {
	var got string
	var want []string
	var other []string
	for _, r := range reasons {
		format, args := r.Msg()
		format = strings.ReplaceAll(format, "%s", "%v")
		switch {
		case format == "field not allowed":
			field := path[strings.LastIndexAny(path, ".]")+1:]
			return "unknown field " + strconv.Quote(field), ""
		case strings.HasSuffix(format, "errors in empty disjunction:"):
			continue
		case strings.HasPrefix(format, "conflicting values %v and %v") && len(args) >= 2 && len(userPositions(r)) >= 2 &&
			isConcrete(fmt.Sprint(args[0])) && isConcrete(fmt.Sprint(args[1])):
			// Both values are the user's: the field is written twice.
			where := userPositions(r)
			return fmt.Sprintf("conflicting values %s and %s: the field is set twice (%s and %s)", clip(fmt.Sprint(args[0])), clip(fmt.Sprint(args[1])), where[0], where[1]),
				"keep one of them"
		case strings.HasPrefix(format, "incompatible list lengths") && len(args) >= 2:
			return fmt.Sprintf("the list is set twice, with %v and %v entries", args[0], args[1]), "keep one of them"
		case strings.HasPrefix(format, "conflicting values %v and %v") && len(args) >= 2:
			a, b := fmt.Sprint(args[0]), fmt.Sprint(args[1])
			if strings.Contains(format, "mismatched types") && len(args) >= 4 {
				// args[2] and args[3] are the kinds of a and b; the user's value is the concrete one.
				if isTypeName(b) {
					got, want = a, appendUnique(want, b)
				} else if isTypeName(a) {
					got, want = b, appendUnique(want, a)
				} else {
					got, want = a, appendUnique(want, fmt.Sprint(args[3]))
				}
				continue
			}
			// Which side is the user's value? The one whose position is in the user's file;
			// failing that, the one that recurs across the reasons; with a single reason, CUE
			// puts the schema's value first.
			switch {
			case isUserValue(r, 0):
				got, want = a, appendUnique(want, b)
			case isUserValue(r, 1):
				got, want = b, appendUnique(want, a)
			case got == "" || got == b:
				got, want = b, appendUnique(want, a)
			default:
				got, want = a, appendUnique(want, b)
			}
		case strings.HasPrefix(format, "invalid value %v (out of bound %v)") && len(args) >= 2:
			got, want = fmt.Sprint(args[0]), appendUnique(want, fmt.Sprint(args[1]))
		case strings.HasPrefix(format, "invalid value %v (does not satisfy %v)") && len(args) >= 2:
			got, want = fmt.Sprint(args[0]), appendUnique(want, fmt.Sprint(args[1]))
		default:
			clipped := make([]any, len(args))
			for i, a := range args {
				clipped[i] = clip(fmt.Sprint(a))
			}
			other = append(other, strings.TrimPrefix(fmt.Sprintf(strings.NewReplacer("%d", "%v", "%q", "%v").Replace(format), clipped...), "#Spec."))
		}
	}
	if got != "" && len(want) > 0 {
		// A default (*1 | int & >=0) shows up as a literal alternative; the constraint beside it
		// already allows it, so say only the constraint.
		if constraints := slices.DeleteFunc(slices.Clone(want), isLiteral); len(constraints) > 0 {
			want = constraints
		}
		hint = hintFor(want)
		if !slices.ContainsFunc(want, func(w string) bool { return !isLiteral(w) }) {
			want = schemaOrder(path, want)
			if len(want) > 8 {
				return fmt.Sprintf("got %s, which is not one of the %d allowed values", clip(got), len(want)), "use one of " + strings.Join(want, ", ")
			}
		}
		if !slices.ContainsFunc(want, func(w string) bool { return !isLiteral(w) }) {
			return fmt.Sprintf("got %s, want %s", clip(got), clip(strings.Join(want, " | "))), hint
		}
		// Constraints that all failed: each is required.
		words := make([]string, len(want))
		for i, w := range want {
			words[i] = wantWords(w)
		}
		return fmt.Sprintf("got %s, want %s", clip(got), strings.Join(words, ", and ")), hint
	}
	if len(other) > 0 {
		return strings.Join(slices.Compact(other), "; "), ""
	}
	return "invalid value", ""
}

// isConcrete reports whether a value printed by an error is data (a literal, or a list or
// struct of literals) rather than a type or constraint.
func isConcrete(s string) bool {
	if isLiteral(s) {
		return true
	}
	if !strings.HasPrefix(s, "[") && !strings.HasPrefix(s, "{") {
		return false
	}
	for _, c := range []string{"int", "string", "bool", "number", "float", "#", "=~", "!~", ">", "<", "...", "|", "&"} {
		if strings.Contains(s, c) && !strings.Contains(s, `"`) {
			return false
		}
	}
	return true
}

// userPositions are the distinct positions in the user's files that an error names.
func userPositions(e cueerrors.Error) []diag.Pos {
	var out []diag.Pos
	for _, p := range e.InputPositions() {
		if p.IsValid() && p.Filename() != schemaFile {
			if pos := toPos(p); !slices.Contains(out, pos) {
				out = append(out, pos)
			}
		}
	}
	slices.SortFunc(out, func(a, b diag.Pos) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return out
}

// isUserValue reports whether the i-th value of a conflict is the one written in the user's
// file, from the positions CUE gives in the order of the values.
func isUserValue(e cueerrors.Error, i int) bool {
	ps := e.InputPositions()
	return i < len(ps) && ps[i].IsValid() && ps[i].Filename() != schemaFile
}

// schemaOrder puts the literal alternatives of an enum in the order the schema lists them
// (CUE reports them sorted as strings: 1 | 1096 | 120 | …).
func schemaOrder(path string, want []string) []string {
	_, spec, err := compiledSchema()
	if err != nil {
		return want
	}
	v, ok := (&walker{}).schemaAt(spec, path)
	if !ok {
		return want
	}
	op, alts := v.Expr()
	if op != cue.OrOp {
		return want
	}
	var ordered []string
	for _, a := range alts {
		if s := fmt.Sprint(a); slices.Contains(want, s) && !slices.Contains(ordered, s) {
			ordered = append(ordered, s)
		}
	}
	if len(ordered) != len(want) {
		return want
	}
	numbers := slices.IndexFunc(ordered, func(s string) bool { _, err := strconv.Atoi(s); return err != nil }) < 0
	if numbers {
		slices.SortFunc(ordered, func(a, b string) int { x, _ := strconv.Atoi(a); y, _ := strconv.Atoi(b); return cmp.Compare(x, y) })
	}
	return ordered
}

// clip shortens a value quoted in a message: a finding is one line, whatever the input.
func clip(s string) string {
	const max = 120
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return string(r[:max]) + fmt.Sprintf("…(%d characters)", len(r))
}

// isLiteral reports whether a CUE value printed by an error is a plain literal.
func isLiteral(s string) bool {
	if s == "true" || s == "false" || s == "null" || strings.HasPrefix(s, `"`) {
		return true
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func isTypeName(s string) bool {
	switch s {
	case "int", "float", "number", "string", "bytes", "bool", "struct", "list", "null":
		return true
	}
	return strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[")
}

func appendUnique(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// hintFor explains the constraints users meet most; CUE's own notation is exact but terse.
func hintFor(want []string) string {
	for _, w := range want {
		switch {
		case w == "strings.MaxRunes(63)": // #Label: service, capacity and environment names
			return "shorten it: generated AWS names must fit AWS length limits"
		case strings.Contains(w, "UniqueItems"):
			return "remove the duplicate entries"
		}
	}
	return ""
}
