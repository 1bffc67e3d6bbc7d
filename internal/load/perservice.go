// The per-service path: a large spec validated service by service, in parallel.
//
// Unifying a whole spec with #Spec keeps the evaluated tree of every service alive at once and
// runs on one core. A service's schema (the pattern of services.<name>) refers to nothing
// outside the service, so each service can be unified and decoded on its own, against its own
// copy of the schema: one CUE context per worker, since a CUE context is not safe for
// concurrent use. The rest of the spec (everything but services) is unified with #Spec as
// before, and the decoded services are put into its map.
//
// The path only ever answers for a valid spec. On anything it does not handle, or any error
// at all, it declines, and the whole-spec path runs from the start, so that findings are
// exactly those of the whole-spec path (TestPerServiceAgrees compares the two).

package load

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/token"

	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/schema"
)

// Evaluation chooses how a spec is unified with the schema.
type Evaluation int

const (
	// Auto validates specs with many services service by service (PerService), others whole.
	Auto Evaluation = iota
	// WholeSpec unifies the whole spec with #Spec at once.
	WholeSpec
	// PerService validates each service on its own, in parallel, whatever the spec's size;
	// on any error it falls back to the whole-spec path.
	PerService
)

// perServiceFrom is the number of services from which Auto takes the per-service path: below
// it, compiling the schema once more per worker costs more than the parallel evaluation saves.
const perServiceFrom = 24

var errDeclined = errors.New("the per-service path declines this spec")

// perServiceTaken counts the specs the per-service path answered for (TestPerServiceAgrees
// checks that it is taken).
var perServiceTaken atomic.Int64

// projectionMemoHits counts the results the workers of all loads took from their load's memo
// (TestProjectionMemoInLoad checks that a load uses one).
var projectionMemoHits atomic.Int64

// servicesLabel is the field of the spec whose entries are validated one by one.
const servicesLabel = "services"

// validatePerService validates and decodes a spec service by service. It returns
// errDeclined (or another error) when the whole-spec path must answer instead.
//
// plain are the user's files when they are plain data (see positioner.fromSyntax), whose
// services are then taken from the syntax as written, without exporting them from the value.
func validatePerService(spec, user cue.Value, plain []*ast.File, how evaluation) (*schema.Spec, error) {
	mode := how.mode
	if mode == WholeSpec {
		return nil, errDeclined
	}
	var rest cue.Value
	var services []userService
	var err error
	if plain != nil {
		// Plain data: the rest and the services are built from the syntax as written, so the
		// user's value as a whole, a tree as large as the spec, is never evaluated.
		rest, services, err = splitSyntax(user.Context(), plain)
	} else if user.Err() != nil {
		err = errDeclined
	} else {
		rest, services, err = splitServices(user)
	}
	if err != nil {
		return nil, err
	}
	if mode == Auto && len(services) < perServiceFrom {
		return nil, errDeclined
	}

	run := startServices(services, how.memo, false, nil)
	// Meanwhile, the rest of the spec against #Spec, in the caller's context.
	return run.finish(validateRest(spec, rest))
}

// serviceRun is the services of a spec being validated by workers, each with its own CUE
// context when it needs one, while the caller goes on.
type serviceRun struct {
	services []userService
	decoded  []schema.Service
	next     atomic.Int64 // the next service to take
	wg       sync.WaitGroup
	failed   sync.Once
	err      error // the first error of a worker
	results  *projectionMemo
	// With plain: the texts of the files (nil: none, read every service's positions at once),
	// the positions of each service, to be read or read (lazypositions.go), each worker's
	// findings, and whether a service is not plain data as fromSyntax sees it.
	sources  sources
	parts    []servicePositions
	findings []diag.List
	notPlain atomic.Bool
	// keys[i] is the memo key service i's model is stored under, once it is (nil: not stored,
	// or no memo): what the index of known regions maps to (knownparse.go).
	keys [][]byte
}

// servicePositions are the positions of one service: where it is written, to read them when
// a finding asks (span), or read already (read).
type servicePositions struct {
	span *serviceSpan
	read diag.Positions
}

// startServices starts the workers on the services. With plain, each worker first makes sure
// that the positions of a service can be read from its syntax (quickService, or else
// positioner.fromService, which reads them), and a service that is not plain data (see
// plainData, fromSyntax) stops them with errDeclined. src are the texts of the files the
// services are written in (nil: their positions are read at once).
func startServices(services []userService, memo Memo, plain bool, src sources) *serviceRun {
	// One memo of the projection's results for all the workers of this load (projmemo.go).
	results := newProjectionMemo()
	r := &serviceRun{services: services, decoded: make([]schema.Service, len(services)), results: results, keys: make([][]byte, len(services))}
	workers := min(runtime.GOMAXPROCS(0), len(services))
	if plain {
		r.sources, r.parts, r.findings = src, make([]servicePositions, len(services)), make([]diag.List, workers)
	}
	for k := range workers {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			// The worker's CUE context and schema are made on the first service, field or
			// name that needs CUE's evaluator (prepare, cue): a rebuild that finds every
			// service in the memo, or whose services the checkers take, compiles none.
			w := &serviceWorker{memo: memo, results: results}
			var p *positioner   // reads the positions of a service when quickService is not sure
			var labels []string // quickService's scratch
			if plain {
				p = &positioner{names: map[string]string{}}
			}
			for {
				i := int(r.next.Add(1)) - 1
				if i >= len(services) {
					return
				}
				err := errDeclined
				switch known := services[i].known; {
				case known != nil:
					// Left out of the parse (knownparse.go): its model is in the memo, its
					// positions are read from where it is written when a finding asks.
					r.parts[i].span = known.span
					if recall(memo, known.key, &r.decoded[i]) {
						r.keys[i], err = known.key, nil
					} else {
						err = errNotKnown
					}
				case plain:
					switch quick, ok := r.readPositions(p, i, &labels, &r.findings[k]); {
					case !ok:
						r.notPlain.Store(true)
					case quick || plainData(services[i].expr):
						// quickService took the service's one field: its value is plain data.
						r.keys[i], err = w.service(services[i], &r.decoded[i])
					}
				default:
					r.keys[i], err = w.service(services[i], &r.decoded[i])
				}
				// Its syntax is not needed any more, and may be all that holds it (releaseServices).
				services[i].expr, services[i].decls = nil, nil
				if err != nil {
					r.failed.Do(func() { r.err = err })
					r.stop() // the others stop too
					return
				}
			}
		}()
	}
	return r
}

// readPositions makes sure that the positions of service i can be read: when quickService
// takes it and its text is known, it keeps where it is written (quick); else it reads them with
// the worker's positioner, and reports whether fromService takes it (ok).
func (r *serviceRun) readPositions(p *positioner, i int, labels *[]string, findings *diag.List) (quick, ok bool) {
	decls := r.services[i].decls
	if r.sources != nil && quickService(decls, labels) {
		if span, ok := r.sources.spanOf(r.services[i].name, decls[0]); ok {
			r.parts[i].span = span
			return true, true
		}
	}
	servicePositionsRead.Add(1)
	p.out = diag.Positions{}
	if !p.fromService(decls, findings) {
		return false, false
	}
	r.parts[i].read = p.out
	return false, true
}

// positions are the positions of the spec: those of the rest, and of each service, read when
// first asked for, once the workers are done.
func (r *serviceRun) positions(rest diag.Positions) *diag.Lazy {
	out := diag.NewLazy(rest)
	for i, svc := range r.services {
		if span := r.parts[i].span; span != nil {
			out.Add(join(servicesLabel, svc.name), span.own(), span.read)
		} else {
			out.AddRead(join(servicesLabel, svc.name), r.parts[i].read)
		}
	}
	return out
}

// stop makes the workers stop after the service each is validating.
func (r *serviceRun) stop() { r.next.Store(int64(len(r.services))) }

// wait waits for the workers and returns the first error of any.
func (r *serviceRun) wait() error {
	r.wg.Wait()
	projectionMemoHits.Add(r.results.hitCount())
	return r.err
}

// finish waits for the workers and puts the services they decoded into the rest of the spec,
// decoded by the caller (or not: restErr).
func (r *serviceRun) finish(s *schema.Spec, restErr error) (*schema.Spec, error) {
	if err := r.wait(); err != nil {
		return nil, err
	}
	if restErr != nil {
		return nil, restErr
	}
	s.Services = make(map[string]schema.Service, len(r.services))
	for i, svc := range r.services {
		s.Services[svc.name] = r.decoded[i]
	}
	perServiceTaken.Add(1)
	return s, nil
}

// userService is one entry of services: its name and its value as syntax, which a worker
// builds in its own context, and, from plain-data files, its declarations (the fields named
// after it in the files' services structs), which a worker reads its positions from.
type userService struct {
	name  string
	expr  ast.Expr
	decls []ast.Decl
	// known is set for a service left out of the parse (knownparse.go), which has no syntax.
	known *knownService
}

// knownService is a service left out of the parse: its model's memo key and where it is.
type knownService struct {
	key  []byte
	span *serviceSpan
}

// errNotKnown is a service left out of the parse whose model is not in the memo (any more):
// the spec is loaded again without leaving anything out.
var errNotKnown = errors.New("a service left out of the parse is not in the memo")

// splitServices returns the user's spec without its services, and each service as syntax. It
// declines a spec whose top level holds optional or required fields, or whose services hold
// anything but regular fields (definitions, hidden, optional or required fields), which the
// whole-spec path judges.
func splitServices(user cue.Value) (cue.Value, []userService, error) {
	if user.IncompleteKind() != cue.StructKind {
		return cue.Value{}, nil, errDeclined
	}
	ctx := user.Context()
	rest := ctx.CompileString("{}")
	var servicesV cue.Value
	it, err := user.Fields(cue.All())
	if err != nil {
		return cue.Value{}, nil, errDeclined
	}
	for it.Next() {
		sel := it.Selector()
		if sel.ConstraintType() != 0 {
			return cue.Value{}, nil, errDeclined // an optional or required field
		}
		// Hidden fields and definitions go with the rest, where the schema judges them as
		// it does in the whole-spec path.
		if regular(sel) && sel.Unquoted() == servicesLabel {
			servicesV = it.Value()
			continue
		}
		rest = rest.FillPath(cue.MakePath(sel), it.Value())
	}
	if !servicesV.Exists() || servicesV.IncompleteKind() != cue.StructKind {
		return cue.Value{}, nil, errDeclined
	}
	var services []userService
	it, err = servicesV.Fields(cue.All())
	if err != nil {
		return cue.Value{}, nil, errDeclined
	}
	for it.Next() {
		sel := it.Selector()
		if !regular(sel) || it.Value().Err() != nil {
			return cue.Value{}, nil, errDeclined
		}
		// Exported final, so that the syntax needs nothing outside the service (references to
		// hidden fields are resolved); Final also selects defaults, which would hide a user's
		// default that conflicts with the schema's, so a value with a default is declined.
		if hasDefault(it.Value()) {
			return cue.Value{}, nil, errDeclined
		}
		n := it.Value().Syntax(cue.Final(), cue.Hidden(true), cue.Definitions(true), cue.Optional(true), cue.Docs(false), cue.Attributes(false))
		expr, ok := n.(ast.Expr)
		if !ok {
			return cue.Value{}, nil, errDeclined // a file: the value needs imports or lets of its own
		}
		services = append(services, userService{name: sel.Unquoted(), expr: expr})
	}
	return rest, services, nil
}

// splitSyntax is splitServices for plain-data files: the rest is built from the files' other
// fields, and each service is its syntax as written. A conflict between two declarations of a
// service shows when it is built; plain data has no other kind of conflict (a scalar or a list
// written twice is not plain data).
func splitSyntax(ctx *cue.Context, files []*ast.File) (cue.Value, []userService, error) {
	services, ok := servicesFromSyntax(files)
	if !ok || len(services) == 0 {
		return cue.Value{}, nil, errDeclined
	}
	rest, err := restFromSyntax(ctx, files)
	if err != nil {
		return cue.Value{}, nil, err
	}
	return rest, services, nil
}

// restFromSyntax builds the fields of plain-data files other than services.
func restFromSyntax(ctx *cue.Context, files []*ast.File) (cue.Value, error) {
	var decls []ast.Decl
	for _, f := range files {
		for _, d := range f.Decls {
			if field, ok := d.(*ast.Field); ok {
				if label, _ := plainLabel(field.Label); label == servicesLabel {
					continue
				}
				decls = append(decls, d)
			}
		}
	}
	rest := ctx.BuildFile(&ast.File{Decls: decls})
	if rest.Err() != nil {
		return cue.Value{}, errDeclined
	}
	return rest, nil
}

// servicesFromSyntax collects each service of plain-data files as written: one expression per
// service, the unification of its declarations when it is written in several places
// (services: a: … then services: a: …), and the declarations.
func servicesFromSyntax(files []*ast.File) ([]userService, bool) {
	var names []string
	decls := map[string][]ast.Decl{}
	for _, f := range files {
		for _, d := range f.Decls {
			field, ok := d.(*ast.Field)
			if !ok {
				continue // the package clause and comments; fromSyntax allows nothing else
			}
			if label, ok := plainLabel(field.Label); !ok || label != servicesLabel {
				continue
			}
			st, ok := field.Value.(*ast.StructLit)
			if !ok {
				return nil, false
			}
			for _, e := range st.Elts {
				svc, ok := e.(*ast.Field)
				if !ok {
					if _, comment := e.(*ast.CommentGroup); comment {
						continue
					}
					return nil, false
				}
				name, ok := plainLabel(svc.Label)
				if !ok {
					return nil, false
				}
				if _, seen := decls[name]; !seen {
					names = append(names, name)
				}
				decls[name] = append(decls[name], svc)
			}
		}
	}
	out := make([]userService, 0, len(names))
	for _, name := range names {
		fields := decls[name]
		expr := fields[0].(*ast.Field).Value
		if len(fields) > 1 {
			parts := make([]ast.Expr, len(fields))
			for i, f := range fields {
				parts[i] = f.(*ast.Field).Value
			}
			expr = ast.NewBinExpr(token.AND, parts...)
		}
		out = append(out, userService{name: name, expr: expr, decls: fields})
	}
	return out, true
}

// hasDefault reports whether a value, or any value within it, is a disjunction with a default
// (*a | b), a closed struct (a definition's value, or close()), or not concrete: what a final
// export would not keep.
func hasDefault(v cue.Value) bool {
	if _, ok := v.Default(); ok {
		return true
	}
	switch v.IncompleteKind() {
	case cue.StructKind:
		if v.IsClosed() {
			return true
		}
		it, err := v.Fields(cue.All())
		if err != nil {
			return true
		}
		for it.Next() {
			if hasDefault(it.Value()) {
				return true
			}
		}
	case cue.ListKind:
		it, err := v.List()
		if err != nil {
			return true
		}
		for it.Next() {
			if hasDefault(it.Value()) {
				return true
			}
		}
	default:
		return !v.IsConcrete()
	}
	return false
}

// regular reports whether a selector is a plain field: no definition, hidden, optional or
// required field, no pattern.
func regular(sel cue.Selector) bool {
	return sel.LabelType() == cue.StringLabel && sel.ConstraintType() == 0
}

// validateRest unifies the spec without its services with #Spec and decodes it.
func validateRest(spec, rest cue.Value) (*schema.Spec, error) {
	unified := spec.Unify(rest)
	if err := unified.Validate(cue.All(), cue.Concrete(true)); err != nil {
		return nil, errDeclined
	}
	var s schema.Spec
	d := &decoder{}
	if err := d.decode(unified, reflect.ValueOf(&s).Elem()); err != nil || len(d.outOfRange) > 0 {
		return nil, errDeclined
	}
	return &s, nil
}

// serviceWorker validates services: with the projection's checkers, and in a CUE context of
// its own for what they do not take.
type serviceWorker struct {
	ctx      *cue.Context // nil until a service needs CUE's evaluator (cue)
	root     cue.Value    // the schema, with the projection's definitions when there is one
	services cue.Value    // #Spec.services: the pattern each service is unified with
	memo     Memo
	proj     *projection          // nil: every service is unified with #Service whole
	names    map[string]bool      // element names checked against their pattern (projection.go)
	defs     map[string]cue.Value // the projection's definitions, looked up
	results  *projectionMemo      // the load's results of the projection, shared (projmemo.go)
	keyBuf   []byte               // scratch for the results' keys
	prepared bool                 // prepare was done: proj is set, or ctx compiled
	checkOff bool                 // the projection's checker (checker.go) is not used (tests)
	checked  int                  // the fields the checker took (tests)
}

// prepare makes the worker ready to validate services: the projection, whose defaults and
// checkers a compiled schema makes once per process. The worker's own CUE context is compiled
// only when a service needs CUE's evaluator (cue): with the checkers (checker.go), services
// written as plain data do not, and a worker that never needs it does not pay for it (a CUE
// context and the schema compiled in it: 17 ms of CPU).
func (w *serviceWorker) prepare() error {
	if w.prepared {
		return nil
	}
	if p := schemaProjection(); p != nil {
		if !p.made.Load() {
			waitSpare() // a spare under way makes them (spare.go): no second schema for that
		}
		if p.made.Load() {
			w.proj, w.prepared = p, true
			return nil
		}
	}
	if err := w.cue(); err != nil {
		return err
	}
	w.prepared = true
	return nil
}

// cue compiles the worker's CUE context and schema, unless it has them.
func (w *serviceWorker) cue() error {
	if w.ctx != nil {
		return nil
	}
	return w.compile()
}

// compile gives the worker its CUE context and schema: the spare's (spare.go), or its own.
func (w *serviceWorker) compile() error {
	if s := takeSpare(); s != nil {
		w.ctx, w.root, w.proj, w.services = s.ctx, s.root, s.proj, s.services
		return nil
	}
	workerSchemas.Add(1)
	return w.compileOwn()
}

// workerSchemas counts the schemas workers compiled for themselves (for tests).
var workerSchemas atomic.Int64

// compileOwn compiles the schema, with the projection's definitions, in a CUE context of the
// worker's own, and makes the projection's defaults and checkers if no worker has.
func (w *serviceWorker) compileOwn() error {
	ctx := cuecontext.New()
	src := schema.CUE
	proj := schemaProjection()
	if proj != nil {
		src = proj.source
	}
	v := ctx.CompileBytes(src, cue.Filename(schemaFile))
	if v.Err() != nil {
		return fmt.Errorf("internal error: embedded schema does not compile: %v", v.Err())
	}
	if proj != nil {
		if err := proj.defaults(v); err != nil {
			return err
		}
		proj.checkers(v)
		proj.made.Store(true)
	}
	w.ctx, w.root, w.proj = ctx, v, proj
	w.services = v.LookupPath(cue.MakePath(cue.Def("#Spec"), cue.Str(servicesLabel)))
	return nil
}

// service validates and decodes one service: from the memo when a build before validated the
// same service (memo.go), else by unifying it with the schema of services.<name>. It returns
// the memo key the model is stored under (nil: not stored).
func (w *serviceWorker) service(svc userService, out *schema.Service) ([]byte, error) {
	key := serviceKey(w.memo, svc)
	if key != nil && recall(w.memo, key, out) {
		return key, nil
	}
	if err := w.validate(svc, out); err != nil {
		return nil, err
	}
	if key != nil && remember(w.memo, key, out) {
		return key, nil
	}
	return nil, nil
}

// validate unifies one service with the schema of services.<name> and decodes it.
func (w *serviceWorker) validate(svc userService, out *schema.Service) error {
	if err := w.prepare(); err != nil {
		return err
	}
	// The projection is #Spec.services' pattern, {[#Label]: #Service}, taken apart: the name
	// against #Label, the service against the fields of #Service it writes.
	if w.proj != nil && w.nameOK(serviceNameDef, svc.name) {
		var s schema.Service
		if w.projected(svc, &s) {
			*out = s
			return nil
		}
	}
	if err := w.cue(); err != nil {
		return err
	}
	// The schema the pattern gives this name; it does not exist when the name is not allowed.
	sch := w.services.LookupPath(cue.MakePath(cue.Str(svc.name).Optional()))
	if !sch.Exists() || sch.Err() != nil {
		return errDeclined
	}
	v := w.ctx.BuildExpr(svc.expr)
	if v.Err() != nil {
		return errDeclined
	}
	unified := sch.Unify(v)
	if err := unified.Validate(cue.All(), cue.Concrete(true)); err != nil {
		return errDeclined
	}
	d := &decoder{}
	if err := d.decode(unified, reflect.ValueOf(out).Elem()); err != nil || len(d.outOfRange) > 0 {
		return errDeclined
	}
	return nil
}

// projected validates and decodes a service written as plain data against the fields of the
// schema it writes (projection.go). False when the projection does not take the service or
// finds a problem: the service is then unified with #Service whole, which judges it.
func (w *serviceWorker) projected(svc userService, out *schema.Service) bool {
	if !plainData(svc.expr) {
		return false
	}
	return w.projectStruct(w.proj.service, []ast.Expr{svc.expr}, reflect.ValueOf(out).Elem())
}
