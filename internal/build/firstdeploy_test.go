package build_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/load"
)

// What a real account checks and the emulator does not: IAM validates the roles a task
// definition names when it is registered ("Role is not valid"), and ECS refuses to change the
// task definition of a CODE_DEPLOY service through UpdateService (R50). These tests read the
// generated templates the way CloudFormation orders and updates them.

// template is a decoded CloudFormation template.
type template struct {
	Parameters map[string]any            `json:"Parameters"`
	Resources  map[string]map[string]any `json:"Resources"`
}

func decodeTemplate(t *testing.T, b []byte) template {
	t.Helper()
	var tpl template
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	return tpl
}

var subRef = regexp.MustCompile(`\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}`)

// references are the logical ids (resources or parameters) a value names through Ref,
// Fn::GetAtt or Fn::Sub.
func references(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				switch k {
				case "Ref":
					if s, ok := val.(string); ok {
						out = append(out, s)
						continue
					}
				case "Fn::GetAtt":
					if l, ok := val.([]any); ok && len(l) > 0 {
						out = append(out, l[0].(string))
						continue
					}
				case "Fn::Sub":
					s, _ := val.(string)
					if l, ok := val.([]any); ok && len(l) > 0 {
						s, _ = l[0].(string)
					}
					for _, m := range subRef.FindAllStringSubmatch(s, -1) {
						out = append(out, m[1])
					}
				}
				walk(val)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// dependencies are the resources CloudFormation creates before id: what it references and what
// it depends on, transitively.
func (tpl template) dependencies(id string) map[string]bool {
	seen := map[string]bool{}
	var visit func(string)
	visit = func(id string) {
		r, ok := tpl.Resources[id]
		if !ok {
			return
		}
		next := references(r["Properties"])
		switch d := r["DependsOn"].(type) {
		case string:
			next = append(next, d)
		case []any:
			for _, e := range d {
				next = append(next, e.(string))
			}
		}
		for _, n := range next {
			if _, isResource := tpl.Resources[n]; isResource && !seen[n] {
				seen[n] = true
				visit(n)
			}
		}
	}
	visit(id)
	return seen
}

func (tpl template) ofType(typ string) []string {
	var out []string
	for id, r := range tpl.Resources {
		if r["Type"] == typ {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Every service of every committed spec is created after everything its task definitions need
// (roles, log groups), and nothing registers a task definition outside its stack, before the
// roles it names exist.
func TestServicesAreCreatedAfterWhatTheirTasksNeed(t *testing.T) {
	for _, spec := range specs(t) {
		res, err := build.Files([]string{spec}, load.Options{})
		if err != nil || res.Files == nil {
			t.Fatalf("%s: %v %s", spec, err, res.Findings)
		}
		for path, data := range res.Files {
			if strings.HasSuffix(path, "/deploy.sh") && strings.Contains(string(data), "register-task-definition") {
				t.Errorf("%s registers a task definition outside CloudFormation, before the roles it names may exist", path)
			}
			if !strings.Contains(path, "/stacks/") {
				continue
			}
			tpl := decodeTemplate(t, data)
			services := tpl.ofType("AWS::ECS::Service")
			if len(services) == 0 {
				continue
			}
			tds := tpl.ofType("AWS::ECS::TaskDefinition")
			if len(tds) == 0 {
				t.Errorf("%s: the service has no task definition in its stack", path)
			}
			for _, svc := range services {
				deps := tpl.dependencies(svc)
				var need []string
				for _, td := range tds {
					need = append(need, td)
					need = append(need, references(tpl.Resources[td]["Properties"])...)
				}
				need = append(need, tpl.ofType("AWS::Logs::LogGroup")...)
				for _, n := range need {
					if _, isResource := tpl.Resources[n]; isResource && !deps[n] {
						t.Errorf("%s: %s can be created before %s, which its tasks need", path, svc, n)
					}
				}
			}
		}
	}
}

// A CodeDeploy service survives its second deploy: after a release changes the task definition
// (image, environment), the stack update must not change the service's TaskDefinition, or ECS
// refuses the update (R50).
func TestCodeDeployServiceKeepsItsTaskDefinitionAcrossUpdates(t *testing.T) {
	src, err := os.ReadFile("../../examples/fargate-bluegreen/spec.cue")
	if err != nil {
		t.Fatal(err)
	}
	first := string(src)
	second := strings.Replace(first, "sample-prd-frontapp-repo:1.0.0", "sample-prd-frontapp-repo:1.1.0", 1)
	if second == first {
		t.Fatal("the example's image changed; update this test")
	}
	const stack = "prd/stacks/sample-prd-svc-frontapp.json"
	before, after := buildSource(t, first), buildSource(t, second)
	a, b := decodeTemplate(t, before[stack]), decodeTemplate(t, after[stack])
	if reflect.DeepEqual(a.Resources["TaskDefinition"], b.Resources["TaskDefinition"]) {
		t.Fatal("the release did not change the task definition; the test proves nothing")
	}
	svc := a.Resources["Service"]
	if svc["Properties"].(map[string]any)["DeploymentController"].(map[string]any)["Type"] != "CODE_DEPLOY" {
		t.Fatal("not a CodeDeploy service")
	}
	if !reflect.DeepEqual(svc, b.Resources["Service"]) {
		t.Error("the update changes the CodeDeploy service's properties")
	}
	// The value must not come from anything the update changes: a resource CloudFormation
	// replaces (its Ref is a new ARN) or a parameter deploy.sh passes differently.
	var plans [2]map[string]any
	for i, files := range []map[string][]byte{before, after} {
		if err := json.Unmarshal(files["prd/deploy-plan.json"], &plans[i]); err != nil {
			t.Fatal(err)
		}
	}
	taskDef := svc["Properties"].(map[string]any)["TaskDefinition"]
	for _, ref := range references(taskDef) {
		if !reflect.DeepEqual(a.Resources[ref], b.Resources[ref]) {
			t.Errorf("the service's TaskDefinition refers to %s, which the update replaces", ref)
		}
		if _, isParam := a.Parameters[ref]; isParam {
			t.Errorf("the service's TaskDefinition comes from parameter %s, whose value deploy.sh chooses", ref)
		}
	}
	// It names the family of the stack's task definition: the service starts from the revision
	// the stack registers, and deploy.sh releases the later ones through CodeDeploy.
	family := a.Resources["TaskDefinition"]["Properties"].(map[string]any)["Family"]
	if taskDef != family {
		t.Errorf("the service's TaskDefinition is %v, want the family %v", taskDef, family)
	}
	script := string(after["prd/deploy.sh"])
	if !strings.Contains(script, "--logical-resource-id TaskDefinition") || !strings.Contains(script, "deploy create-deployment") {
		t.Errorf("deploy.sh does not release the stack's revision through CodeDeploy:\n%s", script)
	}
}

// buildSource builds a spec given as source text.
func buildSource(t *testing.T, src string) map[string][]byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "spec.cue")
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := build.Files([]string{p}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files == nil {
		t.Fatalf("the spec does not build:\n%s", res.Findings)
	}
	return res.Files
}

// The production Fargate example says which subnets are public: the internet-facing load
// balancer goes there, the tasks without a public IP go to the private ones.
func TestLoadBalancerInPublicTasksInPrivateSubnets(t *testing.T) {
	res, err := build.Files([]string{"../../examples/fargate-bluegreen/spec.cue"}, load.Options{})
	if err != nil || res.Files == nil {
		t.Fatalf("%v %s", err, res.Findings)
	}
	var plan struct {
		Stacks []struct {
			Name       string            `json:"name"`
			Parameters map[string]string `json:"parameters"`
		} `json:"stacks"`
	}
	if err := json.Unmarshal(res.Files["prd/deploy-plan.json"], &plan); err != nil {
		t.Fatal(err)
	}
	params := map[string]map[string]string{}
	for _, st := range plan.Stacks {
		params[st.Name] = st.Parameters
	}
	const public, private = "subnet-0a1b2c3d4e5f60001,subnet-0a1b2c3d4e5f60002", "subnet-0123456789abcdef0,subnet-0fedcba9876543210"
	if got := params["sample-prd-cluster"]["PublicSubnets"]; got != public {
		t.Errorf("cluster stack PublicSubnets = %q", got)
	}
	if got := params["sample-prd-svc-frontapp"]["Subnets"]; got != private {
		t.Errorf("tasks' subnets = %q, want the private ones", got)
	}
	cluster := decodeTemplate(t, res.Files["prd/stacks/sample-prd-cluster.json"])
	subnets, _ := json.Marshal(cluster.Resources["FrontappLoadBalancer"]["Properties"].(map[string]any)["Subnets"])
	if string(subnets) != `{"Ref":"PublicSubnets"}` {
		t.Errorf("load balancer subnets = %s", subnets)
	}
}
