package plan

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The embedded create-only data is what scripts/cfnschemas.py extracts from the schemas of the
// installed cfn-lint: when cfn-lint ships newer schemas, regenerate it
// (python3 scripts/cfnschemas.py > internal/plan/cfnschemas.json).
func TestEmbeddedSchemasMatchCfnLint(t *testing.T) {
	if testing.Short() {
		t.Skip("loading cfn-lint takes seconds: run without -short")
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	var stderr bytes.Buffer
	cmd := exec.Command(python, filepath.Join("..", "..", "scripts", "cfnschemas.py"))
	cmd.Stderr = &stderr
	got, err := cmd.Output()
	if strings.Contains(stderr.String(), "No module named 'cfnlint'") {
		t.Skip("cfn-lint is not installed")
	}
	if err != nil {
		t.Fatalf("scripts/cfnschemas.py: %v\n%s", err, stderr.String())
	}
	if !bytes.Equal(got, cfnSchemasJSON) {
		t.Errorf("internal/plan/cfnschemas.json differs from the schemas cfn-lint ships; regenerate it: python3 scripts/cfnschemas.py > internal/plan/cfnschemas.json")
	}
}

// Every resource type ecsgen emits (in the committed output of the examples and the golden
// specs) has its create-only properties embedded, and every embedded type says whether it has
// a custom name.
func TestEveryTypeKnown(t *testing.T) {
	for typ := range schemas {
		if _, ok := customNames[typ]; !ok {
			t.Errorf("customNames lacks %s", typ)
		}
	}
	for typ := range customNames {
		if _, ok := schemas[typ]; !ok {
			t.Errorf("customNames has %s, which cfnschemas.json lacks (add it to scripts/cfnschemas.py)", typ)
		}
	}
	var stacks []string
	for _, pattern := range []string{"../../examples/*/out/*/stacks/*.json", "../../testdata/golden/*/out/*/stacks/*.json"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		stacks = append(stacks, m...)
	}
	if len(stacks) == 0 {
		t.Fatal("no committed stacks found")
	}
	for _, f := range stacks {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var tpl template
		if err := json.Unmarshal(b, &tpl); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for id, r := range tpl.Resources {
			if _, ok := schemas[r.Type]; !ok && strings.HasPrefix(r.Type, "AWS::") {
				t.Errorf("%s: %s is a %s, which cfnschemas.json lacks (add it to scripts/cfnschemas.py)", f, id, r.Type)
			}
		}
	}
}
