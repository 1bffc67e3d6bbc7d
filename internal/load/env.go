package load

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"

	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/schema"
)

// Environments. A spec may declare environments: {<name>: {<overrides>}}. Its other top-level
// fields are then the defaults every environment shares, and each environment is the defaults
// with its overrides merged in, field by field (structs merge; scalars and lists replace; null
// removes and @replace() replaces, see override.go), and env set to its name. CUE's unification cannot replace a concrete value, so the loader merges
// the user's values itself and only then unifies each environment with #Spec: every value keeps
// the position where the user wrote it, in the defaults or in the override.

// Env is one environment of a loaded spec.
type Env struct {
	Name      string
	Spec      *schema.Spec
	Positions diag.Locator
	// Overridden are the positions of the values the environment's overrides set, and spans
	// are where the user wrote its overrides, so that a finding there can name
	// environments.<env>.
	Overridden map[diag.Pos]bool
	spans      []span
}

type span struct{ from, to diag.Pos }

// InOverride reports whether a position lies in the environment's own overrides.
func (e Env) InOverride(p diag.Pos) bool {
	if e.Overridden[p] {
		return true
	}
	for _, s := range e.spans {
		if p.File == s.from.File && !before(p, s.from) && !before(s.to, p) {
			return true
		}
	}
	return false
}

func before(a, b diag.Pos) bool { return a.Line < b.Line || (a.Line == b.Line && a.Col < b.Col) }

var labelRE = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// checkEnvs validates the user's value as one spec, or as one spec per environment.
func checkEnvs(ctx *cue.Context, spec, user cue.Value, opts Options, syntax []*ast.File) (*Result, diag.List, error) {
	envsV := user.LookupPath(cue.ParsePath("environments"))
	if !envsV.Exists() {
		res, findings, err := check(ctx, spec, user, syntax, evaluation{opts.Evaluation, opts.Memo})
		return oneEnv(res, findings, err, opts)
	}

	positions := diag.Positions{}
	var findings diag.List
	p := positioner{out: positions, names: map[string]string{}}
	if !p.fromSyntax(user, syntax, &findings) {
		p.collect(user, "", &findings)
	}
	at := func(path, msg, hint string) {
		findings = append(findings, diag.Finding{Pos: positions.Of(path), Path: path, Message: msg, Hint: hint})
	}
	var names []string
	if envsV.IncompleteKind() != cue.StructKind {
		at("environments", "environments must be a struct of environments keyed by name", "e.g. environments: {dev: {}, prod: {}}")
	} else if it, err := envsV.Fields(cue.Optional(true)); err == nil {
		for it.Next() {
			name := selectorLabel(it.Selector())
			p := "environments." + name
			switch {
			case !labelRE.MatchString(name) || len(name) > 63:
				at(p, "invalid name "+strconv.Quote(name), mapKeyHints["environments"])
			case it.Value().IncompleteKind() != cue.StructKind:
				at(p, "an environment is a struct of overrides", "write {} for an environment that overrides nothing")
			default:
				names = append(names, name)
				overrideProblems(user, it.Value(), p, at)
				for _, f := range []string{"env", "environments"} {
					if it.Value().LookupPath(cue.MakePath(cue.Str(f))).Exists() {
						at(p+"."+f, f+" cannot be overridden", "an environment's name is its key in environments")
					}
				}
			}
		}
	}
	if len(names) == 0 && len(findings) == 0 {
		at("environments", "no environment declared", "e.g. environments: {dev: {}, prod: {}}")
	}
	if user.LookupPath(cue.ParsePath("env")).Exists() {
		at("env", "env is set by environments", "remove env: each environment is named by its key in environments")
	}
	if len(findings) > 0 {
		return nil, findings.Dedup(), nil
	}
	if err := selectEnvs(opts.Envs, names); err != nil {
		return nil, nil, err
	}

	res := &Result{Multi: true}
	var perEnv []diag.EnvFindings
	for _, name := range names {
		if len(opts.Envs) > 0 && !slices.Contains(opts.Envs, name) {
			continue
		}
		over := envsV.LookupPath(cue.MakePath(cue.Str(name)))
		merged := merge(ctx, user, over, true).FillPath(cue.ParsePath("env"), name)
		envPositions := diag.Positions{}
		env := Env{Name: name, Positions: envPositions, Overridden: map[diag.Pos]bool{}}
		prefix := "environments." + name + "."
		for p, pos := range positions {
			if p != "environments" && !strings.HasPrefix(p, "environments.") {
				envPositions[p] = pos
			}
		}
		for p, pos := range positions {
			if rest, ok := strings.CutPrefix(p, prefix); ok {
				envPositions[rest] = pos
				env.Overridden[pos] = true
			}
		}
		if src := over.Source(); src != nil && src.Pos().IsValid() && src.End().IsValid() {
			env.spans = append(env.spans, span{toPos(src.Pos()), toPos(src.End())})
		}
		s, fs, err := validate(ctx, spec, merged, envPositions, nil, evaluation{opts.Evaluation, opts.Memo})
		if err != nil {
			return nil, nil, fmt.Errorf("environment %s: %w", name, err)
		}
		perEnv = append(perEnv, diag.EnvFindings{Env: name, Findings: fs, InOverride: env.InOverride})
		if s == nil {
			return nil, diag.Combine(perEnv), nil // nothing decoded (a value that fits two alternatives)
		}
		env.Spec = s
		res.Envs = append(res.Envs, env)
	}
	res.Spec, res.Positions = res.Envs[0].Spec, res.Envs[0].Positions
	return res, diag.Combine(perEnv), nil
}

// oneEnv is the result of a spec without environments: its one Env.
func oneEnv(res *Result, findings diag.List, err error, opts Options) (*Result, diag.List, error) {
	if res == nil {
		return nil, findings, err
	}
	if len(findings) == 0 {
		if err := selectEnvs(opts.Envs, []string{res.Spec.Env}); err != nil {
			return nil, nil, err
		}
	}
	res.Envs = []Env{{Name: res.Spec.Env, Spec: res.Spec, Positions: res.Positions}}
	return res, findings, nil
}

// selectEnvs checks that every environment the command line names exists.
func selectEnvs(want, have []string) error {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return fmt.Errorf("no environment %q in the spec; it has: %s", w, strings.Join(have, ", "))
		}
	}
	return nil
}
