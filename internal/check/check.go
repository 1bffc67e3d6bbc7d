// Package check runs the cross-field rules of ../shared/rules.md on a loaded spec: the mistakes
// CUE's field-by-field schema cannot see and CloudFormation only reports mid-deploy.
package check

import (
	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/schema"
)

// Spec returns every finding of every rule, sorted by position.
func Spec(s *schema.Spec, pos diag.Locator) diag.List {
	c := &checker{spec: s, pos: pos}
	for _, rule := range rules {
		rule(c)
	}
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
