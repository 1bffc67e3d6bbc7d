package examples_test

// The deploy test: runs the generated deploy.sh itself, end to end, against moto on 127.0.0.1,
// twice; the second run must converge and change nothing (no stack updated, no task definition
// registered, no CodeDeploy deployment started).
//
// moto is started through testdata/motoserver.py, which makes moto 5.2.1 behave as AWS
// documents in the few places where it would stop deploy.sh; each patch is named and explained
// there. What a run against moto cannot prove (IAM role validation, capacity providers, scaling,
// a CodeDeploy deployment's traffic shift, health checks) is listed in docs/real-account.md.
//
// deploy.sh runs on a copy of the output directory in which the external IDs (VPC, subnets,
// security groups, certificates) are replaced by stand-ins created in moto (see externalIDs), as
// the artifacts gate does; every other byte is the committed output.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecsgen/ecsgen/generators"
)

// deployExamples are the outputs whose deploy.sh runs end to end: a CodeDeploy blue/green
// service, ECS-native blue/green, EC2 capacity with an ALB and rolling updates, and a
// production environment with managed termination protection, and a VPC that ecsgen creates
// (a stack of its own that the others import, and a service that imports another team's export).
var deployExamples = []string{
	"fargate-bluegreen/out/prd",
	"fargate-canary/out/stg",
	"alb-rolling/out/dev",
	"multi-env/out/prod",
	"created-network/out/stg",
}

// motoLauncher is the script that starts moto with the patches deploy.sh needs.
const motoLauncher = "testdata/motoserver.py"

func TestDeployScript(t *testing.T) {
	if testing.Short() {
		t.Skip("runs deploy.sh against moto: not in -short")
	}
	requireDeployTools(t)
	for _, dir := range deployExamples {
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			m := startMotoWith(t, abs(motoLauncher))
			d := newDeployment(t, m, dir)
			// The environments with the most service stacks deploy first with --parallel=3
			// (background jobs running the real AWS CLI side by side), the others one stack
			// after the other; every second run is one after the other.
			var args []string
			if dir == "multi-env/out/prod" || dir == "created-network/out/stg" {
				args = []string{"--parallel=3"}
			}
			d.run(t, args...)
			first := d.state(t)
			if len(first.Stacks) != len(d.plan.Stacks) {
				t.Fatalf("%d stacks after deploy.sh, the plan has %d", len(first.Stacks), len(d.plan.Stacks))
			}
			d.checkServices(t, first)
			out := d.run(t)
			second := d.state(t)
			if diff := first.diff(second); diff != "" {
				t.Errorf("the second run of deploy.sh changed the environment:\n%s\noutput:\n%s", diff, out)
			}
			// The stacks deployed as built are skipped: the real AWS CLI's answer to the
			// describe-stacks query carries each stack's DeployDigest output.
			for _, stack := range d.skippable(t) {
				if !strings.Contains(out, "Stack "+stack+" is deployed as built: skipped.") {
					t.Errorf("the second run of deploy.sh deployed stack %s again, deployed as built:\n%s", stack, out)
				}
			}
		})
	}
}

// TestDeployScriptRecordsDigests: an environment deployed before its templates carried
// DeployDigest (by an earlier ecsgen) is updated once, to record the output — a change set
// whose only change is an output is executed, on AWS as on moto — and skipped from then on;
// --force deploys it all the same.
func TestDeployScriptRecordsDigests(t *testing.T) {
	if testing.Short() {
		t.Skip("runs deploy.sh against moto: not in -short")
	}
	requireDeployTools(t)
	m := startMotoWith(t, abs(motoLauncher))
	d := newDeployment(t, m, "alb-rolling/out/dev")
	skippable := d.skippable(t)
	built := map[string][]byte{}
	for _, s := range d.plan.Stacks {
		path := filepath.Join(d.dir, s.Template)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var tpl map[string]any
		if err := json.Unmarshal(raw, &tpl); err != nil {
			t.Fatal(err)
		}
		outputs, _ := tpl["Outputs"].(map[string]any)
		if _, ok := outputs["DeployDigest"]; !ok {
			continue
		}
		built[path] = raw
		delete(outputs, "DeployDigest")
		if len(outputs) == 0 {
			delete(tpl, "Outputs")
		}
		earlier, err := json.MarshalIndent(tpl, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, earlier, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d.run(t)
	for path, raw := range built {
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	skipped := func(out string) (n int) {
		for _, stack := range skippable {
			if strings.Contains(out, "Stack "+stack+" is deployed as built: skipped.") {
				n++
			}
		}
		return n
	}
	out := d.run(t)
	if skipped(out) != 0 {
		t.Errorf("deploy.sh skipped stacks deployed without their digest:\n%s", out)
	}
	// The change set adds the output alone: executed and followed by deploy.sh, not polled
	// every 30 seconds by the AWS CLI.
	for _, stack := range skippable {
		if !strings.Contains(out, "Stack "+stack+" takes its DeployDigest output: no resource changes.") {
			t.Errorf("stack %s did not take its DeployDigest output as an outputs-only update:\n%s", stack, out)
		}
	}
	if out := d.run(t); skipped(out) != len(skippable) {
		t.Errorf("deploy.sh did not skip the %d stacks deployed as built:\n%s", len(skippable), out)
	}
	if out := d.run(t, "--force"); skipped(out) != 0 {
		t.Errorf("deploy.sh --force skipped stacks:\n%s", out)
	}
}

// skippable are the stacks whose templates output a deploy digest, which deploy.sh skips
// when they are deployed as built.
func (d *deployment) skippable(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, s := range d.plan.Stacks {
		raw, err := os.ReadFile(filepath.Join(d.dir, s.Template))
		if err != nil {
			t.Fatal(err)
		}
		if generators.DeployDigestOf(raw) != "" {
			out = append(out, s.Name)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no stack outputs a deploy digest", d.dir)
	}
	return out
}

// requireDeployTools skips (or, under ECSGEN_REQUIRE_GATE=1, fails) without bash, the AWS
// CLI and moto.
func requireDeployTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"aws", "bash", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			unavailable(t, "deploy test: %s not found in PATH", tool)
		}
	}
	if out, err := exec.Command("python3", "-c", "import moto.server").CombinedOutput(); err != nil {
		unavailable(t, "deploy test: python moto server not importable: %v\n%s", err, out)
	}
}

// deployment is a copy of one environment's output, with stand-ins for its external IDs,
// deployed into one moto server.
type deployment struct {
	m      *motoServer
	dir    string // the copy deploy.sh runs in
	region string
	plan   deployPlan
}

// newDeployment copies the output directory src into a temporary directory, creates stand-ins
// in moto for the external IDs it names and writes them into the copy.
func newDeployment(t *testing.T, m *motoServer, src string) *deployment {
	t.Helper()
	plan, templates := readPlan(t, src)
	subst := m.externalIDs(t, plan.Region, plan, templates)
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	copyOutput(t, src, dst, subst)
	plan, templates = readPlan(t, dst)
	m.externalExports(t, plan.Region, t.TempDir(), plan, templates)
	return &deployment{m: m, dir: dst, region: plan.Region, plan: plan}
}

func readPlan(t *testing.T, dir string) (deployPlan, map[string]*template) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "deploy-plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var plan deployPlan
	if err := json.Unmarshal(raw, &plan); err != nil {
		t.Fatalf("%s/deploy-plan.json: %v", dir, err)
	}
	templates := map[string]*template{}
	for _, s := range plan.Stacks {
		tpl, err := loadTemplate(filepath.Join(dir, s.Template))
		if err != nil {
			t.Fatal(err)
		}
		templates[s.Name] = tpl
	}
	return plan, templates
}

// copyOutput copies an output directory, replacing the external IDs in every file, and
// deploying network listener protocols as moto can (motoShim) in the stacks.
func copyOutput(t *testing.T, src, dst string, subst map[string]string) {
	t.Helper()
	keys := sortedKeys(subst)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, from := range keys {
			b = bytes.ReplaceAll(b, []byte(from), []byte(subst[from]))
		}
		if strings.HasPrefix(filepath.ToSlash(rel), "stacks/") && strings.HasSuffix(rel, ".json") {
			if b, err = motoShim(b); err != nil {
				return fmt.Errorf("%s: %v", rel, err)
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// run runs deploy.sh with the extra arguments (flags of deploy.sh and of the aws CLI; the
// endpoint of moto is added), fails the test if it fails, and returns its output.
func (d *deployment) run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := d.script(t, "deploy.sh", args...)
	if err != nil {
		t.Fatalf("deploy.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// script runs one of the environment's scripts against moto and returns its combined output.
func (d *deployment) script(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	all := append([]string{filepath.Join(d.dir, name)}, args...)
	all = append(all, "--endpoint-url", d.m.endpoint)
	cmd := exec.CommandContext(ctxTimeout(t, 10*time.Minute), "bash", all...)
	// Poll CodeDeploy deployments and Auto Scaling groups every second, not every 15.
	cmd.Env = append(d.m.env(d.region), "ECSGEN_POLL_SECONDS=1")
	cmd.Dir = d.m.home
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	t.Logf("%s %s: %.1fs", name, strings.Join(args, " "), time.Since(start).Seconds())
	return out.String(), err
}

// envState is what a deploy can change, read by testdata/envstate.py in one process: every
// stack, the services, the task definitions and the CodeDeploy deployments.
type envState struct {
	Stacks map[string]struct {
		Status, LastUpdated string
		Events              int
		Tags, Outputs       map[string]string
	}
	Services map[string]struct {
		Status, TaskDefinition string
		DesiredCount           int
	}
	TaskDefinitions []string
	Deployments     []string
}

func (d *deployment) state(t *testing.T) envState {
	t.Helper()
	cmd := exec.CommandContext(ctxTimeout(t, awsCallTimeout), "python3", abs("testdata/envstate.py"), d.m.endpoint, d.region)
	cmd.Env = d.m.env(d.region)
	cmd.Dir = d.m.home
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("envstate.py: %v\n%s", err, stderr.String())
	}
	var st envState
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatalf("envstate.py: %v\n%s", err, out)
	}
	// The stand-in for other teams' exports is not the environment's.
	delete(st.Stacks, externalExportsStack)
	return st
}

// diff says what differs between two states, one line per stack, service or list.
func (a envState) diff(b envState) string {
	var lines []string
	for _, name := range sortedKeys(a.Stacks) {
		x, y := a.Stacks[name], b.Stacks[name]
		if _, ok := b.Stacks[name]; !ok {
			lines = append(lines, fmt.Sprintf("stack %s: gone", name))
		} else if x.Status != y.Status || x.LastUpdated != y.LastUpdated || x.Events != y.Events {
			lines = append(lines, fmt.Sprintf("stack %s: %+v -> %+v", name, x, y))
		}
	}
	for _, name := range sortedKeys(b.Stacks) {
		if _, ok := a.Stacks[name]; !ok {
			lines = append(lines, fmt.Sprintf("stack %s: new, %+v", name, b.Stacks[name]))
		}
	}
	for _, arn := range sortedKeys(b.Services) {
		if a.Services[arn] != b.Services[arn] {
			lines = append(lines, fmt.Sprintf("service %s: %+v -> %+v", arn, a.Services[arn], b.Services[arn]))
		}
	}
	if !slices.Equal(a.TaskDefinitions, b.TaskDefinitions) {
		lines = append(lines, fmt.Sprintf("task definitions: %v -> %v", a.TaskDefinitions, b.TaskDefinitions))
	}
	if !slices.Equal(a.Deployments, b.Deployments) {
		lines = append(lines, fmt.Sprintf("CodeDeploy deployments: %v -> %v", a.Deployments, b.Deployments))
	}
	return strings.Join(lines, "\n")
}

// checkServices: every service of the plan's templates is ACTIVE after the deploy.
func (d *deployment) checkServices(t *testing.T, st envState) {
	t.Helper()
	_, templates := readPlan(t, d.dir)
	want := 0
	for _, s := range d.plan.Stacks {
		want += len(templates[s.Name].resourcesOfType("AWS::ECS::Service"))
	}
	active := 0
	for arn, svc := range st.Services {
		if svc.Status != "ACTIVE" {
			t.Errorf("service %s: %s", arn, svc.Status)
			continue
		}
		active++
	}
	if active != want {
		t.Errorf("%d services ACTIVE, the stacks declare %d: %v", active, want, sortedKeys(st.Services))
	}
}

func (d *deployment) awsJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out, err := d.m.aws(t, d.region, args...)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
