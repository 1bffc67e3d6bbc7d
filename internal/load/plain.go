// Plain-data CUE specs loaded from their syntax, without their value as a whole.
//
// BuildInstance builds and evaluates the user's files as one value, a tree as large as the
// spec (at 1000 services, over 100 ms on one core before any worker starts, and the live heap
// of the load 87 MB instead of 52, 42 once the services' syntax is released as below), and
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
// service: the walk for positions and the rest of the spec overlap them.

package load

import (
	"errors"
	"sync/atomic"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/token"

	"github.com/ecsgen/ecsgen/internal/diag"
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
	// plainAnswered: the spec is loaded.
	plainAnswered
)

// loadPlain loads plain-data CUE files through the per-service path from their syntax. The
// result, findings and error are meaningful only when it answers.
//
// With release, the files can be loaded again: once the positions are read, the syntax of
// the services is taken out of the files and each is dropped when its worker is done with it.
// Parsed syntax is about 16 times the size of the text and was the largest part of the load's
// live heap (22 of 52 MB at 1000 services); the model a worker decodes from it is about a
// fifth of its size. A spec the path then declines is loaded again (plainDeclinedReleased).
func loadPlain(ctx *cue.Context, spec cue.Value, files []*ast.File, opts Options, release bool) (*Result, diag.List, plainOutcome, error) {
	if opts.Evaluation == WholeSpec || declaresField(files, "environments") {
		return nil, nil, plainNotTaken, nil
	}
	services, ok := servicesFromSyntax(files)
	if !ok || len(services) == 0 || (opts.Evaluation == Auto && len(services) < perServiceFrom) || !plainRest(files) {
		return nil, nil, plainNotTaken, nil
	}
	// A service that is not plain data stops the workers (the walk below then declines).
	run := startServices(services, opts.Memo, true)
	positions := diag.Positions{}
	var findings diag.List
	p := positioner{out: positions, names: map[string]string{}}
	if !p.fromSyntax(cue.Value{}, files, &findings) {
		// Not plain data: the value answers. What the workers did is dropped.
		run.stop()
		_ = run.wait()
		return nil, nil, plainNotTaken, nil
	}
	declined := plainDeclined
	if release {
		releaseServices(files)
		declined = plainDeclinedReleased
	}
	rest, err := restFromSyntax(ctx, files)
	if err != nil {
		run.stop()
		_ = run.wait()
		return nil, nil, declined, nil
	}
	s, err := run.finish(validateRest(spec, rest))
	if errors.Is(err, errDeclined) {
		return nil, nil, declined, nil
	} else if err != nil {
		return nil, nil, plainAnswered, err
	}
	findings = append(findings, unchosen(s, positions).Dedup()...).Dedup()
	res, findings, err := oneEnv(&Result{Spec: s, Positions: positions}, findings, nil, opts)
	return res, findings, plainAnswered, err
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
