package load

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/invopop/jsonschema"
)

// Reference returns the spec reference (docs/spec.md): every field of the spec with its type,
// constraints, default and doc comment, generated from the same JSON Schema editors use, so it
// says exactly what the CUE schema says.
func Reference() ([]byte, error) {
	root, err := specJSONSchema()
	if err != nil {
		return nil, err
	}
	// The complete spec's fields, in order, then environments.
	js, err := deepCopy(root.Definitions["complete"])
	if err != nil {
		return nil, err
	}
	if envs, ok := root.Definitions["fields"].Properties.Get("environments"); ok {
		js.Properties.Set("environments", envs)
	}
	var b strings.Builder
	b.WriteString("# The ecsgen spec\n\n")
	b.WriteString("<!-- Generated from schema/spec.cue by `ecsgen schema --format markdown`; edit the doc comments there, not this file. -->\n\n")
	b.WriteString("A spec is a CUE file (or YAML or JSON, checked by the same schema) that `ecsgen build` turns into the artifacts of each environment. ")
	b.WriteString("Every field is listed below with its type, constraints and default; a field not listed here is an error. ")
	b.WriteString("`<name>` stands for a key you choose, `[]` for an element of a list. ")
	b.WriteString("Editors complete and check YAML and JSON specs with the JSON Schema [`schema/spec.schema.json`](../schema/spec.schema.json).\n\n")
	b.WriteString("Top-level fields:")
	for p := js.Properties.Oldest(); p != nil; p = p.Next() {
		if p.Key == "$schema" {
			continue
		}
		fmt.Fprintf(&b, " [`%s`](#%s)", p.Key, anchor(p.Key))
	}
	b.WriteString(".\n")
	for p := js.Properties.Oldest(); p != nil; p = p.Next() {
		if p.Key == "$schema" {
			continue
		}
		describe(&b, p.Key, p.Value, contains(js.Required, p.Key), 2)
	}
	return []byte(b.String()), nil
}

func describe(b *strings.Builder, path string, s *jsonschema.Schema, required bool, level int) {
	fmt.Fprintf(b, "\n%s `%s`\n\n", strings.Repeat("#", level), path)
	b.WriteString(summary(s, required, path))
	b.WriteString("\n")
	if s.Description != "" {
		b.WriteString("\n" + markdownText(s.Description) + "\n")
	}
	if path == "environments" {
		b.WriteString("\nEach entry may set any field of the spec described here, except `env` and `environments`; none is required in an entry.\n")
		return
	}
	sub := min(level+1, 3)
	switch {
	case s.Properties != nil && s.Properties.Len() > 0:
		for p := s.Properties.Oldest(); p != nil; p = p.Next() {
			describe(b, path+"."+p.Key, p.Value, contains(s.Required, p.Key), sub)
		}
	case isSchema(s.AdditionalProperties) && s.AdditionalProperties.Properties != nil:
		for p := s.AdditionalProperties.Properties.Oldest(); p != nil; p = p.Next() {
			describe(b, path+".<name>."+p.Key, p.Value, contains(s.AdditionalProperties.Required, p.Key), sub)
		}
	case len(s.AnyOf) > 0:
		for _, a := range s.AnyOf {
			if isObject(a) {
				for p := a.Properties.Oldest(); p != nil; p = p.Next() {
					describe(b, path+"."+p.Key, p.Value, contains(a.Required, p.Key), sub)
				}
			}
		}
	case s.Items != nil && s.Items.Properties != nil:
		for p := s.Items.Properties.Oldest(); p != nil; p = p.Next() {
			describe(b, path+"[]."+p.Key, p.Value, contains(s.Items.Required, p.Key), sub)
		}
	}
}

// summary is the one line under a field's heading: type, required, default, constraints.
func summary(s *jsonschema.Schema, required bool, path string) string {
	parts := []string{"**" + typeName(s) + "**"}
	if required {
		parts = append(parts, "required")
	} else if s.Default == nil {
		parts = append(parts, "optional")
	}
	if s.Default != nil {
		parts = append(parts, "default "+code(s.Default))
	}
	parts = append(parts, constraints(s)...)
	if s.Items != nil && !isObject(s.Items) {
		if c := constraints(s.Items); len(c) > 0 {
			parts = append(parts, "each: "+strings.Join(c, ", "))
		}
	}
	if s.PropertyNames != nil {
		if c := constraints(s.PropertyNames); len(c) > 0 {
			parts = append(parts, "keys: "+strings.Join(c, ", "))
		}
	}
	if isSchema(s.AdditionalProperties) && !isObject(s.AdditionalProperties) {
		if c := constraints(s.AdditionalProperties); len(c) > 0 {
			parts = append(parts, "values: "+strings.Join(c, ", "))
		}
	}
	if len(s.OneOf) > 0 {
		var alts []string
		for _, o := range s.OneOf {
			alts = append(alts, "`"+strings.Join(o.Required, "`, `")+"`")
		}
		parts = append(parts, "exactly one of "+strings.Join(alts, " or "))
	}
	return strings.Join(parts, " · ")
}

func constraints(s *jsonschema.Schema) []string {
	var out []string
	if len(s.Enum) > 0 {
		var vals []string
		for _, v := range s.Enum {
			vals = append(vals, code(v))
		}
		out = append(out, "one of "+strings.Join(vals, ", "))
	}
	if s.Pattern != "" {
		out = append(out, "matches "+codeText(s.Pattern))
	}
	for _, a := range s.AllOf {
		if a.Pattern != "" {
			out = append(out, "matches "+codeText(a.Pattern))
		}
	}
	if s.Not != nil {
		if s.Not.Pattern != "" {
			out = append(out, "does not match "+codeText(s.Not.Pattern))
		}
		for _, v := range s.Not.Enum {
			out = append(out, "not "+code(v))
		}
	}
	if s.Minimum != "" {
		out = append(out, "≥ "+string(s.Minimum))
	}
	if s.ExclusiveMinimum != "" {
		out = append(out, "> "+string(s.ExclusiveMinimum))
	}
	if s.Maximum != "" {
		out = append(out, "≤ "+string(s.Maximum))
	}
	if s.ExclusiveMaximum != "" {
		out = append(out, "< "+string(s.ExclusiveMaximum))
	}
	if s.MaxLength != nil {
		out = append(out, fmt.Sprintf("at most %d characters", *s.MaxLength))
	}
	if s.MinItems != nil {
		out = append(out, fmt.Sprintf("at least %d", *s.MinItems))
	}
	if s.MaxItems != nil {
		out = append(out, fmt.Sprintf("at most %d", *s.MaxItems))
	}
	if s.UniqueItems {
		out = append(out, "no duplicates")
	}
	if len(s.AnyOf) > 0 {
		var alts []string
		for _, a := range s.AnyOf {
			if c := constraints(a); len(c) > 0 {
				alts = append(alts, strings.Join(c, ", "))
			}
		}
		if len(alts) > 0 {
			out = append(out, "either "+strings.Join(alts, "; or "))
		}
	}
	return out
}

func typeName(s *jsonschema.Schema) string {
	switch s.Type {
	case "array":
		if s.Items != nil {
			return "list of " + typeName(s.Items)
		}
		return "list"
	case "object":
		if isSchema(s.AdditionalProperties) {
			return "map of " + typeName(s.AdditionalProperties)
		}
		return "struct"
	case "":
		if len(s.AnyOf) > 0 {
			var names []string
			for _, a := range s.AnyOf {
				names = append(names, typeName(a))
			}
			return strings.Join(names, " or ")
		}
		return "any"
	}
	return s.Type
}

// isSchema reports whether s is a schema, not absent, true or false.
func isSchema(s *jsonschema.Schema) bool {
	if s == nil {
		return false
	}
	b, err := json.Marshal(s)
	return err == nil && string(b) != "true" && string(b) != "false"
}

func isObject(s *jsonschema.Schema) bool { return s.Properties != nil && s.Properties.Len() > 0 }

func code(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return codeText(string(b))
}

// codeText puts text in an inline code span that survives backticks and table pipes.
func codeText(s string) string {
	if strings.Contains(s, "`") {
		return "`` " + s + " ``"
	}
	return "`" + s + "`"
}

func anchor(s string) string {
	return strings.ToLower(strings.NewReplacer(".", "", "<", "", ">", "", "[", "", "]", "").Replace(s))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// markdownText escapes what Markdown would take for markup in prose: <env> would be an HTML
// tag, "*" emphasis.
func markdownText(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "*", "\\*").Replace(s)
}
