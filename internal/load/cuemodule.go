package load

import (
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/token"

	"github.com/ecsgen/ecsgen/schema"
)

// A .cue spec may import the schema's CUE module (schema.ModulePath) so that the cue command
// checks it: its top level is then schema.#Spec & {…} or schema.#Environments & {…}. ecsgen
// checks every spec with the #Spec it embeds, so it reads such a spec as the struct alone: the
// messages and positions are those of a spec that imports nothing (not positions in the
// user's copy of the module), and a copy of the module older than this ecsgen does not stand
// in the way of the fields ecsgen knows.

// schemaDefs are the definitions of the schema's module a spec's top level may embed.
var schemaDefs = []string{"#Spec", "#Environments"}

// withoutSchemaImport rewrites the files of inst that import the schema's module and use it
// only in the top-level embedding: the embedding becomes its struct and the import goes. A
// file that uses the module anywhere else is left as it is (CUE then checks it with the
// imported schema too, which works, with positions that may point into the module).
func withoutSchemaImport(inst *build.Instance) {
	rewrote := false
	for _, f := range inst.Files {
		name, spec := schemaImport(f)
		if spec == nil {
			continue
		}
		var embeds []*ast.EmbedDecl
		uses := 0
		ast.Walk(f, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && id.Name == name {
				uses++
			}
			return true
		}, nil)
		for _, d := range f.Decls {
			if e, ok := d.(*ast.EmbedDecl); ok && schemaEmbed(e, name) != nil {
				embeds = append(embeds, e)
			}
		}
		if spec.Name != nil {
			uses-- // the alias in the import itself
		}
		if len(embeds) != 1 || uses != 1 {
			continue
		}
		embeds[0].Expr = schemaEmbed(embeds[0], name)
		removeImport(f, spec)
		rewrote = true
	}
	if !rewrote {
		return
	}
	// The package is no longer imported by a rewritten file; keep it only if another file
	// still imports it.
	still := false
	for _, f := range inst.Files {
		if _, spec := schemaImport(f); spec != nil {
			still = true
		}
	}
	if !still {
		inst.Imports = slices.DeleteFunc(inst.Imports, func(i *build.Instance) bool {
			return isSchemaModule(i.ImportPath)
		})
	}
}

// schemaImport is the import of the schema's module in f and the name it goes by there.
func schemaImport(f *ast.File) (string, *ast.ImportSpec) {
	for spec := range f.ImportSpecs() {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil || !isSchemaModule(p) {
			continue
		}
		name := ast.ParseImportPath(p).Qualifier
		if spec.Name != nil {
			name = spec.Name.Name
		}
		return name, spec
	}
	return "", nil
}

func isSchemaModule(importPath string) bool {
	want := ast.ParseImportPath(schema.ModulePath)
	got := ast.ParseImportPath(importPath)
	return got.Path == want.Path && got.Qualifier == want.Qualifier &&
		(got.Version == "" || got.Version == want.Version || strings.HasPrefix(got.Version, want.Version+"."))
}

// schemaEmbed is the struct of a top-level `name.#Spec & {…}` (or #Environments), or nil.
func schemaEmbed(e *ast.EmbedDecl, name string) ast.Expr {
	b, ok := e.Expr.(*ast.BinaryExpr)
	if !ok || b.Op != token.AND {
		return nil
	}
	for _, pair := range [][2]ast.Expr{{b.X, b.Y}, {b.Y, b.X}} {
		sel, ok := pair[0].(*ast.SelectorExpr)
		if !ok {
			continue
		}
		x, ok := sel.X.(*ast.Ident)
		label, _, err := ast.LabelName(sel.Sel)
		if ok && err == nil && x.Name == name && slices.Contains(schemaDefs, label) {
			if _, ok := pair[1].(*ast.StructLit); ok {
				return pair[1]
			}
		}
	}
	return nil
}

// removeImport drops spec from f's import declarations.
func removeImport(f *ast.File, spec *ast.ImportSpec) {
	f.Decls = slices.DeleteFunc(f.Decls, func(d ast.Decl) bool {
		imp, ok := d.(*ast.ImportDecl)
		if !ok {
			return false
		}
		imp.Specs = slices.DeleteFunc(imp.Specs, func(s *ast.ImportSpec) bool { return s == spec })
		return len(imp.Specs) == 0
	})
}
