package deployed

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/build"
	_ "github.com/ecsgen/ecsgen/internal/golden" // defines -update for this package
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/internal/motoserver"
	"github.com/ecsgen/ecsgen/schema"
)

// account starts moto and connects to it, or skips the test where moto or the aws CLI is
// missing (fatal under ECSGEN_REQUIRE_GATE=1, as in CI).
func account(t *testing.T) (*Account, *motoserver.Server) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: needs moto")
	}
	why := motoserver.Available()
	if _, err := exec.LookPath("aws"); err != nil && why == "" {
		why = "the aws CLI is not installed"
	}
	if why != "" {
		if os.Getenv("ECSGEN_REQUIRE_GATE") == "1" {
			t.Fatal(why + " (ECSGEN_REQUIRE_GATE=1)")
		}
		t.Skip(why)
	}
	m := motoserver.Start(t)
	m.Setenv(t, "us-east-1")
	a, err := Connect(context.Background(), Options{}, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	return a, m
}

// awsCLI runs the real aws CLI against moto and returns its trimmed output.
func awsCLI(t *testing.T, m *motoserver.Server, args ...string) string {
	t.Helper()
	cmd := exec.Command("aws", append(args, "--output", "text")...)
	cmd.Env = m.Env("us-east-1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

// network creates a VPC and two subnets in moto for the spec to name.
func network(t *testing.T, m *motoserver.Server) map[string]string {
	vpc := awsCLI(t, m, "ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--query", "Vpc.VpcId")
	a := awsCLI(t, m, "ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/24", "--availability-zone", "us-east-1a", "--query", "Subnet.SubnetId")
	b := awsCLI(t, m, "ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.2.0/24", "--availability-zone", "us-east-1b", "--query", "Subnet.SubnetId")
	return map[string]string{"VPC_ID": vpc, "SUBNET_A": a, "SUBNET_B": b}
}

// buildSpec builds testdata/web.cue with the placeholders replaced.
func buildSpec(t *testing.T, values map[string]string) (*schema.Spec, generators.Files) {
	t.Helper()
	src, err := os.ReadFile("testdata/web.cue")
	if err != nil {
		t.Fatal(err)
	}
	text := string(src)
	for k, v := range values {
		text = strings.ReplaceAll(text, k, v)
	}
	file := filepath.Join(t.TempDir(), "spec.cue")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := build.Files([]string{file}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Findings.HasErrors() {
		t.Fatalf("spec: %v", res.Findings)
	}
	return res.Spec, res.Files
}

// deploy creates every stack of the environment in moto, in plan order, with create-stack
// (moto computes exports for Fn::ImportValue only there, not under change sets).
func deploy(t *testing.T, m *motoserver.Server, stacks []Stack) {
	t.Helper()
	for _, st := range stacks {
		file := filepath.Join(t.TempDir(), st.Name+".json")
		if err := os.WriteFile(file, st.Template, 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"cloudformation", "create-stack", "--stack-name", st.Name, "--template-body", "file://" + file}
		if len(st.Capabilities) > 0 {
			args = append(append(args, "--capabilities"), st.Capabilities...)
		}
		if len(st.Parameters) > 0 {
			args = append(args, "--parameters")
			for _, k := range sortedKeys(st.Parameters) {
				args = append(args, "ParameterKey="+k+",ParameterValue='"+st.Parameters[k]+"'")
			}
		}
		awsCLI(t, m, args...)
		awsCLI(t, m, "cloudformation", "wait", "stack-create-complete", "--stack-name", st.Name)
	}
}

// runGenerated registers the generated task definitions with the real aws CLI and points each
// service at its revision. moto 5.2.1's model of AWS::ECS::TaskDefinition drops most
// properties (Cpu, NetworkMode, the roles, RequiresCompatibilities, RuntimePlatform, Tags),
// while AWS registers all of them; the revision registered through the ECS API is what AWS
// holds after the stack's deploy.
func runGenerated(t *testing.T, m *motoserver.Server, spec *schema.Spec, files generators.Files) {
	t.Helper()
	for _, key := range sortedKeys(spec.Services) {
		file := filepath.Join(t.TempDir(), key+".json")
		if err := os.WriteFile(file, files[spec.Env+"/taskdefs/"+key+".json"], 0o644); err != nil {
			t.Fatal(err)
		}
		arn := awsCLI(t, m, "ecs", "register-task-definition", "--cli-input-json", "file://"+file, "--query", "taskDefinition.taskDefinitionArn")
		awsCLI(t, m, "ecs", "update-service", "--cluster", generators.ClusterName(spec), "--service", generators.ServiceName(spec, key), "--task-definition", arn, "--query", "service.serviceName")
	}
}

// webEnvironment builds testdata/web.cue with image tag 1.27 in moto's network, and returns
// the placeholders' values, the spec, its files and its stacks and services.
func webEnvironment(t *testing.T, m *motoserver.Server) (map[string]string, *schema.Spec, generators.Files, []Stack, []Service) {
	t.Helper()
	values := network(t, m)
	values["IMAGE_TAG"] = "1.27"
	spec, files := buildSpec(t, values)
	stacks, services, err := Environment(spec, files)
	if err != nil {
		t.Fatal(err)
	}
	return values, spec, files, stacks, services
}

func TestDiffAgainstMoto(t *testing.T) {
	a, m := account(t)
	values, spec, files, stacks, services := webEnvironment(t, m)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Nothing deployed: every stack is new, every service missing.
	r, err := a.Diff(ctx, stacks, services)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Changed() {
		t.Fatal("nothing deployed, yet the diff says a deploy would change nothing")
	}
	for _, s := range r.Stacks {
		if !s.New || len(s.Changes) == 0 {
			t.Errorf("stack %s: want new with its resources, got %+v", s.Stack, s)
		}
	}
	for _, td := range r.TaskDefinitions {
		if td.Deployed {
			t.Errorf("service %s: reported as deployed", td.Service)
		}
	}

	// Deployed as generated: no change at all, the task definition equal once normalised.
	deploy(t, m, stacks)
	runGenerated(t, m, spec, files)
	r, err = a.Diff(ctx, stacks, services)
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	r.WriteText(&text, "dev")
	if r.Changed() {
		t.Fatalf("deployed as generated, yet the diff shows changes:\n%s", text.String())
	}
	if !strings.Contains(text.String(), "task definition unchanged") {
		t.Errorf("the report does not say the task definition is unchanged:\n%s", text.String())
	}
	// A stack that outputs the deploy digest of its template needs no change set.
	asBuilt := 0
	for i, s := range r.Stacks {
		if want := generators.DeployDigestOf(stacks[i].Template) != ""; s.AsBuilt != want {
			t.Errorf("stack %s: deployed as built %v, want %v", s.Stack, s.AsBuilt, want)
		}
		if s.AsBuilt {
			asBuilt++
		}
	}
	if asBuilt == 0 || !strings.Contains(text.String(), "(deployed as built: it outputs this template's deploy digest)") {
		t.Errorf("no stack compared by its deploy digest:\n%s", text.String())
	}

	// A new image tag: the service's stack changes and the task definition diff names it.
	values["IMAGE_TAG"] = "1.28"
	spec, files = buildSpec(t, values)
	stacks, services, err = Environment(spec, files)
	if err != nil {
		t.Fatal(err)
	}
	r, err = a.Diff(ctx, stacks, services)
	if err != nil {
		t.Fatal(err)
	}
	text.Reset()
	r.WriteText(&text, "dev")
	if !r.Changed() {
		t.Fatalf("the image changed, yet the diff shows nothing:\n%s", text.String())
	}
	if !strings.Contains(text.String(), `+      "image": "public.ecr.aws/nginx/nginx:1.28"`) ||
		!strings.Contains(text.String(), `-      "image": "public.ecr.aws/nginx/nginx:1.27"`) {
		t.Errorf("the task definition diff does not show the new image:\n%s", text.String())
	}
	t.Logf("diff after an image change:\n%s", text.String())
	for _, s := range r.Stacks {
		if s.AsBuilt && len(s.Changes) > 0 {
			t.Errorf("stack %s: deployed as built, with changes", s.Stack)
		}
		if strings.Contains(s.Stack, "svc-web") && (s.AsBuilt || len(s.Changes) == 0) {
			t.Errorf("stack %s: its template changed, yet it is deployed as built %v, with %d changes", s.Stack, s.AsBuilt, len(s.Changes))
		}
	}

	// The change sets were deleted again.
	out := awsCLI(t, m, "cloudformation", "list-change-sets", "--stack-name", stacks[len(stacks)-1].Name, "--query", "length(Summaries)")
	if out != "0" {
		t.Errorf("%s change sets left behind", out)
	}
}

// barrierClient is an HTTP client that holds the first request until a second one starts (or
// 20 seconds pass), and counts the requests in flight: a diff that compared one stack after
// the other would never start a second.
type barrierClient struct {
	inner  aws.HTTPClient
	second chan struct{} // closed when the second request starts

	mu                     sync.Mutex
	started, inFlight, max int
	gaveUp                 bool // the first request waited 20 seconds for a second
}

func (b *barrierClient) Do(req *http.Request) (*http.Response, error) {
	b.mu.Lock()
	b.started++
	n := b.started
	b.inFlight++
	b.max = max(b.max, b.inFlight)
	if n == 2 {
		close(b.second)
	}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.inFlight--
		b.mu.Unlock()
	}()
	if n == 1 {
		select {
		case <-b.second:
		case <-time.After(20 * time.Second):
			b.mu.Lock()
			b.gaveUp = true
			b.mu.Unlock()
		}
	}
	return b.inner.Do(req)
}

// Diff compares several stacks and services at once (a change set takes seconds: 1002 stacks
// one by one took over an hour), and reports them in the order given.
func TestDiffComparesSeveralAtOnce(t *testing.T) {
	_, m := account(t)
	_, _, _, stacks, services := webEnvironment(t, m)
	if len(stacks) < 2 {
		t.Fatalf("%d stacks: too few to compare at once", len(stacks))
	}
	deploy(t, m, stacks)
	client := &barrierClient{second: make(chan struct{})}
	wrap := func(inner aws.HTTPClient) aws.HTTPClient { client.inner = inner; return client }
	a, err := Connect(context.Background(), Options{wrapHTTP: wrap}, "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	r, err := a.Diff(ctx, stacks, services)
	if err != nil {
		t.Fatal(err)
	}
	if client.gaveUp || client.max < 2 {
		t.Errorf("at most %d request in flight: the diff compared one stack after the other", client.max)
	}
	for i, st := range stacks {
		if r.Stacks[i].Stack != st.Name || r.Stacks[i].New {
			t.Errorf("stack %d: %s (new %v), want %s, deployed", i, r.Stacks[i].Stack, r.Stacks[i].New, st.Name)
		}
	}
	for i, svc := range services {
		if r.TaskDefinitions[i].Service != svc.Key {
			t.Errorf("service %d: %s, want %s", i, r.TaskDefinitions[i].Service, svc.Key)
		}
	}
	// Cancelled (Ctrl-C): an error, never a report with stacks missing.
	cancelled, stop := context.WithCancel(context.Background())
	stop()
	if r, err := a.Diff(cancelled, stacks, services); !errors.Is(err, context.Canceled) || r != nil {
		t.Errorf("a cancelled diff: report %v, error %v", r, err)
	}
}
