package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	cuejson "cuelang.org/go/encoding/json"
	cueyaml "cuelang.org/go/encoding/yaml"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"
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

// buildData parses YAML/JSON spec files and unifies them. Duplicate keys are findings that do
// not stop the load (the first of each is kept); any other finding does (fatal).
func buildData(ctx *cue.Context, files []string, dir string) (_ cue.Value, _ []*ast.File, _ diag.List, fatal bool) {
	var out cue.Value
	var syntax []*ast.File
	var findings, dups diag.List
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
				findings = append(findings, jsonSyntaxFindings(f, data, err)...)
				continue
			}
			file = &ast.File{Filename: f, Decls: []ast.Decl{&ast.EmbedDecl{Expr: expr}}}
			if st, ok := expr.(*ast.StructLit); ok {
				file.Decls = st.Elts
			}
		} else {
			file, err = cueyaml.Extract(f, data)
			if err != nil {
				findings = append(findings, yamlSyntaxFindings(f, data, err)...)
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
		dups = append(dups, duplicateKeys(f, file)...)
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
	if len(findings) > 0 {
		return out, syntax, append(findings, dups...), true
	}
	return out, syntax, dups, false
}

// duplicateKeys reports the keys given twice in one mapping (YAML and JSON allow each key
// once), and removes the repeats from the syntax so that they do not also show up as
// conflicting values.
func duplicateKeys(file string, f *ast.File) diag.List {
	var out diag.List
	var dedup func(decls []ast.Decl) []ast.Decl
	dedup = func(decls []ast.Decl) []ast.Decl {
		first := map[string]token.Pos{}
		return slices.DeleteFunc(decls, func(d ast.Decl) bool {
			fd, ok := d.(*ast.Field)
			if !ok {
				return false
			}
			ast.Walk(fd.Value, func(n ast.Node) bool {
				if st, ok := n.(*ast.StructLit); ok {
					st.Elts = dedup(st.Elts)
					return false
				}
				return true
			}, nil)
			name, _, err := ast.LabelName(fd.Label)
			if err != nil {
				return false
			}
			if at, ok := first[name]; ok {
				pos := toPos(fd.Pos())
				pos.File = file
				out = append(out, diag.Finding{Pos: pos, Message: fmt.Sprintf("duplicate key %q: it is already given at line %d", name, at.Line()),
					Hint: "give each key once; merge the two entries"})
				return true
			}
			first[name] = fd.Pos()
			return false
		})
	}
	f.Decls = dedup(f.Decls)
	return out
}

var yamlErrorLine = regexp.MustCompile(`^(?:[^:]*:)?([0-9]+): (.*)$`)

// yamlSyntaxFindings positions a YAML syntax error: the YAML parser gives only a line, so the
// column is that of the line's first character.
func yamlSyntaxFindings(file string, data []byte, err error) diag.List {
	msg := strings.TrimPrefix(err.Error(), file+":")
	m := yamlErrorLine.FindStringSubmatch(strings.TrimSpace(err.Error()))
	if m == nil {
		return diag.List{{Pos: diag.Pos{File: file, Line: 1, Col: 1}, Message: "the YAML does not parse: " + strings.TrimSpace(msg)}}
	}
	line, _ := strconv.Atoi(m[1])
	text := lineOf(data, line)
	col := len(text) - len(strings.TrimLeft(text, " \t")) + 1
	hint := "check the indentation and the \": \" after each key, on this line or the one before"
	if strings.Contains(text, "\t") {
		hint = "YAML indents with spaces, not tabs"
	}
	return diag.List{{Pos: diag.Pos{File: file, Line: line, Col: col}, Message: "the YAML does not parse: " + m[2], Hint: hint}}
}

// jsonSyntaxFindings positions a JSON syntax error with encoding/json's message and offset.
func jsonSyntaxFindings(file string, data []byte, err error) diag.List {
	var v any
	jerr := json.Unmarshal(data, &v)
	var syn *json.SyntaxError
	if !errors.As(jerr, &syn) {
		return parseFindings(file, err)
	}
	line, col := 1, 1
	for _, r := range string(data[:min(int(syn.Offset), len(data))]) {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	if col > 1 {
		col-- // the offset is just past the offending character
	}
	return diag.List{{Pos: diag.Pos{File: file, Line: line, Col: col}, Message: "the JSON does not parse: " + syn.Error()}}
}

// lineOf returns line n (from 1) of data.
func lineOf(data []byte, n int) string {
	lines := strings.Split(string(data), "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	return lines[n-1]
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
