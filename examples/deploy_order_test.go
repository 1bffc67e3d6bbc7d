package examples_test

// The order deploy.sh chooses when the cluster stack removes a capacity provider, proven
// against recorded answers of the AWS CLI: moto records no capacity provider strategy on a
// service, so the lifecycle tests cannot reach this logic. A fake `aws` first on PATH answers
// the few reads deploy.sh makes (describe-stacks, list-services, describe-services,
// describe-clusters) from the test's table and logs every call; the test reads the order of
// the `cloudformation deploy` calls from the log.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fakeAWS answers by the words of the call; ANSWER_<key> environment variables hold the
// answers, CALLS the log file.
const fakeAWS = `#!/bin/bash
echo "$*" >>"$CALLS"
case "$*" in
  *"cloudformation describe-stacks"*Outputs*) ;;
  *"cloudformation describe-stacks"*) printf '%b\n' "$ANSWER_STACKS" ;;
  *"ecs list-services"*) printf '%b\n' "$ANSWER_SERVICES" ;;
  *"ecs describe-services"*capacityProvider*) printf '%b\n' "$ANSWER_IN_USE" ;;
  *"ecs describe-services"*) ;;
  *"ecs describe-clusters"*) printf '%b\n' "$ANSWER_PROVIDERS" ;;
  *"cloudformation deploy"*) ;;
  *) echo "fake aws: unexpected call: $*" >&2; exit 2 ;;
esac
`

func TestDeployOrderCapacity(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	// v3 of the ec2-capacity scenario: the cluster keeps only capacity compute.
	envDir := buildInto(t, "testdata/lifecycle/ec2-capacity/v3.cue", t.TempDir())
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "aws"), []byte(fakeAWS), 0o755); err != nil {
		t.Fatal(err)
	}
	stacks := `life-ec2-cluster\tUPDATE_COMPLETE\tlife\tec2\nlife-ec2-svc-worker\tUPDATE_COMPLETE\tlife\tec2`
	for _, c := range []struct {
		name                string
		inUse, providers    string
		wantOrder, wantText string
		wantExit            bool
	}{
		{name: "unchanged capacity: cluster first", inUse: "life-ec2-compute", providers: "life-ec2-compute",
			wantOrder: "life-ec2-cluster life-ec2-svc-worker"},
		{name: "service leaves a capacity the cluster removes: services first", inUse: "life-ec2-general", providers: "life-ec2-general\tlife-ec2-compute",
			wantOrder: "life-ec2-svc-worker life-ec2-cluster", wantText: "service stacks first"},
		{name: "rename in one deploy: stopped before any change", inUse: "life-ec2-general", providers: "life-ec2-general",
			wantExit: true, wantText: "Deploy in two steps"},
	} {
		t.Run(c.name, func(t *testing.T) {
			calls := filepath.Join(t.TempDir(), "calls")
			cmd := exec.Command("bash", filepath.Join(envDir, "deploy.sh"))
			cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "CALLS="+calls,
				"ANSWER_STACKS="+stacks, "ANSWER_SERVICES=arn:aws:ecs:ap-northeast-1:123456789012:service/life-ec2/life-ec2-worker",
				"ANSWER_IN_USE="+c.inUse, "ANSWER_PROVIDERS="+c.providers)
			out, err := cmd.CombinedOutput()
			if c.wantExit != (err != nil) {
				t.Fatalf("deploy.sh: %v (want failure: %v)\n%s", err, c.wantExit, out)
			}
			if !strings.Contains(string(out), c.wantText) {
				t.Errorf("deploy.sh says no %q:\n%s", c.wantText, out)
			}
			log, _ := os.ReadFile(calls)
			var order []string
			for _, line := range strings.Split(string(log), "\n") {
				if strings.Contains(line, "cloudformation deploy") {
					f := strings.Fields(line[strings.Index(line, "--stack-name"):])
					order = append(order, f[1])
				}
			}
			if got := strings.Join(order, " "); got != c.wantOrder {
				t.Errorf("stacks deployed in order %q, want %q\ncalls:\n%s", got, c.wantOrder, log)
			}
		})
	}
}
