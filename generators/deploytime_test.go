package generators

import (
	"encoding/json"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// Deploy-time values go into the stack's task definition as CloudFormation resolves them, and
// into taskdefs/<service>.json as placeholders; the cluster exports a load balancer's DNS name
// only when a container uses it.
func TestDeployTimeEnvironment(t *testing.T) {
	s := withLoadBalancer(spec(), schema.AccessLogs{})
	tpl, _ := clusterTemplate(t, s)
	if out := tpl["Outputs"].(map[string]any)["PublicLoadBalancerDNSName"].(map[string]any); out["Export"] != nil {
		t.Errorf("the DNS name is exported without a use: %v", out)
	}

	web := s.Services["web"]
	app := web.Containers["app"]
	app.DeployTimeEnvironment = map[string]schema.DeployTimeValue{
		"C_URL":   {LoadBalancer: "public", Prefix: "http://", Suffix: "/api"},
		"QUEUE":   {Import: "jobs:QueueUrl"},
		"RELEASE": {SSMParameter: "/demo/release", Version: 4},
	}
	web.Containers = map[string]schema.Container{"app": app, "sidecar": web.Containers["sidecar"]}
	s.Services["web"] = web
	tpl, files := clusterTemplate(t, s)
	out := tpl["Outputs"].(map[string]any)["PublicLoadBalancerDNSName"].(map[string]any)
	if got := encodeJSON(t, out["Export"]); got != `{"Name":"demo-dev-cluster:public:LoadBalancerDNSName"}` {
		t.Errorf("DNS name export: %s", got)
	}

	svc := decode(t, files["dev/stacks/demo-dev-svc-web.json"])
	defs := svc["Resources"].(map[string]any)["TaskDefinition"].(map[string]any)["Properties"].(map[string]any)["ContainerDefinitions"].([]any)
	var env any
	for _, d := range defs {
		if d.(map[string]any)["Name"] == "app" {
			env = d.(map[string]any)["Environment"]
		}
	}
	want := `[{"Name":"A","Value":"1"},{"Name":"B","Value":"2"},` +
		`{"Name":"C_URL","Value":{"Fn::Join":["",["http://",{"Fn::ImportValue":"demo-dev-cluster:public:LoadBalancerDNSName"},"/api"]]}},` +
		`{"Name":"QUEUE","Value":{"Fn::ImportValue":"jobs:QueueUrl"}},` +
		`{"Name":"RELEASE","Value":"{{resolve:ssm:/demo/release:4}}"}]`
	if got := encodeJSON(t, env); got != want {
		t.Errorf("stack environment:\n%s\nwant\n%s", got, want)
	}

	var cli struct {
		ContainerDefinitions []struct {
			Name        string
			Environment []struct{ Name, Value string }
		}
	}
	if err := json.Unmarshal(files["dev/taskdefs/web.json"], &cli); err != nil {
		t.Fatal(err)
	}
	wantCLI := map[string]string{
		"A": "1", "B": "2",
		"C_URL":   "http://<deploy-time: DNS name of load balancer public (export demo-dev-cluster:public:LoadBalancerDNSName)>/api",
		"QUEUE":   "<deploy-time: export jobs:QueueUrl>",
		"RELEASE": "<deploy-time: SSM parameter /demo/release version 4>",
	}
	for _, d := range cli.ContainerDefinitions {
		if d.Name != "app" {
			continue
		}
		if len(d.Environment) != len(wantCLI) {
			t.Errorf("CLI environment: %v", d.Environment)
		}
		for _, kv := range d.Environment {
			if wantCLI[kv.Name] != kv.Value {
				t.Errorf("CLI %s = %q, want %q", kv.Name, kv.Value, wantCLI[kv.Name])
			}
		}
	}
}
