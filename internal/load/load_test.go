package load

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/load"

	_ "github.com/ecsgen/ecsgen/internal/golden" // defines -update for this package
	"github.com/ecsgen/ecsgen/schema"
)

func examples(t *testing.T) []string {
	m, err := filepath.Glob("../../examples/*/spec.cue")
	if err != nil || len(m) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	return m
}

// TestSchemaAndModelAgree guards the CUE schema and the Go model against drift. cue's Decode
// silently drops fields the Go struct lacks, so every example is exported from CUE and decoded
// with DisallowUnknownFields (a CUE field missing in Go fails), then encoded back from Go and
// compared with the export (a Go field missing in CUE, or a json tag that differs, fails).
func TestSchemaAndModelAgree(t *testing.T) {
	ctx, spec, err := compiledSchema()
	if err != nil {
		t.Fatal(err)
	}
	var values []cue.Value
	var names []string
	for _, file := range examples(t) {
		inst := load.Instances([]string{file}, nil)[0]
		if inst.Err != nil {
			t.Fatal(inst.Err)
		}
		user := ctx.BuildInstance(inst)
		envs := user.LookupPath(cue.ParsePath("environments"))
		if !envs.Exists() {
			values, names = append(values, spec.Unify(user)), append(names, file)
			continue
		}
		// Each environment: the defaults with its overrides merged in, as the loader builds it.
		it, err := envs.Fields()
		if err != nil {
			t.Fatal(err)
		}
		for it.Next() {
			env := selectorLabel(it.Selector())
			merged := merge(ctx, user, it.Value(), true).FillPath(cue.ParsePath("env"), env)
			values, names = append(values, spec.Unify(merged)), append(names, file+" ("+env+")")
		}
	}
	for i, v := range values {
		file := names[i]
		if err := v.Validate(cue.Concrete(true)); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		exported, err := v.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(exported))
		dec.DisallowUnknownFields()
		var s schema.Spec
		if err := dec.Decode(&s); err != nil {
			t.Fatalf("%s: the CUE schema has a field the Go model lacks: %v", file, err)
		}
		back, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		json.Unmarshal(exported, &a)
		json.Unmarshal(back, &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: the Go model does not round-trip the CUE export\nCUE: %s\nGo:  %s", file, exported, back)
		}
	}
}

// write puts files in a temporary directory and returns their paths relative to it, with the
// directory as the working directory (positions are shown relative to it).
func write(t *testing.T, files map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	var names []string
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	return names
}

const minimal = `system: "demo"
env: "dev"
region: "ap-northeast-1"
network: {vpc: "vpc-0123456789abcdef0", subnets: ["subnet-0123456789abcdef0"]}
cluster: capacity: ec2: general: {instanceType: "t3.small", size: {min: 0, max: 2}}
`

func TestMinimalSpecLoads(t *testing.T) {
	names := write(t, map[string]string{"spec.cue": minimal + `services: web: containers: web: {image: "nginx", memory: 256}` + "\n"})
	res, findings, err := Files(names, Options{})
	if err != nil || len(findings) > 0 {
		t.Fatalf("%v\n%s", err, findings)
	}
	svc := res.Spec.Services["web"]
	if svc.InitialDesiredCount() != 1 || svc.NetworkMode != "" || svc.Containers["web"].Log.Driver != "awslogs" || !svc.Containers["web"].Essential {
		t.Errorf("defaults not applied: %+v", svc)
	}
	if p := res.Positions.Of("services.web.containers.web.memory"); p.String() != "spec.cue:6:50" {
		t.Errorf("position of memory: %s", p)
	}
}

func TestFindings(t *testing.T) {
	cases := []struct {
		name, spec string
		want       []string
	}{
		{"syntax error", "system: \"demo\"\nenv: {\n", []string{
			"spec.cue:2:8: expected '}', found 'EOF'",
		}},
		{"empty file", "  \n", []string{"spec.cue: the spec file is empty — start from examples/cluster-autoscaling/spec.cue"}},
		{"not UTF-8", "system: \"d\xffmo\"\n", []string{"spec.cue:1:11: the spec is not valid UTF-8 — save the file as UTF-8"}},
		{"nothing but required fields missing", "tags: {}\n", []string{
			`spec.cue:1:1: env: missing required field "env"`,
			`spec.cue:1:1: region: missing required field "region"`,
			`spec.cue:1:1: system: missing required field "system"`,
		}},
		{"bad label and bound", minimal + "services: Web: {desiredCount: -1, containers: web: {image: \"nginx\", memory: 256}}\n", []string{
			`spec.cue:6:11: services.Web: invalid name "Web" — service names are lower-case letters, digits and inner hyphens, starting with a letter, at most 63 characters`,
		}},
		{"bound", minimal + "services: web: {desiredCount: -1, containers: web: {image: \"nginx\", memory: 256}}\n", []string{
			`spec.cue:6:31: services.web.desiredCount: got -1, want >=0`,
		}},
		{"NUL in a string", minimal + "services: web: containers: web: {image: \"nginx\", memory: 256, environment: A: \"x\\u0000y\"}\n", []string{
			`spec.cue:6:76: services.web.containers.web.environment.A: the value contains a NUL character — remove the \u0000`,
		}},
		// A custom metric left empty passes CUE's validation of concrete values (the struct
		// alternative of #Metric is chosen, its fields incomplete) and failed only when decoded:
		// an internal error, exit status 2, before the fields it misses were reported.
		{"custom metric left empty", minimal + "services: web: {containers: web: {image: \"nginx\", memory: 256}, autoscaling: {min: 1, max: 2, stepScaling: up: {alarm: {metric: {}, comparison: \">\", threshold: 1}, steps: [{lower: 0, adjustment: 1}]}}}\n", []string{
			`spec.cue:6:121: services.web.autoscaling.stepScaling.up.alarm.metric.name: missing required field "name"`,
			`spec.cue:6:121: services.web.autoscaling.stepScaling.up.alarm.metric.namespace: missing required field "namespace"`,
		}},
		// Numbers a float64 cannot hold failed when decoded too (CUE's "value was rounded up").
		{"threshold beyond float64", minimal + "services: web: {containers: web: {image: \"nginx\", memory: 256}, autoscaling: {min: 1, max: 2, stepScaling: up: {alarm: {metric: \"cpu\", comparison: \">\", threshold: 1e400}, steps: [{lower: 0, adjustment: 1}]}}}\n", []string{
			`spec.cue:6:153: services.web.autoscaling.stepScaling.up.alarm.threshold: the number 1e+400 is too large — use a number of at most 1.7976931348623157e308 in magnitude`,
		}},
		{"threshold too close to 0 for float64", minimal + "services: web: {containers: web: {image: \"nginx\", memory: 256}, autoscaling: {min: 1, max: 2, stepScaling: up: {alarm: {metric: \"cpu\", comparison: \">\", threshold: -1e-400}, steps: [{lower: 0, adjustment: 1}]}}}\n", []string{
			`spec.cue:6:153: services.web.autoscaling.stepScaling.up.alarm.threshold: the number -1e-400 is too close to 0 — write 0, or a number of at least 1e-307 in magnitude`,
		}},
		{"ECS_CLUSTER is ecsgen's", minimal + "cluster: agent: settings: ECS_CLUSTER: \"other\"\nservices: {}\n", []string{
			`spec.cue:6:27: cluster.agent.settings.ECS_CLUSTER: invalid name "ECS_CLUSTER" — agent settings are ECS_* variables, other than ECS_CLUSTER and those with a typed field in agent`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantFindings(t, tc.spec, tc.want) })
	}
}

// wantFindings loads spec as spec.cue and requires exactly the findings want, one per line.
func wantFindings(t *testing.T, spec string, want []string) {
	t.Helper()
	names := write(t, map[string]string{"spec.cue": spec})
	res, findings, err := Files(names, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res != nil {
		t.Fatal("a bad spec loaded")
	}
	got := strings.Split(strings.TrimSpace(findings.String()), "\n")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Tags let CI inject values, such as the image tag, into @tag() attributes.
func TestTags(t *testing.T) {
	spec := minimal + "services: web: containers: web: {image: \"nginx:\" + tag, memory: 256}\ntag: string @tag(image_tag)\n"
	names := write(t, map[string]string{"spec.cue": spec})
	// tag is not a field of #Spec: hidden helpers must be definitions or let; show that users
	// get a clear error, then use a let clause, which is how a spec keeps helpers.
	_, findings, err := Files(names, Options{Tags: []string{"image_tag=1.27"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) != 1 || !strings.Contains(findings[0].String(), `tag: unknown field "tag"`) {
		t.Fatalf("got %s", findings)
	}
	spec = minimal + "_tag: string @tag(image_tag)\nservices: web: containers: web: {image: \"nginx:\" + _tag, memory: 256}\n"
	names = write(t, map[string]string{"spec.cue": spec})
	res, findings, err := Files(names, Options{Tags: []string{"image_tag=1.27"}})
	if err != nil || len(findings) > 0 {
		t.Fatalf("%v %s", err, findings)
	}
	if got := res.Spec.Services["web"].Containers["web"].Image; got != "nginx:1.27" {
		t.Errorf("image = %q", got)
	}
}
