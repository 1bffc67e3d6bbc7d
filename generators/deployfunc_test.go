package generators

import (
	"os"
	"strings"
	"testing"
	"text/template"

	"github.com/ecsgen/ecsgen/internal/textdiff"
	"github.com/ecsgen/ecsgen/templates"
)

// TestStackFunctionsAsTheTemplateWroteThem: the functions deploying the stacks are the bytes
// the template they replace wrote (testdata/deploy-stack-functions.tmpl, the range of
// deploy.sh.tmpl as it was), for every combination of what a stack's function holds: a
// template over the inline limit, capabilities, parameters, retained log groups, a CodeDeploy
// release, live traffic read from a listener or a rule, an autoscaled task count, a deploy
// digest (skipped when deployed as built); with names that need quoting. The examples' deploy.sh (golden files) cover the combinations they have.
func TestStackFunctionsAsTheTemplateWroteThem(t *testing.T) {
	text, err := os.ReadFile("testdata/deploy-stack-functions.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	old := template.Must(template.New("").Funcs(template.FuncMap{
		"shquote": templates.ShellQuote,
		"join":    strings.Join,
		"release": func(fn string) string { return "release_" + strings.TrimPrefix(fn, "deploy_") },
	}).Parse(string(text)))

	d := scriptData{InlineLimit: MaxInlineTemplateBytes, BucketVariable: TemplateBucketVariable,
		QTagSystem: templates.ShellQuote("ecsgen:system=sys tem"), QTagEnv: templates.ShellQuote("ecsgen:env=dev")}
	const features = 9
	for mask := range 1 << features {
		has := func(i int) bool { return mask&(1<<i) != 0 }
		name := "stack-" + strings.Repeat("x", mask%3)
		if mask%5 == 0 {
			name = "it's a stack" // quoted for the shell
		}
		st := deployStack{Name: name, Description: "Stack with features " + string(rune('A'+mask%26)),
			Template: "stacks/" + name + ".json", Function: "deploy_stack_" + strings.Repeat("y", mask%4), Bytes: 1000 + mask,
			S3Bucket: has(0)}
		if has(1) {
			st.Capabilities = []string{"CAPABILITY_NAMED_IAM"}
		}
		if has(2) {
			st.ParameterOverrides = []string{"Subnets=subnet-1,subnet-2", "Note=it's"}
		}
		if has(3) {
			st.LogGroups = []string{"/ecs/app", "/ecs/it's"}
		}
		if has(4) {
			st.Release = &codeDeployRelease{Application: "app", DeploymentGroup: "group one", Cluster: "c", Service: "svc",
				TaskDefinition: "TaskDefinition", CreateDeployment: "codedeploy/svc.json"}
		}
		if has(5) {
			st.LiveTraffic = &liveTraffic{Listener: "Listener"}
			if has(6) {
				st.LiveTraffic = &liveTraffic{Rule: "ListenerRule"}
			}
		}
		if has(7) {
			st.DesiredCount = &liveDesiredCount{Cluster: "the cluster", Service: "svc", Initial: mask % 7}
		}
		st.Skippable = has(8)
		st.QName, st.QTemplate = templates.ShellQuote(st.Name), templates.ShellQuote(st.Template)
		st.QCapabilities, st.QParameterOverrides = shellQuoted(st.Capabilities), shellQuoted(st.ParameterOverrides)
		d.Stacks = append(d.Stacks, st)
	}
	var want strings.Builder
	if err := old.Execute(&want, d); err != nil {
		t.Fatal(err)
	}
	var w templates.Writer
	if err := writeStackFunctions(&w, &d); err != nil {
		t.Fatal(err)
	}
	got := string(w.Bytes())
	if got != want.String() {
		t.Errorf("the stacks' functions differ from the template's:\n%s", textdiff.Unified("template", "deployfunc.go", []byte(want.String()), []byte(got)))
	}
	if len(d.Stacks) != 1<<features || !strings.Contains(got, "--s3-bucket") || !strings.Contains(got, "describe-rules") ||
		!strings.Contains(got, "    release_stack_") {
		t.Errorf("the cases do not cover every feature")
	}
}
