// Package load turns the user's CUE files into a validated schema.Spec.
//
// It is the only package that touches CUE. It unifies the user's files with the embedded #Spec
// schema and reports every problem at once, one line each, positioned in the user's file. Raw CUE
// errors are not good enough for that: CUE drops a missing required field whenever another error
// exists, prints one line per failed disjunct ("3 errors in empty disjunction"), and prefixes
// every path with "#Spec.". So the loader collects CUE's errors, groups them by field and
// translates them, and finds missing fields itself by walking the schema beside the user's value.
//
// Where each part lives:
//
//	load.go       files → CUE value → validated, decoded spec (the flow)
//	data.go       YAML and JSON specs
//	env.go        environments: the shared defaults merged with each environment's overrides
//	positions.go  where the user wrote each field
//	translate.go  CUE errors → findings (most messages are worded here)
//	missing.go    required fields the user left out
//	suggest.go    "did you mean" and naming hints
//	decode.go     the validated value → schema.Spec
//	perservice.go large specs validated service by service, in parallel
//	plain.go      plain-data specs loaded from their syntax, without their value as a whole
//	projection.go a service validated against the parts of the schema it writes
//	pparse.go     a large spec file parsed in regions on every core, as the serial parse gives it
//	pparseresolve.go  the references of a file parsed in regions, resolved as in the whole file
//	knownparse.go the services a rebuild knows by their text, left out of its parse
package load

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/load"

	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/schema"
)

// schemaFile is the file name CUE gives positions inside the embedded schema; positions there
// are never shown to users, who cannot edit the schema.
const schemaFile = "ecsgen/schema.cue"

// Options tune a load.
type Options struct {
	// Tags are injected into @tag() attributes of the user's files, as "key=value" (the
	// -t flag): e.g. image_tag=1.2.3 from CI.
	Tags []string
	// Dir is the directory relative file names are resolved from. Default: the current one.
	Dir string
	// Envs selects the environments to load (the --env flag); empty: every environment.
	Envs []string
	// Partial asks for a Result beside the findings of a spec with schema errors: what could be
	// decoded of its valid parts, so that the rules can report their problems in the same run.
	Partial bool
	// Evaluation chooses how the spec is unified with the schema; the default, Auto, validates
	// large specs service by service. Every choice gives the same result.
	Evaluation Evaluation
	// Memo, when set, keeps each service's validated model between builds (the build cache,
	// internal/cache), on the per-service path: see memo.go. It never changes the result.
	Memo Memo
}

// Result is a loaded spec with where the user wrote each of its fields: one Env per
// environment, in the order the spec declares them. Spec and Positions are the first
// environment's (a spec without environments has exactly one).
type Result struct {
	Spec      *schema.Spec
	Positions diag.Locator
	Envs      []Env
	// Multi is set when the spec declares environments.
	Multi bool
	// Partial is set when the spec has schema errors (Options.Partial): each Env's Spec then
	// holds only the values that decoded, and Go's zero value where a value is wrong or missing.
	Partial bool
}

// The schema compiled once per process, for what only reads it (the order of an enum's
// alternatives in a message, tests). Loads do not use it: see newSchema.
var compiled struct {
	once sync.Once
	ctx  *cue.Context
	spec cue.Value
	err  error
}

func compiledSchema() (*cue.Context, cue.Value, error) {
	compiled.once.Do(func() {
		compiled.ctx, compiled.spec, compiled.err = newSchema()
	})
	return compiled.ctx, compiled.spec, compiled.err
}

// newSchema compiles the schema in a CUE context of its own. Each load builds the user's
// files in such a context, never in one shared by the process: a CUE context keeps every
// instance built in it (with its syntax and its evaluated tree) for as long as the context
// lives, so a shared one would keep each spec alive through generation and writing, and
// every spec loaded since the process started (about 45 MB at 1000 services). Compiling the
// schema costs a few milliseconds, once per load.
func newSchema() (*cue.Context, cue.Value, error) {
	ctx := cuecontext.New()
	v := ctx.CompileBytes(schema.CUE, cue.Filename(schemaFile))
	if v.Err() != nil {
		return nil, cue.Value{}, fmt.Errorf("internal error: embedded schema does not compile: %v", cueerrors.Details(v.Err(), nil))
	}
	return ctx, v.LookupPath(cue.ParsePath("#Spec")), nil
}

// Files loads and validates the user's spec files (unified into one spec). It returns either a
// Result or a non-empty list of findings, never both, unless opts.Partial asks for the valid
// parts of a spec with findings too.
func Files(files []string, opts Options) (*Result, diag.List, error) {
	res, findings, err := loadFiles(files, opts)
	switch {
	case err != nil:
		return nil, nil, err
	case len(findings) == 0:
		return res, nil, nil
	case !opts.Partial || res == nil:
		return nil, findings, nil
	}
	res.Partial = true
	return res, findings, nil
}

func loadFiles(files []string, opts Options) (*Result, diag.List, error) {
	return loadFilesWith(files, opts, true)
}

// loadFilesWith is loadFiles; with elide, a large spec file loaded with a memo leaves out of its
// parse the services the memo knows by their text (knownparse.go), and is loaded again without
// leaving anything out unless the per-service path answers from its syntax.
func loadFilesWith(files []string, opts Options, elide bool) (*Result, diag.List, error) {
	ctx, spec, err := newSchema()
	if err != nil {
		return nil, nil, err
	}
	if len(files) == 0 {
		return nil, nil, errors.New("no spec file given")
	}
	texts, findings := preflight(files, opts.Dir)
	if len(findings) > 0 {
		return nil, findings, nil
	}
	if len(texts) == 1 && len(texts[0]) >= parallelParseMin && opts.Memo == nil && opts.Evaluation != WholeSpec {
		prepareWorker() // spare.go: many services to validate, and nothing to recall them from
	}
	if data, err := dataFiles(files); err != nil {
		return nil, nil, err
	} else if data {
		if len(opts.Tags) > 0 {
			return nil, nil, errors.New("-t fills CUE @tag() attributes: it needs a CUE spec, not YAML or JSON")
		}
		user, syntax, findings, fatal := buildData(ctx, files, opts.Dir)
		if fatal {
			return nil, findings, nil
		}
		res, more, err := checkEnvs(ctx, spec, user, opts, syntax)
		return res, append(findings, more...).Dedup(), err
	}
	cfg := &load.Config{Dir: opts.Dir, ModuleRoot: moduleRoot(files, opts.Dir), Tags: opts.Tags, ParseFile: parseSpecFile}
	var known *knownParse
	if elide && opts.Memo != nil && len(files) == 1 && files[0] != "-" && opts.Evaluation != WholeSpec {
		spec := files[0]
		if opts.Dir != "" && !filepath.IsAbs(spec) {
			spec = filepath.Join(opts.Dir, spec)
		}
		if spec, err = filepath.Abs(spec); err == nil {
			known = newKnownParse(opts.Memo, spec)
			cfg.ParseFile = known.parseFile
		}
	}
	if res, findings, err, ok := directLoad(ctx, spec, files, texts, cfg, opts, known); ok {
		return res, findings, err
	} else if known.elided() != nil {
		return loadFilesWith(files, opts, false) // as below: only the answer can do without them
	}
	texts = nil // from here, cue/load reads the file: from the overlay when directLoad parsed it
	inst, err := instance(files, cfg)
	if (err != nil || inst.Err != nil) && known.elided() != nil {
		return loadFilesWith(files, opts, false)
	}
	if err != nil || inst.Err != nil {
		return nil, instanceFindings(inst), err
	}
	// Standard input cannot be read twice: its services' syntax is kept (see loadPlain).
	res, findings, plain, err := loadPlainKnown(ctx, spec, inst.Files, sourcesFrom(inst), opts, !slices.Contains(files, "-"), known)
	if plain != plainAnswered && known.elided() != nil {
		// Services were left out of the parse, and only the per-service path's answer can do
		// without them: the spec is loaded as it always was, from the start.
		return loadFilesWith(files, opts, false)
	}
	switch plain {
	case plainAnswered:
		return res, findings, err
	case plainDeclinedReleased, plainNotTakenReleased:
		// The files lost their services' syntax to the workers: loaded again, as they were,
		// from the bytes the first load read (an editor may have saved them since: the
		// findings must be those of the text that was checked and preflighted).
		cfg.Overlay = sourcesOf(inst)
		if beforeReload != nil {
			beforeReload()
		}
		if inst, err = instance(files, cfg); err != nil || inst.Err != nil {
			return nil, instanceFindings(inst), err
		}
	}
	if plain == plainDeclined || plain == plainDeclinedReleased {
		opts.Evaluation = WholeSpec // the per-service path would decline again
	}
	user := buildUser(ctx, inst)
	if err := user.Err(); err != nil {
		// An error in the user's own CUE (a conflict within their definitions): validating
		// against the schema reports it beside every other problem, and it is the answer
		// whatever else happens.
		res, findings, vErr := checkEnvs(ctx, spec, user, opts, inst.Files)
		if vErr != nil || len(findings) == 0 {
			return nil, translate(err, nil), nil
		}
		return res, findings, nil
	}
	return checkEnvs(ctx, spec, user, opts, inst.Files)
}

// instance loads the spec files as one CUE instance, without the import of the schema's CUE
// module (withoutSchemaImport). An instance with an error (inst.Err) is returned as such.
func instance(files []string, cfg *load.Config) (*build.Instance, error) {
	insts, err := instances(files, cfg)
	if err != nil {
		return nil, err
	}
	if len(insts) != 1 {
		return nil, fmt.Errorf("the spec files must form one CUE package, got %d", len(insts))
	}
	inst := insts[0]
	if inst.Err == nil {
		withoutSchemaImport(inst)
	}
	return inst, nil
}

// beforeReload, when set (by tests), runs just before loadFiles loads released files again.
var beforeReload func()

// sourcesOf are the bytes the instance's files were read from, by absolute file name: an
// overlay that loads the same text again without reading the disk.
func sourcesOf(inst *build.Instance) map[string]load.Source {
	out := map[string]load.Source{}
	for _, bf := range inst.BuildFiles {
		if src, ok := bf.Source.([]byte); ok && filepath.IsAbs(bf.Filename) {
			out[bf.Filename] = load.FromBytes(src)
		}
	}
	return out
}

// instanceFindings are the findings of an instance that did not load (nil: none).
func instanceFindings(inst *build.Instance) diag.List {
	if inst == nil || inst.Err == nil {
		return nil
	}
	return translate(inst.Err, nil)
}

// instances is load.Instances, which panics on some module files it cannot make sense of
// (e.g. a cue.mod/local-module.cue that replaces the module itself).
func instances(files []string, cfg *load.Config) (insts []*build.Instance, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the CUE module of the spec (%s) cannot be loaded: %v; check its cue.mod/module.cue and cue.mod/local-module.cue", cfg.ModuleRoot, r)
		}
	}()
	return load.Instances(files, cfg), nil
}

// moduleRoot is the root of the CUE module the spec files are in (the directory holding
// cue.mod, found upwards from the first file's directory), so that a spec importing a package,
// e.g. the schema's CUE module, loads from any working directory; cue itself looks from the
// working directory only. Empty: none, or standard input.
func moduleRoot(files []string, dir string) string {
	if len(files) == 0 || files[0] == "-" {
		return ""
	}
	d := filepath.Dir(files[0])
	if dir != "" && !filepath.IsAbs(d) {
		d = filepath.Join(dir, d)
	}
	d, err := filepath.Abs(d)
	if err != nil {
		return ""
	}
	for {
		if fi, err := os.Stat(filepath.Join(d, "cue.mod")); err == nil && fi.IsDir() {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

// preflight catches what CUE reports badly or not at all: unreadable files, empty files and
// bytes that are not UTF-8.
func preflight(files []string, dir string) ([][]byte, diag.List) {
	var out diag.List
	texts := make([][]byte, len(files))
	for i, f := range files {
		if f == "-" {
			continue
		}
		p := f
		if dir != "" && !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			out = append(out, diag.Finding{Pos: diag.Pos{File: f}, Message: "cannot read the spec: " + strings.TrimPrefix(err.Error(), "open "+p+": ")})
			continue
		}
		if len(bytes.TrimSpace(data)) == 0 { // bytes: a string of a large spec is a copy of it
			out = append(out, diag.Finding{Pos: diag.Pos{File: f}, Message: "the spec file is empty", Hint: "start from examples/cluster-autoscaling/spec.cue"})
			continue
		}
		if !utf8.Valid(data) {
			line, col := 1, 1
			for i := 0; i < len(data); {
				r, n := utf8.DecodeRune(data[i:])
				if r == utf8.RuneError && n <= 1 {
					break
				}
				if r == '\n' {
					line, col = line+1, 1
				} else {
					col++
				}
				i += n
			}
			out = append(out, diag.Finding{Pos: diag.Pos{File: f, Line: line, Col: col}, Message: "the spec is not valid UTF-8", Hint: "save the file as UTF-8"})
		}
		texts[i] = data
	}
	return texts, out
}

// check unifies the user's value with #Spec and decodes it, or explains why it cannot.
func check(ctx *cue.Context, spec, user cue.Value, syntax []*ast.File, mode evaluation) (*Result, diag.List, error) {
	positions := diag.Positions{}
	var findings diag.List
	p := positioner{out: positions, names: map[string]string{}}
	plain := syntax
	if !p.fromSyntax(user, syntax, &findings) {
		plain = nil
		p.collect(user, "", &findings)
	}
	s, more, err := validate(ctx, spec, user, positions, plain, mode)
	findings = append(findings, more...).Dedup()
	if err != nil {
		return nil, nil, err
	}
	if s == nil {
		return nil, findings, nil // nothing decoded (a value that fits two alternatives)
	}
	return &Result{Spec: s, Positions: positions}, findings, nil
}

// validate unifies one environment's value with #Spec and decodes it, or explains why it
// cannot, with the user's positions of its fields. With findings, the spec it returns is what
// could be decoded of the valid parts (see Result.Partial).
//
// plain are the user's files when they are plain data and user is their value (nil otherwise).
func validate(ctx *cue.Context, spec, user cue.Value, positions diag.Positions, plain []*ast.File, mode evaluation) (*schema.Spec, diag.List, error) {
	if s, err := validatePerService(spec, user, plain, mode); err == nil {
		return s, unchosen(s, positions).Dedup(), nil
	} else if !errors.Is(err, errDeclined) {
		return nil, nil, err
	}
	var findings diag.List
	unified := spec.Unify(user)
	if err := unified.Validate(cue.All(), cue.Concrete(true)); err != nil {
		findings = append(findings, translate(err, positions)...)
		// CUE stops reporting missing and unknown fields once anything else is wrong, so find
		// them ourselves. When validation passes, every field is concrete and known: the walk,
		// which costs more than the validation on large specs, is for failed builds only
		// (TestNothingMissingWhenValid guards the shortcut).
		w := walker{ctx: ctx, positions: positions}
		w.missing(spec, user, "")
		for _, f := range w.findings {
			if !slices.ContainsFunc(findings, func(g diag.Finding) bool { return g.Path == f.Path }) {
				findings = append(findings, f)
			}
		}
		suggestFields(ctx, spec, findings)
		findings = closedDefinitions(findings)
	}
	findings = findings.Dedup()
	valid := len(findings) == 0
	var s schema.Spec
	d := &decoder{lenient: !valid}
	if err := d.decode(unified, reflect.ValueOf(&s).Elem()); err != nil {
		// A value that fits two alternatives of the schema validates but cannot be decoded.
		if f := ambiguous(err, positions); len(f) > 0 {
			return nil, f, nil
		}
		// A struct alternative of a disjunction chosen by the data but left incomplete (a
		// custom metric written as {}) passes CUE's validation of concrete values and fails
		// only here: the fields it misses are what is wrong.
		if valid {
			w := walker{ctx: ctx, positions: positions}
			w.missing(spec, user, "")
			if len(w.findings) > 0 {
				return nil, w.findings.Dedup(), nil
			}
		}
		return nil, nil, fmt.Errorf("internal error: a valid spec did not decode: %v", err)
	}
	findings = append(findings, d.findings(positions)...)
	if valid {
		findings = append(findings, unchosen(&s, positions)...)
	}
	return &s, findings.Dedup(), nil
}
