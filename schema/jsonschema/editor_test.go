package jsonschema

// The JSON Schema as editors see it, judged by the tools users run: ajv (the validator most
// JSON Schema tooling is built on) in strict mode, and yaml-language-server, the server VS
// Code's YAML extension (and other editors' YAML support) runs. Both come from npm:
// `npm ci --prefix scripts/editor`; without node or the packages the tests are skipped, or fail
// under ECSGEN_REQUIRE_GATE=1 (CI).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// editorTools returns the directory of the npm packages, or skips the test without them.
func editorTools(t *testing.T, pkg string) string {
	t.Helper()
	dir, err := filepath.Abs("../../scripts/editor")
	if err != nil {
		t.Fatal(err)
	}
	_, noNode := exec.LookPath("node")
	_, noModules := os.Stat(filepath.Join(dir, "node_modules", pkg, "package.json"))
	if noNode != nil || noModules != nil {
		msg := fmt.Sprintf("%s is not installed (node and `npm ci --prefix scripts/editor`)", pkg)
		if os.Getenv("ECSGEN_REQUIRE_GATE") == "1" {
			t.Fatal(msg + " (ECSGEN_REQUIRE_GATE=1)")
		}
		t.Skip(msg)
	}
	return dir
}

// TestJSONSchemaAjvStrict compiles the JSON Schema with ajv in strict mode: no unknown
// keyword, no keyword that does not apply to the declared type, no required property that is
// not defined, no ambiguous union type. Editors built on ajv then take it as it is meant.
func TestJSONSchemaAjvStrict(t *testing.T) {
	dir := editorTools(t, "ajv")
	raw, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "spec.schema.json")
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", filepath.Join(dir, "ajv.mjs"), file).CombinedOutput()
	if err != nil {
		t.Fatalf("ajv in strict mode: %v\n%s", err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
}

// The spec the editor test opens; the typo version misspells desiredCount.
const editorSpec = `system: demo
env: dev
region: ap-northeast-1
network:
  vpc: vpc-0123456789abcdef0
  subnets: [subnet-0123456789abcdef0]
cluster:
  capacity:
    ec2:
      general:
        instanceType: t3.small
        size: {min: 0, max: 2}
services:
  web:
    desiredCount: 2
    containers:
      web: {image: nginx, memory: 256}
`

// TestYAMLLanguageServer opens YAML specs that name schema/spec.schema.json in the
// yaml-language-server modeline, as a user of VS Code does, and checks what the user sees: no
// diagnostic on a valid spec, one at the right line for a typo, and completion that lists
// each field of a service once, with its description, and nothing else.
func TestYAMLLanguageServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts yaml-language-server (node)")
	}
	dir := editorTools(t, "yaml-language-server")
	schemaFile, err := filepath.Abs("../spec.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	raw, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// Settings as VS Code's YAML extension sends them, with the schema store (a catalogue on
	// the internet) off; any other request would go to a proxy that refuses it at once.
	settings := map[string]any{
		"yaml": map[string]any{
			"validate": true, "hover": true, "completion": true, "format": map[string]any{"enable": false},
			"schemaStore":        map[string]any{"enable": false},
			"kubernetesCRDStore": map[string]any{"enable": false},
		},
		"http":   map[string]any{"proxy": "http://127.0.0.1:9", "proxyStrictSSL": true},
		"[yaml]": map[string]any{},
		"editor": map[string]any{"tabSize": 2},
	}
	lsp := startLSP(t, settings, "node", filepath.Join(dir, "node_modules", "yaml-language-server", "bin", "yaml-language-server"), "--stdio")
	docs := t.TempDir()
	var init struct {
		ServerInfo struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"serverInfo"`
	}
	err = lsp.call(ctx, "initialize", map[string]any{
		"processId": os.Getpid(),
		"rootUri":   fileURI(docs),
		"capabilities": map[string]any{
			"workspace": map[string]any{"configuration": true, "didChangeConfiguration": map[string]any{"dynamicRegistration": true}},
			"textDocument": map[string]any{
				"completion": map[string]any{"completionItem": map[string]any{
					"snippetSupport": true, "documentationFormat": []string{"markdown", "plaintext"},
				}},
				"hover":              map[string]any{"contentFormat": []string{"markdown", "plaintext"}},
				"publishDiagnostics": map[string]any{"relatedInformation": true},
			},
		},
	}, &init)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s", init.ServerInfo.Name, init.ServerInfo.Version)
	lsp.notify("initialized", map[string]any{})
	lsp.notify("workspace/didChangeConfiguration", map[string]any{"settings": settings})

	modeline := "# yaml-language-server: $schema=" + schemaFile + "\n"
	open := func(name, text string) string {
		uri := fileURI(filepath.Join(docs, name))
		lsp.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
			"uri": uri, "languageId": "yaml", "version": 1, "text": text,
		}})
		return uri
	}

	t.Run("valid spec", func(t *testing.T) {
		uri := open("valid.yaml", modeline+editorSpec)
		diags, err := lsp.waitDiagnostics(ctx, uri, func([]lspDiagnostic) bool { return true })
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range diags {
			t.Errorf("line %d: %s", d.Range.Start.Line+1, d.Message)
		}
	})

	t.Run("typo", func(t *testing.T) {
		text := modeline + strings.Replace(editorSpec, "desiredCount:", "desiredCont:", 1)
		line := lineOf(text, "desiredCont:")
		uri := open("typo.yaml", text)
		diags, err := lsp.waitDiagnostics(ctx, uri, func(d []lspDiagnostic) bool { return len(d) > 0 })
		if err != nil {
			t.Fatal(err)
		}
		if len(diags) != 1 || diags[0].Range.Start.Line != line || !strings.Contains(diags[0].Message, "desiredCont") {
			t.Errorf("want one diagnostic about desiredCont at line %d, got:", line+1)
			for _, d := range diags {
				t.Errorf("  line %d: %s", d.Range.Start.Line+1, d.Message)
			}
		}
	})

	t.Run("missing field", func(t *testing.T) {
		uri := open("missing.yaml", modeline+strings.Replace(editorSpec, "      web: {image: nginx, memory: 256}\n", "      web: {memory: 256}\n", 1))
		diags, err := lsp.waitDiagnostics(ctx, uri, func(d []lspDiagnostic) bool { return len(d) > 0 })
		if err != nil {
			t.Fatal(err)
		}
		line := lineOf(modeline+editorSpec, "web: {image")
		if len(diags) != 1 || diags[0].Range.Start.Line != line || !strings.Contains(diags[0].Message, "image") {
			t.Errorf("want one diagnostic about the missing image at line %d, got:", line+1)
			for _, d := range diags {
				t.Errorf("  line %d: %s", d.Range.Start.Line+1, d.Message)
			}
		}
	})

	// complete opens text, with | marking the cursor, and asks for completions there.
	complete := func(t *testing.T, name, text string) []lspCompletionItem {
		t.Helper()
		i := strings.Index(text, "|")
		before := text[:i]
		pos := lspPosition{Line: strings.Count(before, "\n"), Character: len(before) - strings.LastIndex(before, "\n") - 1}
		uri := open(name, strings.Replace(text, "|", "", 1))
		var list struct {
			Items []lspCompletionItem `json:"items"`
		}
		if err := lsp.call(ctx, "textDocument/completion", map[string]any{
			"textDocument": map[string]any{"uri": uri}, "position": pos,
		}, &list); err != nil {
			t.Fatal(err)
		}
		return list.Items
	}
	service := schemaAt(t, root, "properties", "services", "additionalProperties")
	cases := []struct {
		name, text string
		fields     map[string]any // the schema whose properties should be offered
		present    []string       // fields already in the YAML, which are not offered again
	}{
		{"service", modeline + editorSpec + "    |\n", service, []string{"desiredCount", "containers"}},
		{"new service", modeline + editorSpec + "  api:\n    |\n", service, nil},
		{"empty spec", modeline + "|\n", root, nil},
		{"new container", modeline + editorSpec + "      api:\n        |\n", schemaAt(t, service, "properties", "containers", "additionalProperties"), nil},
		{"service override", modeline + strings.Replace(editorSpec, "env: dev\n", "", 1) +
			"environments:\n  prod:\n    services:\n      web:\n        |\n", service, nil},
		{"top level", modeline + editorSpec + "|\n", root,
			[]string{"system", "env", "region", "network", "cluster", "services"}},
	}
	t.Run("values of deployment.strategy", func(t *testing.T) {
		items := complete(t, "strategy.yaml", modeline+editorSpec+"    deployment:\n      strategy: |\n")
		enumValueDocs(t, items, schemaAt(t, service, "properties", "deployment", "properties", "strategy"))
	})
	for _, tc := range cases {
		t.Run("completion in "+tc.name, func(t *testing.T) {
			items := complete(t, strings.ReplaceAll(tc.name, " ", "-")+".yaml", tc.text)
			props, _ := tc.fields["properties"].(map[string]any)
			seen := map[string]int{}
			for _, it := range items {
				seen[it.Label]++
				p, ok := props[it.Label].(map[string]any)
				switch {
				case !ok:
					t.Errorf("offered %q (kind %d), not a field here: %s", it.Label, it.Kind, strings.ReplaceAll(it.InsertText, "\n", "⏎"))
				case slices.Contains(tc.present, it.Label):
					t.Errorf("offered %q, already in the spec", it.Label)
				case it.documentation() == "":
					t.Errorf("%s: offered without a description", it.Label)
				case it.documentation() != p["markdownDescription"]:
					t.Errorf("%s: documentation %q, want the schema's markdownDescription %q", it.Label, it.documentation(), p["markdownDescription"])
				}
			}
			for label, n := range seen {
				if n > 1 {
					t.Errorf("%q offered %d times", label, n)
				}
			}
			for name := range props {
				if seen[name] == 0 && !slices.Contains(tc.present, name) {
					t.Errorf("%s: not offered", name)
				}
			}
			t.Logf("%d completions", len(items))
		})
	}
}

// TestYAMLLanguageServerValues is in TestYAMLLanguageServer; enumValueDocs checks the values
// offered for an enum against its markdownEnumDescriptions.
func enumValueDocs(t *testing.T, items []lspCompletionItem, field map[string]any) {
	t.Helper()
	enum, _ := field["enum"].([]any)
	docs, _ := field["markdownEnumDescriptions"].([]any)
	if len(enum) == 0 || len(docs) != len(enum) {
		t.Fatalf("the field has %d values and %d value descriptions", len(enum), len(docs))
	}
	want := map[string]string{}
	for i, v := range enum {
		want[fmt.Sprint(v)] = docs[i].(string)
	}
	for _, it := range items {
		doc, ok := want[it.Label]
		switch {
		case !ok:
			t.Errorf("offered %q, not a value of the field", it.Label)
		case it.documentation() != doc:
			t.Errorf("%s: documentation %q, want %q", it.Label, it.documentation(), doc)
		}
		delete(want, it.Label)
	}
	for v := range want {
		t.Errorf("%s: not offered", v)
	}
}

// schemaAt follows keys from the root of the JSON Schema, through $ref to a definition.
func schemaAt(t *testing.T, root map[string]any, keys ...string) map[string]any {
	t.Helper()
	s := root
	for _, k := range keys {
		next, ok := s[k].(map[string]any)
		if !ok {
			t.Fatalf("the JSON Schema has no %s", strings.Join(keys, "/"))
		}
		s = next
		if ref, ok := s["$ref"].(string); ok && len(s) == 1 {
			s = root
			for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				s, _ = s[part].(map[string]any)
			}
		}
	}
	return s
}

func lineOf(text, substr string) int {
	return strings.Count(text[:strings.Index(text, substr)], "\n")
}

func fileURI(path string) string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}
