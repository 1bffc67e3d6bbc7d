package load

import (
	"reflect"
	"strings"
	"testing"
)

const multi = `system: "shop"
region: "ap-northeast-1"
network: {vpc: "vpc-0123456789abcdef0", subnets: ["subnet-0123456789abcdef0"]}
cluster: capacity: ec2: general: {instanceType: "t3.small", size: {min: 0, max: 2}}
services: web: containers: web: {image: "nginx:" + _tag, memory: 256}
_tag: *"1.27" | string @tag(image_tag)
environments: {
	dev: {}
	prod: {
		network: subnets: ["subnet-0fedcba9876543210", "subnet-0123456789abcdef0"]
		cluster: capacity: ec2: general: {instanceType: "m7i.large", size: max: 10}
		services: web: desiredCount: 3
	}
}
`

// Each environment is the shared defaults with its overrides merged in: structs merge, scalars
// and lists replace, and env is the environment's key.
func TestEnvironmentsMerge(t *testing.T) {
	names := write(t, map[string]string{"spec.cue": multi})
	res, findings, err := Files(names, Options{Tags: []string{"image_tag=2.0"}})
	if err != nil || len(findings) > 0 {
		t.Fatalf("%v\n%s", err, findings)
	}
	if len(res.Envs) != 2 || res.Envs[0].Name != "dev" || res.Envs[1].Name != "prod" || !res.Multi {
		t.Fatalf("envs: %+v", res.Envs)
	}
	dev, prod := res.Envs[0].Spec, res.Envs[1].Spec
	if dev.Env != "dev" || prod.Env != "prod" {
		t.Errorf("env: %q %q", dev.Env, prod.Env)
	}
	if g := dev.Cluster.Capacity.EC2["general"]; g.InstanceType != "t3.small" || g.Size.Max != 2 || g.Size.Min != 0 {
		t.Errorf("dev capacity: %+v", g)
	}
	if g := prod.Cluster.Capacity.EC2["general"]; g.InstanceType != "m7i.large" || g.Size.Max != 10 || g.Size.Min != 0 {
		t.Errorf("prod capacity (max overridden, min kept): %+v", g)
	}
	if !reflect.DeepEqual(prod.Network.Subnets, []string{"subnet-0fedcba9876543210", "subnet-0123456789abcdef0"}) || len(dev.Network.Subnets) != 1 {
		t.Errorf("lists replace: dev %v prod %v", dev.Network.Subnets, prod.Network.Subnets)
	}
	if dev.Services["web"].InitialDesiredCount() != 1 || prod.Services["web"].InitialDesiredCount() != 3 {
		t.Errorf("desiredCount: dev %d prod %d", dev.Services["web"].InitialDesiredCount(), prod.Services["web"].InitialDesiredCount())
	}
	for _, e := range res.Envs {
		if img := e.Spec.Services["web"].Containers["web"].Image; img != "nginx:2.0" {
			t.Errorf("%s: image %q, want the tag injected", e.Name, img)
		}
	}
	// Positions point at the override where there is one, at the default elsewhere.
	if p := res.Envs[1].Positions.Of("cluster.capacity.ec2.general.instanceType"); p.String() != "spec.cue:11:37" {
		t.Errorf("prod instanceType at %s", p)
	}
	if p := res.Envs[0].Positions.Of("cluster.capacity.ec2.general.instanceType"); p.String() != "spec.cue:4:35" {
		t.Errorf("dev instanceType at %s", p)
	}

	res, _, err = Files(names, Options{Envs: []string{"prod"}})
	if err != nil || len(res.Envs) != 1 || res.Envs[0].Name != "prod" {
		t.Fatalf("--env prod: %v %+v", err, res)
	}
	if _, _, err = Files(names, Options{Envs: []string{"stg"}}); err == nil || !strings.Contains(err.Error(), `no environment "stg" in the spec; it has: dev, prod`) {
		t.Errorf("unknown env: %v", err)
	}
}

func TestEnvironmentFindings(t *testing.T) {
	cases := []struct {
		name, spec string
		want       []string
	}{
		{"an override's mistake names the environment's path",
			strings.Replace(multi, `desiredCount: 3`, `desiredCount: "three"`, 1), []string{
				`spec.cue:12:32: environments.prod.services.web.desiredCount: got "three", want int`,
			}},
		{"a mistake in the defaults is reported once",
			strings.Replace(multi, `memory: 256}`, `memory: 256, cpuu: 1}`, 1), []string{
				`spec.cue:5:71: services.web.containers.web.cpuu: unknown field "cpuu" — did you mean "cpu"?`,
			}},
		{"a field one environment lacks names the environment",
			strings.Replace(strings.Replace(multi, `{image: "nginx:" + _tag, memory: 256}`, `memory: 256`, 1),
				"\tdev: {}", "\tdev: services: web: containers: web: image: \"nginx\"", 1), []string{
				`spec.cue:5:28: services.web.containers.web.image: in environment prod: missing required field "image"`,
			}},
		{"env and environments do not mix",
			"env: \"dev\"\n" + multi, []string{
				`spec.cue:1:1: env: env is set by environments — remove env: each environment is named by its key in environments`,
			}},
		{"environment names are labels",
			strings.Replace(multi, "\tdev: {}", "\tDev: {}", 1), []string{
				`spec.cue:8:2: environments.Dev: invalid name "Dev" — environment names are lower-case letters, digits and inner hyphens, starting with a letter, at most 63 characters`,
			}},
		{"an environment cannot rename itself",
			strings.Replace(multi, "\tdev: {}", "\tdev: env: \"qa\"", 1), []string{
				`spec.cue:8:7: environments.dev.env: env cannot be overridden — an environment's name is its key in environments`,
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantFindings(t, tc.spec, tc.want) })
	}
}

// A YAML or JSON spec is checked by the same schema, with positions in its own file.
func TestDataSpecs(t *testing.T) {
	yaml := `# yaml-language-server: $schema=../schema/spec.schema.json
system: demo
env: dev
region: ap-northeast-1
network:
  vpc: vpc-0123456789abcdef0
  subnets: [subnet-0123456789abcdef0]
cluster:
  capacity:
    ec2:
      general: {instanceType: t3.small, size: {min: 0, max: 2}}
services:
  web:
    desiredCount: two
    containers:
      web: {image: nginx, memory: 256}
`
	names := write(t, map[string]string{"spec.yaml": yaml})
	_, findings, err := Files(names, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(findings.String()); got != `spec.yaml:14:19: services.web.desiredCount: got "two", want int` {
		t.Errorf("yaml: %s", got)
	}
	names = write(t, map[string]string{"spec.yaml": strings.Replace(yaml, "desiredCount: two", "desiredCount: 2", 1)})
	res, findings, err := Files(names, Options{})
	if err != nil || len(findings) > 0 {
		t.Fatalf("%v %s", err, findings)
	}
	if res.Spec.Services["web"].InitialDesiredCount() != 2 {
		t.Errorf("desiredCount %d", res.Spec.Services["web"].InitialDesiredCount())
	}

	json := `{
  "$schema": "../schema/spec.schema.json",
  "system": "demo", "env": "dev", "region": "ap-northeast-1",
  "network": {"vpc": "vpc-0123456789abcdef0", "subnets": ["subnet-0123456789abcdef0"]},
  "cluster": {"capacity": {"ec2": {"general": {"instanceType": "t3.small", "size": {"min": 0, "max": 2}}}}},
  "services": {"web": {"containers": {"web": {"image": "nginx", "memroy": 256}}}}
}
`
	names = write(t, map[string]string{"spec.json": json})
	_, findings, err = Files(names, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `spec.json:6:66: services.web.containers.web.memroy: unknown field "memroy" — did you mean "memory"?`
	if got := strings.TrimSpace(findings.String()); got != want {
		t.Errorf("json:\n got %s\nwant %s", got, want)
	}
	names = write(t, map[string]string{"spec.json": "{\"system\": \n"})
	_, findings, _ = Files(names, Options{})
	if len(findings) != 1 || !strings.HasPrefix(findings[0].String(), "spec.json:") {
		t.Errorf("json syntax: %s", findings)
	}
}
