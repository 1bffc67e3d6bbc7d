package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"
)

// The parts of a CloudFormation template and of deploy-plan.json the plan reads.

type template struct {
	Parameters map[string]struct {
		Default any `json:"Default"`
	} `json:"Parameters"`
	Resources map[string]*resource `json:"Resources"`
	Outputs   map[string]*output   `json:"Outputs"`
}

type resource struct {
	Type                string         `json:"Type"`
	Properties          map[string]any `json:"Properties"`
	DependsOn           any            `json:"DependsOn,omitempty"`
	Metadata            any            `json:"Metadata,omitempty"`
	Condition           any            `json:"Condition,omitempty"`
	DeletionPolicy      any            `json:"DeletionPolicy,omitempty"`
	UpdateReplacePolicy any            `json:"UpdateReplacePolicy,omitempty"`
	UpdatePolicy        any            `json:"UpdatePolicy,omitempty"`
	CreationPolicy      any            `json:"CreationPolicy,omitempty"`
}

type output struct {
	Value  any `json:"Value"`
	Export *struct {
		Name any `json:"Name"`
	} `json:"Export,omitempty"`
}

// deployPlan is the part of deploy-plan.json the plan reads: the stacks in deploy order and
// the parameter values deploy.sh passes.
type deployPlan struct {
	Stacks []struct {
		Name       string            `json:"name"`
		Template   string            `json:"template"`
		Parameters map[string]string `json:"parameters"`
	} `json:"stacks"`
}

// stack is one stack of an environment's output, its parameters resolved where deploy.sh
// passes a value or the template has a default.
type stack struct {
	Name     string
	Template *template
	params   map[string]any
	imports  map[string]bool // importsOf, once worked out
	resolved map[*resource]*resource
}

// parsedTemplate is a template file's bytes and what they parse to. A rebuild leaves most
// stacks unchanged: a template whose bytes the previous output has too is parsed once and
// shared (nothing changes a parsed template).
type parsedTemplate struct {
	raw []byte
	t   *template
}

// output of one environment: its stacks in deploy order.
type envOutput struct {
	Stacks []*stack
	byName map[string]*stack
}

// parseOutput reads the stacks of one environment's files (paths relative to the
// environment's directory: deploy-plan.json, stacks/*.json).
func parseOutput(files map[string][]byte, parsed map[string]parsedTemplate) (*envOutput, error) {
	out := &envOutput{byName: map[string]*stack{}}
	raw, ok := files["deploy-plan.json"]
	if !ok {
		return out, nil
	}
	var dp deployPlan
	if err := json.Unmarshal(raw, &dp); err != nil {
		return nil, fmt.Errorf("deploy-plan.json: %w", err)
	}
	for _, s := range dp.Stacks {
		b, ok := files[s.Template]
		if !ok {
			return nil, fmt.Errorf("deploy-plan.json names %s, which is missing", s.Template)
		}
		t := new(template)
		if p, ok := parsed[s.Template]; ok && bytes.Equal(p.raw, b) {
			t = p.t
		} else if err := json.Unmarshal(b, t); err != nil {
			return nil, fmt.Errorf("%s: %w", s.Template, err)
		} else {
			parsed[s.Template] = parsedTemplate{b, t}
		}
		st := &stack{Name: s.Name, Template: t, params: map[string]any{}}
		for name, p := range t.Parameters {
			if v, ok := s.Parameters[name]; ok {
				st.params[name] = v
			} else if p.Default != nil {
				st.params[name] = p.Default
			}
		}
		out.Stacks = append(out.Stacks, st)
		out.byName[s.Name] = st
	}
	return out, nil
}

// isStackFile says whether an output file is one the plan reads.
func isStackFile(p string) bool {
	return p == "deploy-plan.json" || (path.Dir(p) == "stacks" && path.Ext(p) == ".json")
}

// resolve replaces references to the stack's parameters by the values deploy.sh passes, so that
// a changed parameter value shows as a changed property.
func (s *stack) resolve(v any) any {
	if len(s.params) == 0 {
		return v // nothing to resolve: the value as it is (nothing changes it)
	}
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["Ref"].(string); ok && len(v) == 1 {
			if p, ok := s.params[ref]; ok {
				return p
			}
			return v
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = s.resolve(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = s.resolve(e)
		}
		return out
	}
	return v
}

var subRef = regexp.MustCompile(`\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}`)

// refs are the logical ids of the stack's resources a value refers to (Ref, Fn::GetAtt,
// Fn::Sub).
func refs(v any, into map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 1 {
			switch {
			case v["Ref"] != nil:
				if s, ok := v["Ref"].(string); ok {
					into[s] = true
				}
				return
			case v["Fn::GetAtt"] != nil:
				switch a := v["Fn::GetAtt"].(type) {
				case []any:
					if len(a) > 0 {
						if s, ok := a[0].(string); ok {
							into[s] = true
						}
					}
				case string:
					into[strings.SplitN(a, ".", 2)[0]] = true
				}
				return
			case v["Fn::Sub"] != nil:
				sub := v["Fn::Sub"]
				if a, ok := sub.([]any); ok && len(a) > 0 {
					sub = a[0]
					if len(a) > 1 {
						refs(a[1], into)
					}
				}
				if s, ok := sub.(string); ok {
					for _, m := range subRef.FindAllStringSubmatch(s, -1) {
						into[m[1]] = true
					}
				}
				return
			}
		}
		for _, e := range v {
			refs(e, into)
		}
	case []any:
		for _, e := range v {
			refs(e, into)
		}
	}
}

// imports are the export names a value imports with Fn::ImportValue (literal names only: ecsgen
// writes no other).
func imports(v any, into map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		if name, ok := v["Fn::ImportValue"].(string); ok && len(v) == 1 {
			into[name] = true
			return
		}
		for _, e := range v {
			imports(e, into)
		}
	case []any:
		for _, e := range v {
			imports(e, into)
		}
	}
}

// at is the value at a property path, and whether it is there.
func at(props map[string]any, p []string) (any, bool) {
	var v any = props
	for _, k := range p {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[k]; !ok {
			return nil, false
		}
	}
	return v, true
}
