package generators

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// deployDigests are the DeployDigest outputs of the stacks Generate makes of s, by stack name
// ("" for a stack without one).
func deployDigests(t *testing.T, s *schema.Spec) map[string]string {
	t.Helper()
	files, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for name, body := range files {
		stack, ok := strings.CutPrefix(name, s.Env+"/stacks/")
		if !ok {
			continue
		}
		out[strings.TrimSuffix(stack, ".json")] = DeployDigestOf(body)
	}
	return out
}

// TestDeployDigest: a stack that a deploy of the same template leaves as it is outputs the
// digest of what deploy.sh deploys to it; the digest is stable, changes with the template and
// with a parameter deploy.sh passes (the rest of the template unchanged), and with nothing of
// another stack. The cluster stack that reads its AMI from SSM has none, since an
// unchanged deploy of it can still change it; a Fargate cluster stack has one.
func TestDeployDigest(t *testing.T) {
	hex64 := regexp.MustCompile(`^[0-9a-f]{64}$`)
	base := deployDigests(t, spec())
	if d := base["demo-dev-svc-web"]; !hex64.MatchString(d) {
		t.Fatalf("service stack digest %q, want 64 hex digits", d)
	}
	if d := base["demo-dev-cluster"]; d != "" {
		t.Errorf("the cluster stack reads its AMI from SSM at each deploy, yet outputs a deploy digest %q", d)
	}
	if again := deployDigests(t, spec()); again["demo-dev-svc-web"] != base["demo-dev-svc-web"] {
		t.Errorf("the digest changed between two builds of one spec: %q, %q", base["demo-dev-svc-web"], again["demo-dev-svc-web"])
	}

	withAPI := func(s *schema.Spec) *schema.Spec {
		api := s.Services["web"]
		api.CPU, api.Memory = 512, 1024
		s.Services["api"] = api
		return s
	}
	two := deployDigests(t, withAPI(spec()))
	web := func(s *schema.Spec) {
		svc := s.Services["web"]
		svc.Memory = 1024
		s.Services["web"] = svc
	}
	got := deployDigests(t, withAPI(func() *schema.Spec { s := spec(); web(s); return s }()))
	if got["demo-dev-svc-web"] == two["demo-dev-svc-web"] {
		t.Errorf("the web service's template changed, its digest did not")
	}
	if got["demo-dev-svc-api"] != two["demo-dev-svc-api"] {
		t.Errorf("a change of the web service changed the api stack's digest")
	}
	// The subnets are a parameter deploy.sh passes: the template stays, the digest does not.
	s := withAPI(spec())
	s.Network.Subnets = []string{"subnet-0fedcba9876543210"}
	files, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	before, err := Generate(withAPI(spec()))
	if err != nil {
		t.Fatal(err)
	}
	stack := "dev/stacks/demo-dev-svc-web.json"
	if d := deployDigests(t, s)["demo-dev-svc-web"]; d == two["demo-dev-svc-web"] {
		t.Errorf("the subnets deploy.sh passes changed, the digest did not")
	} else if strings.Replace(string(files[stack]), d, two["demo-dev-svc-web"], 1) != string(before[stack]) {
		t.Errorf("the subnets changed more of the template than its digest")
	}

	fargate := spec()
	fargate.Cluster.Capacity.EC2 = nil // the services run on FARGATE, the default strategy
	if d := deployDigests(t, fargate)["demo-dev-cluster"]; !hex64.MatchString(d) {
		t.Errorf("a Fargate cluster stack reads nothing from SSM, yet outputs no deploy digest (%q)", d)
	}
}
