// Plain-data CUE specs loaded from their syntax, without their value as a whole.
//
// BuildInstance builds and evaluates the user's files as one value, a tree as large as the
// spec (at 1000 services, over 100 ms on one core before any worker starts, and the live heap
// of the load 87 MB instead of 52, 42 once the services' syntax is released as below, about
// 29 once each worker reads the positions of its services; the load's result then holds 19 MB,
// 10 once the services' positions are read on demand), and
// the whole-spec path needs it. The per-service path on plain data does not (see
// positioner.fromSyntax and splitSyntax): the positions are read from the syntax, each
// service is built by a worker
// from its syntax, the rest of the spec from the syntax of its other fields. So a plain-data
// spec without environments, with enough services for the per-service path, is first loaded
// that way, and the user's value is built only when the per-service path declines: the
// whole-spec path then answers as it always does, from the start (TestPerServiceAgrees,
// TestPlainDataNotEvaluated).
//
// The workers start as soon as the files are parsed, since they need only the syntax of each
// service. Each makes sure that the positions of a service can be read from its text when a
// finding asks for them (quickService, lazypositions.go; or reads them at once with
// positioner.fromService) before it validates it and drops it, while the caller reads the
// positions of the rest of the spec (fromRest) and validates it. Reading all the positions
// first, on the caller's core, made the load's live heap peak at the end of that walk, with
// every position (11 MB at 1000 services) and the syntax of the services not yet validated
// (15 MB) alive; reading them in the workers, one map per service merged into one, cost
// 0.14 s of CPU at 1000 services for positions that a valid spec never asks for.

package load

import (
	"errors"
	"sync/atomic"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/token"

	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/schema"
)

// userValuesBuilt counts the user values loadFiles builds as a whole (TestPlainDataNotEvaluated
// checks that loading plain data builds none).
var userValuesBuilt atomic.Int64

// buildUser builds and evaluates the user's files as one value.
func buildUser(ctx *cue.Context, inst *build.Instance) cue.Value {
	userValuesBuilt.Add(1)
	return ctx.BuildInstance(inst)
}

// plainOutcome is what loadPlain did with a spec.
type plainOutcome int

const (
	// plainNotTaken: not a plain-data spec the per-service path can take; load it as before.
	plainNotTaken plainOutcome = iota
	// plainDeclined: the per-service path declines the spec; the whole-spec path answers.
	plainDeclined
	// plainDeclinedReleased: as plainDeclined, but the files' services were released (see
	// loadPlain): the whole-spec path answers from the files loaded again.
	plainDeclinedReleased
	// plainNotTakenReleased: as plainNotTaken (a service is not plain data, found by its
	// worker), but the files' services were released: they are loaded again.
	plainNotTakenReleased
	// plainAnswered: the spec is loaded.
	plainAnswered
)

// loadPlain loads plain-data CUE files through the per-service path from their syntax. The
// result, findings and error are meaningful only when it answers.
//
// With release, the files can be loaded again: once the positions of the rest are read, the
// syntax of the services is taken out of the files and each is dropped when its worker is
// done with it (its positions read, it is validated).
// Parsed syntax is about 16 times the size of the text and was the largest part of the load's
// live heap (22 of 52 MB at 1000 services); the model a worker decodes from it is about a
// fifth of its size. A spec the path then declines or does not take is loaded again
// (plainDeclinedReleased, plainNotTakenReleased).
//
// src are the texts of the files, from which the positions of a service are read when a
// finding asks for them (lazypositions.go); nil: every service's positions are read at once.
func loadPlain(ctx *cue.Context, spec cue.Value, files []*ast.File, src sources, opts Options, release bool) (*Result, diag.List, plainOutcome, error) {
	return loadPlainKnown(ctx, spec, files, src, opts, release, nil)
}

// loadPlainKnown is loadPlain; known, when set, is the load's parse, which may have left
// services out of files (they are then added to the services, from the memo: knownparse.go),
// and is told which services the next load can leave out.
func loadPlainKnown(ctx *cue.Context, spec cue.Value, files []*ast.File, src sources, opts Options, release bool, known *knownParse) (*Result, diag.List, plainOutcome, error) {
	if opts.Evaluation == WholeSpec || declaresField(files, "environments") {
		return nil, nil, plainNotTaken, nil
	}
	services, ok := servicesFromSyntax(files)
	if elided := known.elided(); ok && elided != nil {
		services, ok = withKnown(services, elided, src)
	}
	if !ok || len(services) == 0 || (opts.Evaluation == Auto && len(services) < perServiceFrom) || !plainRest(files) {
		return nil, nil, plainNotTaken, nil
	}
	if !servicesApart(files, services) {
		return nil, nil, plainNotTaken, nil // not a valid spec: the value answers
	}
	// Each worker makes sure it can read the positions of its services (a service that is not
	// plain data stops them); meanwhile the caller reads the rest of the spec's.
	run := startServices(services, opts.Memo, true, src)
	p := positioner{out: diag.Positions{}, names: map[string]string{}}
	var findings diag.List
	if !p.fromRest(files, &findings) {
		// Not plain data: the value answers. What the workers did is dropped.
		run.stop()
		_ = run.wait()
		return nil, nil, plainNotTaken, nil
	}
	notTaken, declined := plainNotTaken, plainDeclined
	if release {
		releaseServices(files)
		notTaken, declined = plainNotTakenReleased, plainDeclinedReleased
	}
	var s *schema.Spec
	rest, err := restFromSyntax(ctx, files)
	if err != nil {
		run.stop()
	} else {
		s, err = validateRest(spec, rest)
	}
	s, err = run.finish(s, err)
	if !run.plainSyntax() {
		return nil, nil, notTaken, nil // as when the walk of the rest declines
	}
	if errors.Is(err, errNotKnown) {
		return nil, nil, notTaken, nil
	} else if errors.Is(err, errDeclined) {
		return nil, nil, declined, nil
	} else if err != nil {
		return nil, nil, plainAnswered, err
	}
	known.store(run)
	positions := run.positions(p.out)
	for _, f := range run.findings {
		findings = append(findings, f...)
	}
	findings = append(findings, unchosen(s, positions).Dedup()...).Dedup()
	res, findings, err := oneEnv(&Result{Spec: s, Positions: positions}, findings, nil, opts)
	return res, findings, plainAnswered, err
}

// plainSyntax reports, once the workers of loadPlain are done, whether every service is plain
// data as fromSyntax sees it, which decides between plainNotTaken and plainDeclined as the
// walk of the whole spec did: the workers read the services they took, and the services left
// when they were stopped (their syntax still held) are read now.
func (r *serviceRun) plainSyntax() bool {
	if r.notPlain.Load() {
		return false
	}
	p := positioner{out: diag.Positions{}, names: map[string]string{}}
	var findings diag.List
	for _, svc := range r.services {
		if svc.decls != nil && !p.fromService(svc.decls, &findings) {
			return false
		}
	}
	return true
}

// releaseServices takes the services out of plain-data files (the entries of each top-level
// services struct), whose syntax is then held by the service workers only, each until it is
// done with it (startServices).
func releaseServices(files []*ast.File) {
	for _, f := range files {
		for _, d := range f.Decls {
			if field, ok := d.(*ast.Field); ok {
				if label, _ := plainLabel(field.Label); label == servicesLabel {
					if st, ok := field.Value.(*ast.StructLit); ok {
						st.Elts = nil
					}
				}
			}
		}
	}
}

// declaresField reports whether the files declare a top-level field with the given name.
func declaresField(files []*ast.File, name string) bool {
	for _, f := range files {
		for _, d := range f.Decls {
			if field, ok := d.(*ast.Field); ok {
				if label, _ := plainLabel(field.Label); label == name {
					return true
				}
			}
		}
	}
	return false
}

// plainRest reports whether the files' top level and their fields other than services are
// plain data, a part of what fromSyntax checks and a small one: a spec that is not plain data
// there sets no worker going for nothing.
func plainRest(files []*ast.File) bool {
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.Package, *ast.CommentGroup:
			case *ast.Field:
				label, ok := plainLabel(d.Label)
				if !ok || d.Constraint != token.ILLEGAL || len(d.Attrs) > 0 {
					return false
				}
				if label != servicesLabel && !plainData(d.Value) {
					return false
				}
			default:
				return false
			}
		}
	}
	return true
}
