package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
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
	parseNew(dp, files, parsed)
	for _, s := range dp.Stacks {
		b, ok := files[s.Template]
		if !ok {
			return nil, fmt.Errorf("deploy-plan.json names %s, which is missing", s.Template)
		}
		p := parsed[s.Template]
		if p.t == nil || !bytes.Equal(p.raw, b) {
			t := new(template)
			if err := json.Unmarshal(b, t); err != nil { // parseNew failed on it: the error, in order
				return nil, fmt.Errorf("%s: %w", s.Template, err)
			}
			p = parsedTemplate{b, t}
			parsed[s.Template] = p
		}
		t := p.t
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

// parseNew parses, on every core, the templates deploy-plan.json names whose bytes are not
// those parsed already, into parsed (a template that does not parse is left out: the caller
// reports it in deploy order).
func parseNew(dp deployPlan, files map[string][]byte, parsed map[string]parsedTemplate) {
	var todo []string
	seen := map[string]bool{}
	for _, s := range dp.Stacks {
		b, ok := files[s.Template]
		if p, done := parsed[s.Template]; !ok || seen[s.Template] || (done && bytes.Equal(p.raw, b)) {
			continue
		}
		seen[s.Template] = true
		todo = append(todo, s.Template)
	}
	results := make([]*template, len(todo))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Go(func() {
			for i := range next {
				t := new(template)
				if json.Unmarshal(files[todo[i]], t) == nil {
					results[i] = t
				}
			}
		})
	}
	for i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, name := range todo {
		if results[i] != nil {
			parsed[name] = parsedTemplate{files[name], results[i]}
		}
	}
}

// isStackFile says whether an output file is one the plan reads.
func isStackFile(p string) bool {
	return p == "deploy-plan.json" || (path.Dir(p) == "stacks" && path.Ext(p) == ".json")
}

// resolve replaces references to the stack's parameters by the values deploy.sh passes, so that
// a changed parameter value shows as a changed property. Parts without such a reference are
// the template's own values, not copies (nothing changes them).
func (s *stack) resolve(v any) any {
	if len(s.params) == 0 {
		return v // nothing to resolve: the value as it is (nothing changes it)
	}
	r, _ := s.substitute(v)
	return r
}

// substitute is resolve; changed says whether v had a parameter reference.
func (s *stack) substitute(v any) (r any, changed bool) {
	switch v := v.(type) {
	case map[string]any:
		if ref, ok := v["Ref"].(string); ok && len(v) == 1 {
			if p, ok := s.params[ref]; ok {
				return p, true
			}
			return v, false
		}
		var out map[string]any
		for k, e := range v {
			if r, ok := s.substitute(e); ok {
				if out == nil {
					out = maps.Clone(v)
				}
				out[k] = r
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	case []any:
		var out []any
		for i, e := range v {
			if r, ok := s.substitute(e); ok {
				if out == nil {
					out = slices.Clone(v)
				}
				out[i] = r
			}
		}
		if out == nil {
			return v, false
		}
		return out, true
	}
	return v, false
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
