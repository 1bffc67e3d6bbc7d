package jsonschema

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cueload "cuelang.org/go/cue/load"
	"github.com/ecsgen/ecsgen/internal/load"
	jsonschemav6 "github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ecsgen/ecsgen/internal/golden"
)

// TestJSONSchemaIsCurrent keeps the committed schema/spec.schema.json equal to what the CUE
// schema and the Go model give (go test ./... -update rewrites it). Generating it also proves
// that the two agree field by field.
func TestJSONSchemaIsCurrent(t *testing.T) {
	got, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := golden.File("../spec.schema.json", got)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Error(d)
	}
}

// TestJSONSchemaAgreesWithCUE validates specs with the published JSON Schema: every example
// (as the user wrote it, before defaults) is valid, and specs that CUE rejects for a field's
// value, an unknown field, a bad name or a missing field are invalid too.
func TestJSONSchemaAgreesWithCUE(t *testing.T) {
	raw, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschemav6.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschemav6.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	ctx, _, err := specSchema()
	if err != nil {
		t.Fatal(err)
	}
	userJSON := func(t *testing.T, files []string) any {
		t.Helper()
		inst := cueload.Instances(files, nil)[0]
		if inst.Err != nil {
			t.Fatal(inst.Err)
		}
		b, err := ctx.BuildInstance(inst).MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschemav6.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	examples, err := filepath.Glob("../../examples/*/spec.cue")
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, file := range examples {
		if err := sch.Validate(userJSON(t, []string{file})); err != nil {
			t.Errorf("%s: valid for CUE, invalid for the JSON Schema: %v", file, err)
		}
	}
	spec := minimal + "services: web: containers: web: {image: \"nginx\", memory: 256}\n"
	cases := map[string]string{
		"valid":                     spec,
		"valid environments":        strings.Replace(spec, "env: \"dev\"\n", "", 1) + "environments: {dev: {}, prod: cluster: capacity: ec2: general: instanceType: \"m7i.large\"}\n",
		"enum":                      spec + "cluster: containerInsights: \"on\"\n",
		"unknown field":             spec + "services: web: desiredCont: 2\n",
		"bad name":                  spec + "services: Web: containers: web: {image: \"nginx\", memory: 256}\n",
		"bound":                     spec + "services: web: desiredCount: -1\n",
		"pattern":                   strings.Replace(spec, "vpc-0123456789abcdef0", "vpc-1", 1),
		"missing field":             strings.Replace(spec, "region: \"ap-northeast-1\"\n", "", 1),
		"env with environments":     spec + "environments: dev: {}\n",
		"override of env":           strings.Replace(spec, "env: \"dev\"\n", "", 1) + "environments: dev: env: \"qa\"\n",
		"bad override":              strings.Replace(spec, "env: \"dev\"\n", "", 1) + "environments: dev: cluster: containerInsights: \"on\"\n",
		"tag key":                   spec + "tags: \"aws:x\": \"y\"\n",
		"naming without env":        spec + "naming: \"{system}-{name}\"\n",
		"naming placeholders touch": spec + "naming: \"{system}-{env}{name}\"\n",
		"ingress needs one source":  spec + "cluster: capacity: ec2: general: ingress: [{description: \"x\", fromPort: 80}]\n",
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			files := specFile(t, src)
			_, findings, err := load.Files(files, load.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cueValid := len(findings) == 0
			jsErr := sch.Validate(userJSON(t, files))
			if cueValid != (jsErr == nil) || cueValid != strings.HasPrefix(name, "valid") {
				t.Errorf("CUE valid: %v (%s); JSON Schema: %v", cueValid, findings, jsErr)
			}
		})
	}
}

// TestReferenceIsCurrent keeps docs/spec.md equal to what the schema's doc comments give.
func TestReferenceIsCurrent(t *testing.T) {
	got, err := Reference()
	if err != nil {
		t.Fatal(err)
	}
	diffs, err := golden.File("../../docs/spec.md", got)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Error(d)
	}
}

const minimal = `system: "demo"
env: "dev"
region: "ap-northeast-1"
network: {vpc: "vpc-0123456789abcdef0", subnets: ["subnet-0123456789abcdef0"]}
cluster: capacity: ec2: general: {instanceType: "t3.small", size: {min: 0, max: 2}}
`

// specFile writes src as spec.cue in a temporary directory made the working directory.
func specFile(t *testing.T, src string) []string {
	t.Helper()
	t.Chdir(t.TempDir())
	if err := os.WriteFile("spec.cue", []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"spec.cue"}
}

// TestEveryFieldDescribed: every field editors offer has a description (from its doc comment in
// schema/spec.cue, or from the definition it refers to), also as markdownDescription.
func TestEveryFieldDescribed(t *testing.T) {
	raw, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	fields, described := 0, 0
	var walk func(s map[string]any, path string)
	walk = func(s map[string]any, path string) {
		if props, ok := s["properties"].(map[string]any); ok {
			for name, p := range props {
				p, ok := p.(map[string]any)
				if !ok {
					continue // true or false: the fields a complete spec requires
				}
				fields++
				if p["description"] != nil && p["markdownDescription"] != nil {
					described++
				} else {
					t.Errorf("%s: no description", path+"."+name)
				}
				walk(p, path+"."+name)
			}
		}
		for _, k := range []string{"additionalProperties", "items"} {
			if sub, ok := s[k].(map[string]any); ok {
				walk(sub, path+"."+k)
			}
		}
		for _, k := range []string{"anyOf"} {
			list, _ := s[k].([]any)
			for _, sub := range list {
				if sub, ok := sub.(map[string]any); ok {
					walk(sub, path)
				}
			}
		}
	}
	walk(root, "")
	t.Logf("%d of %d fields described", described, fields)
}
