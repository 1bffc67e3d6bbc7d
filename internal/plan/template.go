package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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
//
// A stack that is the same in the previous output and the new build (see unchanged) is parsed
// only when the plan asks for its template: on a rebuild after one edit, most stacks are never
// parsed (TestUnchangedStacksNotParsed).
type stack struct {
	Name     string
	template *template // nil until parsed
	params   map[string]any
	imports  map[string]bool // importsOf, once worked out
	resolved map[*resource]*resource

	// Of a stack not parsed yet: its file, bytes and the parameter values deploy.sh passes,
	// and the templates parsed so far (shared by the old and new output).
	file string
	raw  []byte
	lazy string // instead of raw: the file on disk holding the bytes (see lazyFiles)
	// Of a stack whose bytes the plan does not hold (lazy): MayExport of them when the build
	// said without reading them (lazyFile.exports), so that exportsOf does not read the file.
	exports scanResult
	passed  map[string]string
	parsed  map[string]parsedTemplate
	sameAs  *stack // of a stack of the new output: the previous output's stack, when unchanged
}

// Template is the stack's template, parsed on first use.
func (s *stack) Template() *template {
	if s.template == nil {
		p := s.parsed[s.file]
		if !p.holds(s) {
			t := new(template)
			parses.Add(1)
			err := s.withBytes(func(raw []byte) error { return json.Unmarshal(raw, t) })
			if err != nil {
				// Only stacks the caller vouched for are parsed late (unchanged): the plan
				// starts again, parsing every template first, so that the error is the one
				// reported in deploy order.
				panic(lateParseError{err})
			}
			p = parsedTemplate{raw: s.raw, lazy: s.lazy, t: t}
			s.parsed[s.file] = p
		}
		s.setTemplate(p.t)
	}
	return s.template
}

// withBytes calls f with the stack's template file: the bytes held, or for a template not
// held, its file read into a buffer used again afterwards (f keeps nothing of them: a parse
// copies what it keeps, a scan keeps nothing).
func (s *stack) withBytes(f func(raw []byte) error) error {
	if s.lazy == "" {
		return f(s.raw)
	}
	bp := lazyBuffers.Get().(*[]byte)
	defer lazyBuffers.Put(bp)
	b, err := readLazy(s.lazy, (*bp)[:0])
	if err != nil {
		return err
	}
	*bp = b
	return f(b)
}

var lazyBuffers = sync.Pool{New: func() any { return new([]byte) }}

// readLazy reads a template file the plan did not hold, appending it to buf; tests count the
// reads.
var readLazy = readInto

func readInto(name string, buf []byte) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && int64(cap(buf)-len(buf)) <= fi.Size() {
		buf = slices.Grow(buf, int(fi.Size())+512)
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, 4096)
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// mayExport is MayExport of the stack's bytes: of a template not held, what the build said of
// them (exports), or else worked out once from the file.
func (s *stack) mayExport() bool {
	if s.lazy == "" {
		return MayExport(s.raw)
	}
	switch s.exports {
	case scannedNone:
		return false
	case scannedMay:
		return true
	}
	key := "\x00scan\x00" + s.lazy
	if p, ok := s.parsed[key]; ok {
		return p.lazy != ""
	}
	var may bool
	err := s.withBytes(func(raw []byte) error { may = MayExport(raw); return nil })
	may = may || err != nil // unreadable: Template() says why
	p := parsedTemplate{}
	if may {
		p.lazy = s.lazy
	}
	s.parsed[key] = p
	return may
}

// setTemplate gives the stack its template and works out its parameter values.
func (s *stack) setTemplate(t *template) {
	s.template = t
	s.params = map[string]any{}
	for name, p := range t.Parameters {
		if v, ok := s.passed[name]; ok {
			s.params[name] = v
		} else if p.Default != nil {
			s.params[name] = p.Default
		}
	}
}

// lateParseError is a template of a stack parsed late that does not parse.
type lateParseError struct{ err error }

// parses counts the templates parsed (TestUnchangedStacksNotParsed).
var parses atomic.Int64

// parsedTemplate is a template file's bytes and what they parse to. A rebuild leaves most
// stacks unchanged: a template whose bytes the previous output has too is parsed once and
// shared (nothing changes a parsed template).
type parsedTemplate struct {
	raw  []byte
	lazy string // of a template not held: its file, whose bytes both outputs have
	t    *template
}

// holds says whether p is the parsed template of the stack s.
func (p parsedTemplate) holds(s *stack) bool {
	if p.t == nil {
		return false
	}
	if s.lazy != "" || p.lazy != "" {
		return s.lazy == p.lazy
	}
	return bytes.Equal(p.raw, s.raw)
}

// output of one environment: its stacks in deploy order.
type envOutput struct {
	Stacks []*stack
	byName map[string]*stack
}

// planFile is deploy-plan.json of one output, parsed: there is none (!ok), it does not parse
// (err), or dp.
type planFile struct {
	dp  deployPlan
	ok  bool
	err error
}

// readPlan parses deploy-plan.json.
func readPlan(files map[string][]byte) planFile {
	var dp deployPlan
	raw, ok := files["deploy-plan.json"]
	if !ok {
		return planFile{}
	}
	if err := json.Unmarshal(raw, &dp); err != nil {
		return planFile{err: fmt.Errorf("deploy-plan.json: %w", err)}
	}
	return planFile{dp: dp, ok: true}
}

// unchanged are the stacks the previous and the new output both have, under one name, with
// the same template file, whose bytes the caller vouched for (vouched: the previous output
// holds exactly the new build's bytes, which are ecsgen's own), and the same parameter values:
// the same stack. Their templates are parsed only when the plan needs them. Nil when either
// deploy-plan.json does not parse, or nothing is vouched for.
func unchanged(old, new map[string][]byte, oldPlan, newPlan planFile, vouched map[string]bool, lazy lazyFiles) map[string]bool {
	if len(vouched) == 0 || !oldPlan.ok || !newPlan.ok {
		return nil
	}
	oldDP, newDP := oldPlan.dp, newPlan.dp
	type entry struct {
		template string
		params   map[string]string
		n        int
	}
	before := map[string]*entry{}
	for _, s := range oldDP.Stacks {
		if e := before[s.Name]; e != nil {
			e.n++
			continue
		}
		before[s.Name] = &entry{s.Template, s.Parameters, 1}
	}
	same := map[string]bool{}
	seen := map[string]int{}
	for _, s := range newDP.Stacks {
		seen[s.Name]++
	}
	for _, s := range newDP.Stacks {
		e := before[s.Name]
		if e == nil || e.n != 1 || seen[s.Name] != 1 || e.template != s.Template || !vouched[s.Template] || !maps.Equal(e.params, s.Parameters) {
			continue
		}
		a, okA := old[s.Template]
		b, okB := new[s.Template]
		if okA && okB && bytes.Equal(a, b) || lazy[s.Template].path != "" {
			same[s.Name] = true
		}
	}
	return same
}

// parseOutput reads the stacks of one environment's files (paths relative to the
// environment's directory: deploy-plan.json, stacks/*.json), whose deploy-plan.json is pf.
// The stacks named in late are parsed when first used.
func parseOutput(files map[string][]byte, pf planFile, parsed map[string]parsedTemplate, late map[string]bool, lazy lazyFiles) (*envOutput, error) {
	out := &envOutput{byName: map[string]*stack{}}
	if pf.err != nil {
		return nil, pf.err
	}
	if !pf.ok {
		return out, nil
	}
	dp := pf.dp
	parseNew(dp, files, parsed, late, lazy)
	for _, s := range dp.Stacks {
		b, ok := files[s.Template]
		if !ok && lazy[s.Template].path == "" {
			return nil, fmt.Errorf("deploy-plan.json names %s, which is missing", s.Template)
		}
		l := lazy[s.Template]
		st := &stack{Name: s.Name, file: s.Template, raw: b, lazy: l.path, exports: l.exports, passed: s.Parameters, parsed: parsed}
		if !late[s.Name] {
			p := parsed[s.Template]
			if !p.holds(st) {
				t := new(template)
				parses.Add(1)
				err := st.withBytes(func(raw []byte) error { return json.Unmarshal(raw, t) }) // parseNew failed on it: the error, in order
				if err != nil {
					return nil, fmt.Errorf("%s: %w", s.Template, err)
				}
				p = parsedTemplate{raw: st.raw, lazy: st.lazy, t: t}
				parsed[s.Template] = p
			}
			st.setTemplate(p.t)
		}
		out.Stacks = append(out.Stacks, st)
		out.byName[s.Name] = st
	}
	return out, nil
}

// parseNew parses, on every core, the templates deploy-plan.json names whose bytes are not
// those parsed already, into parsed (a template that does not parse is left out: the caller
// reports it in deploy order). The stacks named in late are left for later.
func parseNew(dp deployPlan, files map[string][]byte, parsed map[string]parsedTemplate, late map[string]bool, lazy lazyFiles) {
	var todo []*stack
	seen := map[string]bool{}
	for _, s := range dp.Stacks {
		b, ok := files[s.Template]
		st := &stack{file: s.Template, raw: b, lazy: lazy[s.Template].path}
		if !ok && st.lazy == "" || late[s.Name] || seen[s.Template] || parsed[s.Template].holds(st) {
			continue
		}
		seen[s.Template] = true
		todo = append(todo, st)
	}
	results := make([]*template, len(todo))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Go(func() {
			for i := range next {
				t := new(template)
				parses.Add(1)
				if todo[i].withBytes(func(raw []byte) error { return json.Unmarshal(raw, t) }) == nil {
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
	for i, st := range todo {
		if results[i] != nil {
			parsed[st.file] = parsedTemplate{raw: st.raw, lazy: st.lazy, t: results[i]}
		}
	}
}

// isStackFile says whether an output file is one the plan reads.
func isStackFile(p string) bool {
	return p == "deploy-plan.json" || isTemplate(p)
}

// resolve replaces references to the stack's parameters by the values deploy.sh passes, so that
// a changed parameter value shows as a changed property. Parts without such a reference are
// the template's own values, not copies (nothing changes them).
func (s *stack) resolve(v any) any {
	s.Template() // the parameters' defaults
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
