// Suggestions: "did you mean" hints for unknown fields, and what the keys of named maps must
// look like.

package load

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"

	"github.com/ecsgen/ecsgen/internal/diag"
)

// suggestFields adds "did you mean" hints to unknown-field findings, from the fields the schema
// allows where the typo stands.
func suggestFields(ctx *cue.Context, spec cue.Value, findings diag.List) {
	w := walker{ctx: ctx}
	for i, f := range findings {
		if !strings.HasPrefix(f.Message, "unknown field ") {
			continue
		}
		parent, ok := w.schemaAt(spec, diag.Parent(f.Path))
		if !ok {
			continue
		}
		typo := f.Path[strings.LastIndexAny(f.Path, ".]")+1:]
		if hint, ok := mapKeyHints[mapName(f.Path)]; ok {
			// A map keyed by name (services, containers, …): the key is a bad name, not a typo.
			findings[i].Message = "invalid name " + strconv.Quote(typo)
			findings[i].Hint = hint
			continue
		}
		var allowed []string
		it, err := parent.Fields(cue.Optional(true))
		if err != nil {
			continue
		}
		for it.Next() {
			allowed = append(allowed, selectorLabel(it.Selector()))
		}
		if slices.Contains(allowed, typo) {
			// The schema has the field: the user's own closed definition rejects it (the
			// schema's defaults fill it in). Said once per definition by closedDefinitions.
			findings[i].Message = closedMessage
			findings[i].Hint = typo
			continue
		}
		if best := diag.Closest(typo, allowed); best != "" {
			findings[i].Hint = "did you mean " + strconv.Quote(best) + "?"
		} else if len(allowed) > 0 {
			findings[i].Hint = "allowed fields: " + strings.Join(allowed, ", ")
		}
	}
}

const closedMessage = "a closed definition of the user's rejects fields the schema defines"

// closedDefinitions turns the findings of fields that a user's closed definition rejects (one
// for each field the schema gives a default) into one finding per definition.
func closedDefinitions(findings diag.List) diag.List {
	var out diag.List
	fields := map[diag.Pos][]string{}
	first := map[diag.Pos]int{}
	for _, f := range findings {
		if f.Message != closedMessage {
			out = append(out, f)
			continue
		}
		if i, ok := first[f.Pos]; !ok {
			first[f.Pos] = len(out)
			out = append(out, diag.Finding{Pos: f.Pos, Path: diag.Parent(f.Path)})
		} else {
			out[i].Path = commonPath(out[i].Path, diag.Parent(f.Path))
		}
		if !slices.Contains(fields[f.Pos], f.Hint) {
			fields[f.Pos] = append(fields[f.Pos], f.Hint)
		}
	}
	for pos, i := range first {
		names := fields[pos]
		slices.Sort(names)
		shown := names
		if len(shown) > 5 {
			shown = append(slices.Clone(shown[:5]), "…")
		}
		out[i].Message = fmt.Sprintf("the closed definition here rejects %d fields that the schema fills in with defaults (%s)", len(names), strings.Join(shown, ", "))
		out[i].Hint = "remove close() from the definition: the schema adds its defaults to the structs it is used for"
	}
	return out
}

// commonPath is the longest spec path that a and b both lie under.
func commonPath(a, b string) string {
	for a != "" && !isUnder(b, a) {
		a = diag.Parent(a)
	}
	return a
}

func isUnder(path, ancestor string) bool {
	return path == ancestor || strings.HasPrefix(path, ancestor+".") || strings.HasPrefix(path, ancestor+"[")
}

// mapKeyHints say what the keys of each user-keyed map must look like, by the map's field name.
var mapKeyHints = map[string]string{
	"services":     "service names are lower-case letters, digits and inner hyphens, starting with a letter, at most 63 characters",
	"ec2":          "capacity names are lower-case letters, digits and inner hyphens, starting with a letter, at most 63 characters",
	"environments": "environment names are lower-case letters, digits and inner hyphens, starting with a letter, at most 63 characters",
	"containers":   "container names are letters, digits, '_' and '-', starting with a letter or digit",
	"environment":  "environment variable names are letters, digits and '_', not starting with a digit",
	"settings":     "agent settings are ECS_* variables, other than ECS_CLUSTER and those with a typed field in agent",
	"tags":         "tag keys are up to 128 letters, digits, spaces and _.:/=+-@, not starting with aws:",
}

// mapName is the name of the field that holds the last element of path.
func mapName(path string) string {
	parent := diag.Parent(path)
	return parent[strings.LastIndexAny(parent, ".]")+1:]
}

// schemaAt finds the schema of a spec path, taking map entries from their pattern.
func (w *walker) schemaAt(spec cue.Value, path string) (cue.Value, bool) {
	v := spec
	if path == "" {
		return v, true
	}
	for _, part := range splitPath(path) {
		var sel cue.Selector
		if strings.HasPrefix(part, "[") {
			n, err := strconv.Atoi(strings.Trim(part, "[]"))
			if err != nil {
				return cue.Value{}, false
			}
			sel = cue.Index(n)
			next := v.LookupPath(cue.MakePath(sel))
			if !next.Exists() {
				next = v.LookupPath(cue.MakePath(cue.AnyIndex))
			}
			v = next
		} else {
			sel = cue.Str(part)
			next := v.LookupPath(cue.MakePath(sel))
			if !next.Exists() {
				var ok bool
				if next, ok = w.patternSchema(v, sel); !ok {
					return cue.Value{}, false
				}
			}
			v = next
		}
		if !v.Exists() {
			return cue.Value{}, false
		}
	}
	return v, true
}

// splitPath splits a spec path into labels and [i] indexes.
func splitPath(path string) []string {
	var out []string
	for _, dotted := range strings.Split(path, ".") {
		for {
			i := strings.IndexByte(dotted, '[')
			if i < 0 {
				break
			}
			if i > 0 {
				out = append(out, dotted[:i])
			}
			j := strings.IndexByte(dotted, ']')
			if j < i {
				break
			}
			out = append(out, dotted[i:j+1])
			dotted = dotted[j+1:]
		}
		if dotted != "" {
			out = append(out, dotted)
		}
	}
	return out
}
