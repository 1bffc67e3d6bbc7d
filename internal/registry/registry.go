// Package registry reads the CloudFormation registry schemas that cfn-lint ships (the resource
// provider schemas AWS publishes), for the tests that keep ecsgen's bounds equal to AWS's.
package registry

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// Dir is cfn-lint's data/schemas directory, or an error when cfn-lint is not installed.
func Dir() (string, error) {
	// find_spec locates the package without importing it (an import takes seconds).
	out, err := exec.Command("python3", "-c", "import importlib.util;print(importlib.util.find_spec('cfnlint').submodule_search_locations[0])").Output()
	if err != nil {
		return "", fmt.Errorf("cfn-lint is not installed: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "data", "schemas"), nil
}

// Schema is the registry schema of a resource type (AWS::ECS::TaskDefinition) in us-east-1.
func Schema(dir, typeName string) (map[string]any, error) {
	index, err := os.ReadFile(filepath.Join(dir, "providers", "us_east_1.py"))
	if err != nil {
		return nil, err
	}
	m := regexp.MustCompile(`"` + regexp.QuoteMeta(typeName) + `": "([0-9a-f]+)"`).FindSubmatch(index)
	if m == nil {
		return nil, fmt.Errorf("no registry schema for %s", typeName)
	}
	data, err := os.ReadFile(filepath.Join(dir, "resources", string(m[1])+".json"))
	if err != nil {
		return nil, err
	}
	var s map[string]any
	return s, json.Unmarshal(data, &s)
}

// Property is the schema of a top-level property, with a $ref to a definition resolved.
func Property(s map[string]any, name string) (map[string]any, bool) {
	props, _ := s["properties"].(map[string]any)
	p, ok := props[name].(map[string]any)
	if !ok {
		return nil, false
	}
	if ref, ok := p["$ref"].(string); ok {
		defs, _ := s["definitions"].(map[string]any)
		p, ok = defs[strings.TrimPrefix(ref, "#/definitions/")].(map[string]any)
	}
	return p, ok
}
