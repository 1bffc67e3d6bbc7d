package benchspec_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/load"
)

// The CDK app that scripts/bench times against ecsgen (scripts/bench-cdk/app.js) must be the
// same scenario as the generated spec: it synthesises, with the same stacks, and each
// service's stack has what ecsgen's has (a service, its containers, a listener rule, target
// tracking). Four services cover the shapes: behind a load balancer with autoscaling, EC2
// bridge, Fargate, EC2 awsvpc.
func TestCDKPeerIsTheSameScenario(t *testing.T) {
	const n = 4
	peer, err := filepath.Abs("../../scripts/bench-cdk")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(peer, "node_modules", "aws-cdk-lib")); err != nil {
		t.Skip("the CDK peer is not installed: npm ci --prefix scripts/bench-cdk")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	if testing.Short() {
		t.Skip("synthesising the CDK app takes about 10 s of CPU")
	}

	out := t.TempDir()
	cmd := exec.Command("node", "app.js")
	cmd.Dir = peer
	cmd.Env = append(os.Environ(), "BENCH_SERVICES="+strconv.Itoa(n), "CDK_OUTDIR="+out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node app.js: %v\n%s", err, msg)
	}
	var manifest struct {
		Artifacts map[string]struct {
			Type       string
			Properties struct{ TemplateFile, StackName string }
		}
	}
	readJSON(t, filepath.Join(out, "manifest.json"), &manifest)
	cdkStacks := map[string]map[string]int{} // stack name → resource type → count
	for _, a := range manifest.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		var tmpl struct {
			Resources map[string]struct{ Type string }
		}
		readJSON(t, filepath.Join(out, a.Properties.TemplateFile), &tmpl)
		cdkStacks[a.Properties.StackName] = countTypes(tmpl.Resources)
	}

	dir := t.TempDir()
	spec := filepath.Join(dir, "spec.cue")
	if err := os.WriteFile(spec, []byte(benchspec.Spec(n)), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := build.Files([]string{spec}, load.Options{})
	if err != nil || res.Files == nil {
		t.Fatalf("ecsgen build: %v %v", err, res.Findings)
	}
	ecsgenStacks := map[string]map[string]int{}
	for p, b := range res.Files {
		if path.Dir(p) != "perf/stacks" {
			continue
		}
		var tmpl struct {
			Resources map[string]struct{ Type string }
		}
		if err := json.Unmarshal(b, &tmpl); err != nil {
			t.Fatal(err)
		}
		ecsgenStacks[strings.TrimSuffix(path.Base(p), ".json")] = countTypes(tmpl.Resources)
	}

	names := func(m map[string]map[string]int) []string {
		return slices.Sorted(func(yield func(string) bool) {
			for k := range m {
				if !yield(k) {
					return
				}
			}
		})
	}
	if len(ecsgenStacks) != n+1 {
		t.Fatalf("ecsgen made %d stacks, not a cluster stack and %d service stacks: %v", len(ecsgenStacks), n, names(ecsgenStacks))
	}
	if got, want := names(cdkStacks), names(ecsgenStacks); !slices.Equal(got, want) {
		t.Fatalf("the CDK app makes the stacks %v, ecsgen %v", got, want)
	}
	for i := range n {
		stack := "bench-perf-svc-" + benchspec.Name(i)
		for _, typ := range []string{"AWS::ECS::Service", "AWS::ECS::TaskDefinition", "AWS::ElasticLoadBalancingV2::ListenerRule",
			"AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::ApplicationAutoScaling::ScalableTarget", "AWS::ApplicationAutoScaling::ScalingPolicy"} {
			if got, want := cdkStacks[stack][typ], ecsgenStacks[stack][typ]; got != want {
				t.Errorf("%s: the CDK app has %d %s, ecsgen %d", stack, got, typ, want)
			}
		}
	}
	for _, typ := range []string{"AWS::ECS::Cluster", "AWS::AutoScaling::AutoScalingGroup", "AWS::ECS::CapacityProvider",
		"AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener"} {
		if got, want := cdkStacks["bench-perf-cluster"][typ], ecsgenStacks["bench-perf-cluster"][typ]; got != want {
			t.Errorf("cluster stack: the CDK app has %d %s, ecsgen %d", got, typ, want)
		}
	}
}

func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func countTypes(resources map[string]struct{ Type string }) map[string]int {
	m := map[string]int{}
	for _, r := range resources {
		m[r.Type]++
	}
	return m
}
