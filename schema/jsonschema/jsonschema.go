// Package jsonschema generates, from the CUE schema and the Go model of the spec, the JSON Schema
// editors complete YAML and JSON specs from (schema/spec.schema.json) and the spec reference
// (docs/spec.md).
package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	literalpkg "cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"
	"github.com/invopop/jsonschema"

	"github.com/ecsgen/ecsgen/schema"
)

// The JSON Schema of the spec, for editors: a YAML or JSON spec that names it
// ("$schema": "…/spec.schema.json", or "# yaml-language-server: $schema=…") gets completion,
// documentation on hover and checking as it is typed.
//
// Its structure comes from the Go model (invopop/jsonschema reflects schema.Spec); everything
// the CUE schema knows beyond types comes from #Spec: which fields are required, the doc
// comments, defaults, enums, patterns, bounds, list and string limits. Walking the two side by
// side also proves they agree: a field in one and not in the other is an error.

// SchemaID is where the JSON Schema is published in the repository.
const SchemaID = "https://raw.githubusercontent.com/ecsgen/ecsgen/main/schema/spec.schema.json"

// JSONSchema returns the JSON Schema of the spec, indented, with a final newline.
func JSONSchema() ([]byte, error) {
	js, err := specJSONSchema()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(js); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// specTrees returns the schema of the complete spec, as validated without environments (every
// required field required, alternatives as oneOf), and the schema of its fields with nothing
// required (the defaults of a spec with environments, and each environment's overrides, may
// each leave out what the other gives); fields also has environments.
func specTrees() (complete, fields *jsonschema.Schema, err error) {
	ctx, spec, err := specSchema()
	if err != nil {
		return nil, nil, err
	}
	r := &jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true, Mapper: unionTypes}
	js := r.Reflect(&schema.Spec{})
	g := &schemaGen{ctx: ctx, file: ctx.CompileBytes(schema.CUE, cue.Filename("ecsgen/schema.cue"))}
	g.enrich(js, spec, "")
	if len(g.errs) > 0 {
		return nil, nil, fmt.Errorf("the CUE schema and the Go model disagree:\n  %s", strings.Join(g.errs, "\n  "))
	}
	complete, err = deepCopy(js)
	if err != nil {
		return nil, nil, err
	}
	complete.ID, complete.Version, complete.Title, complete.Description = "", "", "", ""
	complete.Properties.Set("$schema", schemaProperty())

	fields, err = deepCopy(complete)
	if err != nil {
		return nil, nil, err
	}
	dropRequired(fields)
	label := &jsonschema.Schema{Type: "string"}
	g.constrain(label, spec.LookupPath(cue.ParsePath("#Label")))
	override, err := deepCopy(fields)
	if err != nil {
		return nil, nil, err
	}
	override.Properties.Delete("env")
	override.Properties.Delete("$schema")
	override.Description = "Overrides of the shared defaults for one environment: any field of the spec except env and environments, none required; null removes a field of the defaults."
	removable(override)
	// environments: the CUE schema has it, the per-environment model does not.
	fields.Properties.Set("environments", &jsonschema.Schema{
		Type:                 "object",
		Description:          docOf(spec.LookupPath(cue.MakePath(cue.Str("environments").Optional()))),
		PropertyNames:        label,
		AdditionalProperties: override,
	})
	fields.Properties.Set("$schema", schemaProperty())
	return complete, fields, nil
}

// removable lets every field of an environment's override be null, which removes the field
// from the shared defaults (internal/load/override.go).
func removable(s *jsonschema.Schema) {
	if s == nil || s.Properties == nil {
		return
	}
	for p := s.Properties.Oldest(); p != nil; p = p.Next() {
		removable(p.Value)
		if isSchema(p.Value.AdditionalProperties) {
			removable(p.Value.AdditionalProperties)
			p.Value.AdditionalProperties = orNull(p.Value.AdditionalProperties)
		}
		p.Value = orNull(p.Value)
	}
}

// nonNull is the schema orNull wrapped, or s itself.
func nonNull(s *jsonschema.Schema) *jsonschema.Schema {
	if len(s.AnyOf) == 2 && s.AnyOf[1].Type == "null" {
		return s.AnyOf[0]
	}
	return s
}

// orNull is s, or null; the description is also on the outside, where editors look first.
func orNull(s *jsonschema.Schema) *jsonschema.Schema {
	return &jsonschema.Schema{
		AnyOf:       []*jsonschema.Schema{s, {Type: "null", Description: "null removes the field from the shared defaults"}},
		Description: s.Description,
	}
}

// specJSONSchema is the JSON Schema editors read. Editors (yaml-language-server, VS Code's JSON
// support) complete from every schema that applies at the cursor, and offer each required
// field of each again as a skeleton entry named after the schema: so every field is declared
// once, in one tree with nothing required and every description, and what a spec without
// environments must have is a second tree that declares no field an editor offers. It names
// its required fields with the schema true and reaches nested objects through
// patternProperties ("^cluster$"), which editors do not complete from.
func specJSONSchema() (*jsonschema.Schema, error) {
	complete, fields, err := specTrees()
	if err != nil {
		return nil, err
	}
	root := fields
	root.Version = "https://json-schema.org/draft/2020-12/schema"
	root.ID = SchemaID
	root.Description = "An ECS deployment described for ecsgen. The reference is docs/spec.md in the ecsgen repository."
	root.Type = "object"
	// A spec without environments must be complete; one with environments names each by its
	// key, so it has no env.
	root.If = withFields(&jsonschema.Schema{Required: []string{"environments"}}, jsonschema.TrueSchema, "environments")
	root.Then = withFields(&jsonschema.Schema{}, jsonschema.FalseSchema, "env")
	root.Else = requiredOnly(complete)
	var errs []string
	forEditors(root, "", &errs)
	if len(errs) > 0 {
		return nil, fmt.Errorf("doc comments of the CUE schema:\n  %s", strings.Join(errs, "\n  "))
	}
	return root, nil
}

// withFields declares the named fields of s, each with the schema value.
func withFields(s, value *jsonschema.Schema, names ...string) *jsonschema.Schema {
	s.Properties = jsonschema.NewProperties()
	for _, name := range names {
		s.Properties.Set(name, value)
	}
	return s
}

// requiredOnly is the part of a complete schema that says what must be present: required
// fields, exactly-one-of alternatives, and the same below; nil when nothing is.
func requiredOnly(s *jsonschema.Schema) *jsonschema.Schema {
	if s == nil || !isSchema(s) {
		return nil
	}
	out := &jsonschema.Schema{}
	if s.Properties != nil {
		// ajv's strict mode wants a name in properties or in patternProperties of one schema,
		// not both: the nested requirements of a required field go to allOf.
		nested := map[bool]map[string]*jsonschema.Schema{}
		for p := s.Properties.Oldest(); p != nil; p = p.Next() {
			if sub := requiredOnly(p.Value); sub != nil {
				req := slices.Contains(s.Required, p.Key)
				if nested[req] == nil {
					nested[req] = map[string]*jsonschema.Schema{}
				}
				nested[req]["^"+regexp.QuoteMeta(p.Key)+"$"] = sub
			}
		}
		out.PatternProperties = nested[false]
		if nested[true] != nil {
			out.AllOf = []*jsonschema.Schema{{PatternProperties: nested[true]}}
		}
	}
	if len(s.Required) > 0 {
		// ajv's strict mode wants each required field declared beside required.
		withFields(out, jsonschema.TrueSchema, s.Required...)
		out.Required = s.Required
	}
	for _, alt := range s.OneOf {
		if len(alt.Required) > 0 {
			out.OneOf = append(out.OneOf, withFields(&jsonschema.Schema{Required: alt.Required}, jsonschema.TrueSchema, alt.Required...))
		}
	}
	if isSchema(s.AdditionalProperties) {
		out.AdditionalProperties = requiredOnly(s.AdditionalProperties)
	}
	if out.Properties != nil || out.PatternProperties != nil || out.AllOf != nil || out.AdditionalProperties != nil || out.OneOf != nil {
		out.Type = "object"
	}
	if items := requiredOnly(s.Items); items != nil {
		out.Type, out.Items = "array", items
	}
	for _, a := range s.AnyOf {
		// A union (a metric is a name or a custom metric): what its object shape needs.
		if a.Type == "object" {
			if sub := requiredOnly(a); sub != nil {
				out.If, out.Then = &jsonschema.Schema{Type: "object"}, sub
			}
		}
	}
	if out.Type == "" && out.If == nil {
		return nil
	}
	return out
}

func schemaProperty() *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Description: "The JSON Schema this file is written against (for editors); ecsgen ignores it."}
}

type schemaGen struct {
	ctx  *cue.Context
	file cue.Value // the schema file, with its definitions
	errs []string
}

// enrich completes js, the reflected schema of a Go value, from v, the CUE schema of the same
// spec path.
func (g *schemaGen) enrich(js *jsonschema.Schema, v cue.Value, path string) {
	if doc := docOf(v); doc != "" && js.Description == "" {
		js.Description = doc
	}
	if d, ok := v.Default(); ok && d.IsConcrete() {
		var dv any
		if b, err := d.MarshalJSON(); err == nil && json.Unmarshal(b, &dv) == nil {
			if !isEmptyValue(dv) {
				js.Default = dv
			}
		}
	}
	switch {
	case len(js.AnyOf) > 0 && js.Type == "" && js.Properties == nil:
		g.union(js, v, path)
	case js.Properties != nil && js.Properties.Len() > 0:
		g.object(js, v, path)
	case js.Type == "object" && js.AdditionalProperties != nil:
		g.mapOf(js, v, path)
	case js.Type == "array" && js.Items != nil:
		g.listConstraints(js, v)
		if elem := v.LookupPath(cue.MakePath(cue.AnyIndex)); elem.Exists() {
			g.enrich(js.Items, elem, path+"[]")
		} else {
			g.openListItems(js.Items, v)
		}
	default:
		g.constrain(js, v)
	}
}

// object walks the fields of a struct: each must be in both schemas.
func (g *schemaGen) object(js *jsonschema.Schema, v cue.Value, path string) {
	type field struct {
		v        cue.Value
		required bool
	}
	fieldsOf := func(v cue.Value) map[string]field {
		it, err := v.Fields(cue.Optional(true))
		if err != nil {
			return nil
		}
		out := map[string]field{}
		for it.Next() {
			out[selectorLabel(it.Selector())] = field{it.Value(), !it.IsOptional() && !hasDefault(it.Value()) && !complete(it.Value())}
		}
		return out
	}
	cueFields := fieldsOf(v)
	var alternatives []string
	if len(cueFields) == 0 {
		// A struct with an embedded disjunction ({cidr: …} | {sourceSecurityGroup: …}) has no
		// fields until a branch is chosen: choose each by one of its fields.
		var branches []map[string]field
		for pair := js.Properties.Oldest(); pair != nil; pair = pair.Next() {
			probe := g.ctx.CompileString("{" + strconv.Quote(pair.Key) + ": _}")
			if fs := fieldsOf(v.Unify(probe)); fs != nil {
				branches = append(branches, fs)
			}
		}
		cueFields = map[string]field{}
		for _, b := range branches {
			for name, f := range b {
				if _, ok := cueFields[name]; !ok {
					cueFields[name] = field{f.v, f.required}
				}
			}
		}
		for name := range cueFields {
			for _, b := range branches {
				if _, ok := b[name]; !ok {
					alternatives = append(alternatives, name)
					cueFields[name] = field{cueFields[name].v, false}
					break
				}
			}
		}
		slices.Sort(alternatives)
	}
	var required []string
	for pair := js.Properties.Oldest(); pair != nil; pair = pair.Next() {
		name := pair.Key
		f, ok := cueFields[name]
		if !ok {
			g.errs = append(g.errs, fmt.Sprintf("%s: the Go model has it, the CUE schema does not", join(path, name)))
			continue
		}
		delete(cueFields, name)
		if f.required {
			required = append(required, name)
		}
		g.enrich(pair.Value, f.v, join(path, name))
		if pair.Value.Description == "" {
			pair.Value.Description = g.definitionDoc(f.v, name)
		}
		if only := pair.Value.Properties; pair.Value.Description == "" && only != nil && only.Len() == 1 && only.Oldest().Value.Description != "" {
			// CUE gives the doc comment of a: b?: v to b: it documents a, and b takes the doc
			// comment of its definition.
			child := only.Oldest()
			pair.Value.Description = child.Value.Description
			cv := f.v.LookupPath(cue.MakePath(cue.Str(child.Key)))
			if !cv.Exists() {
				cv = f.v.LookupPath(cue.MakePath(cue.Str(child.Key).Optional()))
			}
			child.Value.Description = g.definitionDoc(cv, child.Key)
		}
		if pair.Value.Description != "" && pair.Value.Description == js.Description {
			// CUE gives the doc comment of a: b: v to b.
			g.errs = append(g.errs, fmt.Sprintf("%s: has the doc comment of %s: write %s: {%s: …} with a comment on each", join(path, name), path, path, name))
		}
	}
	for name := range cueFields {
		if path == "" && name == "environments" {
			continue // added by specJSONSchema
		}
		g.errs = append(g.errs, fmt.Sprintf("%s: the CUE schema has it, the Go model does not", join(path, name)))
	}
	slices.Sort(g.errs)
	js.Required = required
	for _, a := range alternatives {
		js.OneOf = append(js.OneOf, &jsonschema.Schema{Required: []string{a}})
	}
}

// unionTypes are the Go types that decode one of several JSON shapes (a Metric is a name or a
// custom metric, a Secret a reference or a secret by name): their schema is anyOf the shapes.
func unionTypes(t reflect.Type) *jsonschema.Schema {
	var object any
	switch t {
	case reflect.TypeOf(schema.Metric{}):
		object = &schema.CustomMetric{}
	case reflect.TypeOf(schema.Secret{}):
		object = &schema.SecretByName{}
	default:
		return nil
	}
	r := &jsonschema.Reflector{DoNotReference: true, ExpandedStruct: true}
	shape := r.Reflect(object)
	shape.Version, shape.ID = "", ""
	return &jsonschema.Schema{AnyOf: []*jsonschema.Schema{{Type: "string"}, shape}}
}

// union completes each shape of a union from the matching alternatives of the CUE disjunction.
func (g *schemaGen) union(js *jsonschema.Schema, v cue.Value, path string) {
	op, args := v.Eval().Expr()
	if op != cue.OrOp {
		args = []cue.Value{v}
	}
	for _, branch := range js.AnyOf {
		for _, a := range args {
			switch {
			case branch.Type == "object" && a.IncompleteKind() == cue.StructKind:
				g.enrich(branch, a, path)
			case branch.Type == "string" && a.IncompleteKind() == cue.StringKind:
				if s, err := a.String(); err == nil {
					branch.Enum = append(branch.Enum, s)
				} else {
					g.constrain(branch, a)
				}
			}
		}
	}
}

// probeKeys are map keys tried, in order, to find the schema of a map's entries: each map's
// key pattern admits one of them.
var probeKeys = []string{"x", "ECS_X", "nofile", "X"}

// mapOf fills a map's key constraint (propertyNames) and the schema of its entries.
func (g *schemaGen) mapOf(js *jsonschema.Schema, v cue.Value, path string) {
	for _, k := range probeKeys {
		if elem := v.LookupPath(cue.MakePath(cue.Str(k).Optional())); elem.Exists() && elem.Err() == nil {
			if js.AdditionalProperties == jsonschema.TrueSchema {
				break
			}
			g.enrich(js.AdditionalProperties, elem, path+".<name>")
			break
		}
	}
	if key := g.keyConstraint(v); key != nil {
		js.PropertyNames = key
	}
}

// keyConstraint reads the pattern constraint [K]: V of a struct from its syntax.
func (g *schemaGen) keyConstraint(v cue.Value) *jsonschema.Schema {
	syntax := v.Syntax(cue.Optional(true))
	c := newConverter(syntax)
	var key ast.Expr
	ast.Walk(syntax, func(n ast.Node) bool {
		if f, ok := n.(*ast.Field); ok && key == nil {
			if l, ok := f.Label.(*ast.ListLit); ok && len(l.Elts) == 1 {
				key = l.Elts[0]
				return false
			}
		}
		return key == nil
	}, nil)
	if key == nil {
		return nil
	}
	if id, ok := key.(*ast.Ident); ok && id.Name == "string" {
		return nil
	}
	s := &jsonschema.Schema{Type: "string"}
	c.constrain(s, key)
	return s
}

// constrain adds what the CUE schema says about a scalar (or list) value.
func (g *schemaGen) constrain(js *jsonschema.Schema, v cue.Value) {
	c := newConverter(v.Syntax(cue.Optional(true)))
	c.constrain(js, c.root)
}

func (g *schemaGen) listConstraints(js *jsonschema.Schema, v cue.Value) {
	c := newConverter(v.Syntax(cue.Optional(true)))
	var visit func(e ast.Expr)
	visit = func(e ast.Expr) {
		switch x := c.resolve(e).(type) {
		case *ast.BinaryExpr:
			if x.Op == token.AND {
				visit(x.X)
				visit(x.Y)
			}
		case *ast.CallExpr:
			c.call(js, x)
		case *ast.ListLit:
			fixed := 0
			for _, el := range x.Elts {
				if _, ok := el.(*ast.Ellipsis); !ok {
					fixed++
				}
			}
			if fixed > 0 && fixed < len(x.Elts) {
				js.MinItems = ptrU(uint64(fixed))
			}
		}
	}
	visit(c.root)
}

// openListItems constrains the items of a list with a default (*[…] | [...T]) by T.
func (g *schemaGen) openListItems(items *jsonschema.Schema, v cue.Value) {
	c := newConverter(v.Syntax(cue.Optional(true)))
	var elem ast.Expr
	ast.Walk(c.root, func(n ast.Node) bool {
		if e, ok := n.(*ast.Ellipsis); ok && e.Type != nil {
			elem = e.Type
		}
		return true
	}, nil)
	if elem != nil {
		c.constrain(items, elem)
	}
}

// converter turns CUE constraint syntax into JSON Schema keywords. CUE gives the syntax of an
// evaluated value with references to definitions as let clauses (LET.#x), which it resolves.
type converter struct {
	root ast.Expr
	lets map[string]ast.Expr
}

func newConverter(n ast.Node) *converter {
	c := &converter{lets: map[string]ast.Expr{}}
	var decls []ast.Decl
	switch x := n.(type) {
	case *ast.File:
		decls = x.Decls
	case ast.Expr:
		c.root = x
		ast.Walk(x, func(n ast.Node) bool {
			if l, ok := n.(*ast.LetClause); ok {
				c.lets[l.Ident.Name] = l.Expr
			}
			return true
		}, nil)
		return c
	}
	for _, d := range decls {
		switch x := d.(type) {
		case *ast.LetClause:
			c.lets[x.Ident.Name] = x.Expr
		case *ast.EmbedDecl:
			c.root = x.Expr
		}
	}
	if c.root == nil {
		c.root = ast.NewIdent("_")
	}
	return c
}

// resolve follows LET.#x references and unwraps parentheses and single-embedding structs.
func (c *converter) resolve(e ast.Expr) ast.Expr {
	for i := 0; i < 20; i++ {
		switch x := e.(type) {
		case *ast.ParenExpr:
			e = x.X
			continue
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok {
				if let, ok := c.lets[id.Name]; ok {
					if st, ok := let.(*ast.StructLit); ok {
						name, _, _ := ast.LabelName(x.Sel)
						for _, el := range st.Elts {
							if f, ok := el.(*ast.Field); ok {
								if fn, _, _ := ast.LabelName(f.Label); fn == name {
									e = f.Value
								}
							}
						}
						if e != ast.Expr(x) {
							continue
						}
					}
				}
			}
		case *ast.StructLit:
			if len(x.Elts) == 1 {
				if em, ok := x.Elts[0].(*ast.EmbedDecl); ok {
					e = em.Expr
					continue
				}
			}
		}
		return e
	}
	return e
}

func (c *converter) constrain(js *jsonschema.Schema, e ast.Expr) {
	switch x := c.resolve(e).(type) {
	case *ast.BinaryExpr:
		switch x.Op {
		case token.AND:
			c.constrain(js, x.X)
			c.constrain(js, x.Y)
		case token.OR:
			c.disjunction(js, x)
		}
	case *ast.UnaryExpr:
		switch x.Op {
		case token.MUL: // a default marker
			c.constrain(js, x.X)
		case token.MAT:
			addPattern(js, literalString(x.X))
		case token.NMAT:
			not := &jsonschema.Schema{Pattern: ecmaRegexp(literalString(x.X))}
			if js.Not == nil {
				js.Not = not
			} else {
				js.AllOf = append(js.AllOf, &jsonschema.Schema{Not: not})
			}
		case token.GEQ:
			js.Minimum = json.Number(literalNumber(x.X))
		case token.GTR:
			js.ExclusiveMinimum = json.Number(literalNumber(x.X))
		case token.LEQ:
			js.Maximum = json.Number(literalNumber(x.X))
		case token.LSS:
			js.ExclusiveMaximum = json.Number(literalNumber(x.X))
		case token.NEQ:
			if v, ok := literalValue(x.X); ok {
				if js.Not == nil {
					js.Not = &jsonschema.Schema{}
				}
				js.Not.Enum = append(js.Not.Enum, v)
			}
		}
	case *ast.Ident:
		if b, ok := intBounds[x.Name]; ok {
			if js.Minimum == "" {
				js.Minimum = json.Number(b[0])
			}
			if js.Maximum == "" && b[1] != "" {
				js.Maximum = json.Number(b[1])
			}
		}
	case *ast.CallExpr:
		c.call(js, x)
	case *ast.BasicLit:
		if v, ok := literalValue(x); ok {
			js.Enum = []any{v}
		}
	}
}

// disjunction: literals become an enum; the default marker only marks the default; a
// disjunction of constraints becomes anyOf.
func (c *converter) disjunction(js *jsonschema.Schema, x *ast.BinaryExpr) {
	var terms []ast.Expr
	var flatten func(e ast.Expr)
	flatten = func(e ast.Expr) {
		e = c.resolve(e)
		if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.OR {
			flatten(b.X)
			flatten(b.Y)
			return
		}
		terms = append(terms, e)
	}
	flatten(x)
	var lits []any
	var marked []any
	var others []ast.Expr
	for _, t := range terms {
		isDefault := false
		if u, ok := t.(*ast.UnaryExpr); ok && u.Op == token.MUL {
			isDefault, t = true, c.resolve(u.X)
		}
		if v, ok := literalValue(t); ok {
			if isDefault {
				marked = append(marked, v)
			} else {
				lits = append(lits, v)
			}
			continue
		}
		if _, ok := t.(*ast.ListLit); ok {
			continue // list alternatives: the items carry the constraint
		}
		if id, ok := t.(*ast.Ident); ok && (id.Name == "bool" || id.Name == "string" || id.Name == "int" || id.Name == "number") {
			continue // *default | type
		}
		others = append(others, t)
	}
	switch {
	case len(others) == 0:
		var enum []any
		for _, v := range append(marked, lits...) {
			if !slices.ContainsFunc(enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
				enum = append(enum, v)
			}
		}
		if len(enum) > 1 || (len(enum) == 1 && len(lits) > 0) {
			js.Enum = enum
		}
	case len(others) == 1 && len(lits) == 0:
		c.constrain(js, others[0])
	default:
		var subs []*jsonschema.Schema
		seen := map[string]bool{}
		for _, o := range others {
			sub := &jsonschema.Schema{}
			c.constrain(sub, o)
			b, _ := json.Marshal(sub)
			if !seen[string(b)] {
				seen[string(b)] = true
				subs = append(subs, sub)
			}
		}
		if len(lits) > 0 {
			subs = append(subs, &jsonschema.Schema{Enum: lits})
		}
		if len(subs) == 1 {
			c.constrain(js, others[0])
			return
		}
		js.AnyOf = append(js.AnyOf, subs...)
	}
}

func (c *converter) call(js *jsonschema.Schema, x *ast.CallExpr) {
	sel, ok := x.Fun.(*ast.SelectorExpr)
	if !ok {
		return
	}
	pkg, _ := sel.X.(*ast.Ident)
	name, _, _ := ast.LabelName(sel.Sel)
	arg := func() *uint64 {
		if len(x.Args) != 1 {
			return nil
		}
		n, err := strconv.ParseUint(literalNumber(x.Args[0]), 10, 64)
		if err != nil {
			return nil
		}
		return &n
	}
	if pkg == nil {
		return
	}
	switch pkg.Name + "." + name {
	case "strings.MaxRunes":
		js.MaxLength = arg()
	case "strings.MinRunes":
		js.MinLength = arg()
	case "list.UniqueItems":
		js.UniqueItems = true
	case "list.MaxItems":
		js.MaxItems = arg()
	case "list.MinItems":
		js.MinItems = arg()
	}
}

// addPattern adds a regular expression; a second one goes to allOf (a schema has one pattern).
func addPattern(js *jsonschema.Schema, re string) {
	re = ecmaRegexp(re)
	if js.Pattern == "" {
		js.Pattern = re
		return
	}
	js.AllOf = append(js.AllOf, &jsonschema.Schema{Pattern: re})
}

var caseInsensitive = regexp.MustCompile(`\(\?i:([A-Za-z]+)\)`)

// ecmaRegexp rewrites the Go (RE2) syntax JSON Schema's ECMA-262 regular expressions lack:
// (?i:aws) becomes [Aa][Ww][Ss].
func ecmaRegexp(re string) string {
	return caseInsensitive.ReplaceAllStringFunc(re, func(m string) string {
		var b strings.Builder
		for _, r := range caseInsensitive.FindStringSubmatch(m)[1] {
			fmt.Fprintf(&b, "[%s%s]", strings.ToUpper(string(r)), strings.ToLower(string(r)))
		}
		return b.String()
	})
}

// intBounds are the bounds of CUE's predeclared integer types (CUE prints int & >=0 as uint).
var intBounds = map[string][2]string{
	"uint": {"0", ""}, "uint8": {"0", "255"}, "uint16": {"0", "65535"}, "uint32": {"0", "4294967295"},
	"int8": {"-128", "127"}, "int16": {"-32768", "32767"}, "int32": {"-2147483648", "2147483647"},
}

func literalValue(e ast.Expr) (any, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		switch x.Kind {
		case token.STRING:
			s, err := literalpkg.Unquote(x.Value)
			if err != nil {
				return nil, false
			}
			return s, true
		case token.INT, token.FLOAT:
			return json.Number(x.Value), true
		case token.TRUE:
			return true, true
		case token.FALSE:
			return false, true
		case token.NULL:
			return nil, true
		}
	case *ast.Ident:
		switch x.Name {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return nil, false
}

func literalString(e ast.Expr) string {
	if v, ok := literalValue(e); ok {
		if s, ok := v.(string); ok {
			return s
		}
	}
	return ""
}

func literalNumber(e ast.Expr) string {
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.SUB {
		return "-" + literalNumber(u.X)
	}
	if b, ok := e.(*ast.BasicLit); ok {
		return b.Value
	}
	return ""
}

// docOf is a field's doc comment as prose: lines of a paragraph joined, paragraphs kept, and
// lines that start with "- " kept as the items of a list.
func docOf(v cue.Value) string {
	var paras []string
	for _, cg := range v.Doc() {
		for _, p := range strings.Split(strings.TrimSpace(cg.Text()), "\n\n") {
			var lines []string
			for _, line := range strings.Split(p, "\n") {
				line = strings.Join(strings.Fields(line), " ")
				switch {
				case line == "":
				case strings.HasPrefix(line, "- ") || len(lines) == 0:
					lines = append(lines, line)
				default:
					lines[len(lines)-1] += " " + line
				}
			}
			if len(lines) > 0 {
				paras = append(paras, strings.Join(lines, "\n"))
			}
		}
	}
	return strings.Join(paras, "\n\n")
}

// definitionDoc is, for a field without a doc comment of its own whose value is a definition
// (alarm: metric: #Metric), the definition's doc comment, which starts with the definition's
// name as Go doc comments do: the field's name takes its place.
func (g *schemaGen) definitionDoc(v cue.Value, label string) string {
	_, path := v.ReferencePath()
	sels := path.Selectors()
	if len(sels) != 1 || !sels[0].IsDefinition() {
		return ""
	}
	doc := docOf(g.file.LookupPath(path))
	name := sels[0].String()
	if !strings.HasPrefix(doc, name+" ") || label == "" {
		return ""
	}
	return label + strings.TrimPrefix(doc, name)
}

func isEmptyValue(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

func dropRequired(js *jsonschema.Schema) {
	if js == nil {
		return
	}
	js.Required = nil
	js.OneOf = nil
	js.If, js.Then, js.Else = nil, nil, nil
	if js.Properties != nil {
		for p := js.Properties.Oldest(); p != nil; p = p.Next() {
			dropRequired(p.Value)
		}
	}
	if js.AdditionalProperties != jsonschema.TrueSchema && js.AdditionalProperties != jsonschema.FalseSchema {
		dropRequired(js.AdditionalProperties)
	}
	dropRequired(js.Items)
	for _, a := range js.AnyOf {
		dropRequired(a)
	}
}

func deepCopy(js *jsonschema.Schema) (*jsonschema.Schema, error) {
	b, err := json.Marshal(js)
	if err != nil {
		return nil, err
	}
	var out jsonschema.Schema
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func ptrU(n uint64) *uint64 { return &n }

// hasDefault reports whether a schema value has a default, even one that depends on another
// field (toPort: *fromPort | …).
func hasDefault(v cue.Value) bool {
	found := false
	c := newConverter(v.Syntax(cue.Optional(true)))
	var visit func(e ast.Expr)
	visit = func(e ast.Expr) {
		switch x := c.resolve(e).(type) {
		case *ast.BinaryExpr:
			if x.Op == token.OR {
				visit(x.X)
				visit(x.Y)
			}
		case *ast.UnaryExpr:
			found = found || x.Op == token.MUL
		}
	}
	visit(c.root)
	return found
}

// specSchema compiles the embedded CUE schema and returns its #Spec.
func specSchema() (*cue.Context, cue.Value, error) {
	ctx := cuecontext.New()
	v := ctx.CompileBytes(schema.CUE, cue.Filename("ecsgen/schema.cue"))
	if err := v.Err(); err != nil {
		return nil, cue.Value{}, fmt.Errorf("internal error: embedded schema does not compile: %v", err)
	}
	return ctx, v.LookupPath(cue.ParsePath("#Spec")), nil
}

// complete reports whether a schema value, with its default, needs nothing from the user: a
// list like [...T] is complete (empty), [T, ...T] is not (it needs an element).
func complete(v cue.Value) bool {
	if d, ok := v.Default(); ok {
		v = d
	}
	return v.Validate(cue.Concrete(true)) == nil
}

func join(path, label string) string {
	if path == "" {
		return label
	}
	return path + "." + label
}

func selectorLabel(s cue.Selector) string {
	if s.LabelType() == cue.StringLabel {
		return s.Unquoted()
	}
	return s.String()
}

// valueItem is a line of a doc comment that describes one value of an enum:
// `- "rolling": replaces tasks in place`.
var valueItem = regexp.MustCompile(`^- ("(?:[^"\\]|\\.)*"|-?[0-9]+(?:\.[0-9]+)?|true|false): (.+)$`)

// forEditors adds what editors show beyond JSON Schema's own keywords: each description also as
// markdownDescription (VS Code and yaml-language-server render it), and for an enum whose doc
// comment lists its values ("- "value": what it does"), the description of each value
// (enumDescriptions, markdownEnumDescriptions), in the enum's order. A list that misses a value,
// or names one the enum does not have, is an error.
func forEditors(s *jsonschema.Schema, path string, errs *[]string) {
	if s == nil || !isSchema(s) {
		return
	}
	if inner := nonNull(s); inner != s {
		forEditors(inner, path, errs)
		if s.Description != "" {
			setExtra(s, "markdownDescription", markdownText(s.Description))
		}
		return
	}
	if s.Description != "" {
		setExtra(s, "markdownDescription", markdownText(s.Description))
		values := map[string]string{}
		for _, line := range strings.Split(s.Description, "\n") {
			if m := valueItem.FindStringSubmatch(line); m != nil {
				values[m[1]] = m[2]
			}
		}
		if len(values) > 0 {
			enum := s
			switch {
			case len(s.Enum) > 0:
			case s.Items != nil && len(s.Items.Enum) > 0:
				enum = s.Items
			case isSchema(s.AdditionalProperties) && len(nonNull(s.AdditionalProperties).Enum) > 0:
				enum = nonNull(s.AdditionalProperties)
			default:
				*errs = append(*errs, fmt.Sprintf("%s: the doc comment describes values, but the field has no enum", path))
			}
			var plain, markdown []string
			for _, v := range enum.Enum {
				b, _ := json.Marshal(v)
				text, ok := values[string(b)]
				if !ok {
					*errs = append(*errs, fmt.Sprintf("%s: the doc comment describes values, but not %s", path, b))
				}
				delete(values, string(b))
				plain = append(plain, text)
				markdown = append(markdown, markdownText(text))
			}
			for v := range values {
				*errs = append(*errs, fmt.Sprintf("%s: the doc comment describes %s, which is not a value of the field", path, v))
			}
			if len(enum.Enum) > 0 {
				setExtra(enum, "enumDescriptions", plain)
				setExtra(enum, "markdownEnumDescriptions", markdown)
			}
		}
	}
	if s.Properties != nil {
		for p := s.Properties.Oldest(); p != nil; p = p.Next() {
			forEditors(p.Value, join(path, p.Key), errs)
		}
	}
	forEditors(s.AdditionalProperties, path+".<name>", errs)
	forEditors(s.Items, path+"[]", errs)
	for _, a := range s.AnyOf {
		forEditors(a, path, errs)
	}
}

func setExtra(s *jsonschema.Schema, key string, v any) {
	if s.Extras == nil {
		s.Extras = map[string]any{}
	}
	s.Extras[key] = v
}
