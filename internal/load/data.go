package load

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	cuejson "cuelang.org/go/encoding/json"
	cueyaml "cuelang.org/go/encoding/yaml"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"github.com/ecsgen/ecsgen/internal/diag"
)

// YAML and JSON specs. They are data: no @tag, no references. They are checked by the same
// schema with the same messages, positioned in the YAML or JSON file. A top-level "$schema"
// (the JSON Schema an editor completes from) is not part of the spec and is dropped.

func isDataFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

// dataFiles reports whether the spec is given as YAML or JSON files; mixing them with CUE
// files is an error.
func dataFiles(files []string) (bool, error) {
	n := 0
	for _, f := range files {
		if isDataFile(f) {
			n++
		}
	}
	if n > 0 && n < len(files) {
		return false, fmt.Errorf("a spec is CUE files, or YAML/JSON files, not both")
	}
	return n > 0, nil
}

// buildData parses YAML/JSON spec files and unifies them.
func buildData(ctx *cue.Context, files []string, dir string) (cue.Value, []*ast.File, diag.List) {
	var out cue.Value
	var syntax []*ast.File
	var findings diag.List
	for i, f := range files {
		p := f
		if dir != "" && !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			findings = append(findings, diag.Finding{Pos: diag.Pos{File: f}, Message: "cannot read the spec: " + err.Error()})
			continue
		}
		var file *ast.File
		if strings.EqualFold(filepath.Ext(f), ".json") {
			expr, err := cuejson.Extract(f, data)
			if err != nil {
				findings = append(findings, parseFindings(f, err)...)
				continue
			}
			file = &ast.File{Filename: f, Decls: []ast.Decl{&ast.EmbedDecl{Expr: expr}}}
			if st, ok := expr.(*ast.StructLit); ok {
				file.Decls = st.Elts
			}
		} else {
			file, err = cueyaml.Extract(f, data)
			if err != nil {
				findings = append(findings, parseFindings(f, err)...)
				continue
			}
		}
		file.Decls = slices.DeleteFunc(file.Decls, func(d ast.Decl) bool {
			fd, ok := d.(*ast.Field)
			if !ok {
				return false
			}
			name, _, _ := ast.LabelName(fd.Label)
			return name == "$schema"
		})
		syntax = append(syntax, file)
		v := ctx.BuildFile(file)
		if err := v.Err(); err != nil {
			findings = append(findings, translate(err, nil)...)
			continue
		}
		if i == 0 {
			out = v
		} else {
			out = out.Unify(v)
		}
	}
	return out, syntax, findings
}

// parseFindings positions a YAML/JSON syntax error in its file.
func parseFindings(file string, err error) diag.List {
	var out diag.List
	for _, e := range cueerrors.Errors(err) {
		pos := diag.Pos{File: file}
		if p := e.Position(); p.IsValid() {
			pos = toPos(p)
			pos.File = file
		}
		format, args := e.Msg()
		out = append(out, diag.Finding{Pos: pos, Message: fmt.Sprintf(format, args...)})
	}
	if len(out) == 0 {
		out = append(out, diag.Finding{Pos: diag.Pos{File: file}, Message: err.Error()})
	}
	return out
}
