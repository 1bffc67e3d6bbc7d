// Package check runs the cross-field rules of ../shared/rules.md on a loaded spec: the mistakes
// CUE's field-by-field schema cannot see and CloudFormation only reports mid-deploy.
package check

import (
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/schema"
)

// Spec returns every finding of every rule, sorted by position.
func Spec(s *schema.Spec, pos diag.Locator) diag.List {
	// The rules only read the spec (and the positions, safe to read at once): they run on every
	// core, each into a list of its own, and the lists are joined in the rules' order, so the
	// findings are exactly those of the rules run one after another (0.39 s on one core at
	// 10 000 services, 37 rules, none above 0.04 s).
	found := make([]diag.List, len(rules))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(rules)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(rules); i = int(next.Add(1)) - 1 {
				c := &checker{spec: s, pos: pos}
				rules[i](c)
				found[i] = c.findings
			}
		})
	}
	wg.Wait()
	c := &checker{spec: s, pos: pos, findings: slices.Concat(found...)}
	c.applyWaivers()
	c.findings.Sort()
	return c.findings
}

type checker struct {
	spec     *schema.Spec
	pos      diag.Locator
	findings diag.List
}

func (c *checker) errorf(rule, path, hint, format string, args ...any) {
	c.add(diag.Error, rule, path, hint, format, args...)
}

func (c *checker) warnf(rule, path, hint, format string, args ...any) {
	c.add(diag.Warning, rule, path, hint, format, args...)
}

func (c *checker) add(sev diag.Severity, rule, path, hint, format string, args ...any) {
	c.findings = append(c.findings, diag.Finding{
		Pos: c.pos.Of(path), Path: path, Rule: rule, Severity: sev,
		Message: sprintf(format, args...), Hint: hint,
	})
}

var rules []func(*checker)
