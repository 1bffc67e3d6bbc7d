package generators

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// stackResources decodes a generated stack's resources.
func stackResources(t *testing.T, files Files, path string) map[string]map[string]any {
	t.Helper()
	var tpl struct {
		Parameters map[string]map[string]any `json:"Parameters"`
		Resources  map[string]map[string]any `json:"Resources"`
	}
	if err := json.Unmarshal(files[path], &tpl); err != nil {
		t.Fatal(err)
	}
	for k, p := range tpl.Parameters {
		tpl.Resources["Parameter:"+k] = p
	}
	return tpl.Resources
}

// A service with autoscaling starts with the count the spec writes, and no update resets the
// count the scaling chose: the count is a parameter whose default is the spec's, and deploy.sh
// passes the running count on every update.
func TestAutoscaledServiceStartsWithItsDesiredCount(t *testing.T) {
	s := spec()
	svc := s.Services["web"]
	svc.DesiredCount = intp(3)
	svc.Autoscaling = &schema.ServiceAutoscaling{Min: 2, Max: 6, TargetTracking: map[string]schema.TargetTracking{
		"cpu": {Metric: schema.Metric{Predefined: "cpu"}, Target: 60, ScaleInCooldown: 300, ScaleOutCooldown: 60},
	}}
	s.Services["web"] = svc
	files, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	res := stackResources(t, files, "dev/stacks/demo-dev-svc-web.json")
	count, _ := json.Marshal(res["Service"]["Properties"].(map[string]any)["DesiredCount"])
	if string(count) != `{"Ref":"DesiredCount"}` {
		t.Errorf("Service DesiredCount = %s", count)
	}
	if p := res["Parameter:DesiredCount"]; p["Default"] != "3" || p["Type"] != "Number" {
		t.Errorf("DesiredCount parameter = %v", p)
	}
	script := string(files["dev/deploy.sh"])
	for _, want := range []string{"count=3\n", "--query 'services[0].desiredCount'", `"DesiredCount=$count"`} {
		if !strings.Contains(script, want) {
			t.Errorf("deploy.sh lacks %q:\n%s", want, script)
		}
	}

	// Without autoscaling the count is the spec's, in the template.
	files, err = Generate(spec())
	if err != nil {
		t.Fatal(err)
	}
	res = stackResources(t, files, "dev/stacks/demo-dev-svc-web.json")
	if got := res["Service"]["Properties"].(map[string]any)["DesiredCount"]; got != 2.0 {
		t.Errorf("DesiredCount = %v", got)
	}
	if strings.Contains(string(files["dev/deploy.sh"]), "DesiredCount=") {
		t.Error("deploy.sh passes a count to a service without autoscaling")
	}
}

// Every log group the tasks write to is in the stack, with the deletion policy the spec
// chooses; a FireLens router's CloudWatch output is one of them, written with the task role.
func TestLogGroupsAreStackResourcesWithTheSpecsPolicy(t *testing.T) {
	s := spec()
	svc := s.Services["web"]
	svc.Containers["router"] = schema.Container{Image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable", Essential: true,
		Log: schema.Log{Driver: "awslogs"}, Firelens: &schema.Firelens{Type: "fluentbit"}}
	app := svc.Containers["app"]
	app.Log = schema.Log{Driver: "awsfirelens", Options: map[string]string{"Name": "cloudwatch_logs", "region": "ap-northeast-1", "log_group_name": "/ecs/demo-dev/web/app"}}
	svc.Containers["app"] = app
	s.Services["web"] = svc

	for policy, want := range map[string][2]string{"Retain": {"RetainExceptOnCreate", "Retain"}, "Delete": {"Delete", "Delete"}} {
		s.Logs.DeletionPolicy = policy
		files, err := Generate(s)
		if err != nil {
			t.Fatal(err)
		}
		res := stackResources(t, files, "dev/stacks/demo-dev-svc-web.json")
		groups := map[string]string{}
		for id, r := range res {
			if r["Type"] != "AWS::Logs::LogGroup" {
				continue
			}
			groups[r["Properties"].(map[string]any)["LogGroupName"].(string)] = id
			if r["DeletionPolicy"] != want[0] || r["UpdateReplacePolicy"] != want[1] {
				t.Errorf("%s: %s: DeletionPolicy %v, UpdateReplacePolicy %v, want %v", policy, id, r["DeletionPolicy"], r["UpdateReplacePolicy"], want)
			}
		}
		if groups["/ecs/demo-dev/web/app"] == "" || groups["/ecs/demo-dev/web"] == "" {
			t.Fatalf("%s: log groups %v", policy, groups)
		}
		// The task definition (and so the service) waits for the FireLens group too.
		deps, _ := json.Marshal(res["TaskDefinition"]["DependsOn"])
		if !strings.Contains(string(deps), groups["/ecs/demo-dev/web/app"]) {
			t.Errorf("task definition DependsOn %s", deps)
		}
		task := string(files["dev/policies/web-task.json"])
		exec := string(files["dev/policies/web-execution.json"])
		if !strings.Contains(task, "log-group:/ecs/demo-dev/web/app:*") || strings.Contains(exec, "log-group:/ecs/demo-dev/web/app:*") {
			t.Errorf("the FireLens group is written with the task role only:\ntask: %s\nexecution: %s", task, exec)
		}
	}
}
