package examples_test

// deploy.sh against recorded answers of the AWS CLI, for what moto cannot be brought to do:
// record a service's capacity provider strategy (so the order deploy.sh chooses when the
// cluster stack removes a capacity provider), leave a stack in ROLLBACK_COMPLETE, fail a
// deploy, keep a stack updating after the AWS CLI stopped waiting, or hold a CodeDeploy
// deployment in flight. A fake `aws` first on PATH answers the
// reads deploy.sh makes from the test's table (ANSWER_* variables) and logs every call; the
// tests read what deploy.sh did from the log and its output.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/benchspec"
)

// fakeAWS answers by the words of the call; ANSWER_<key> environment variables hold the
// answers, CALLS the log file.
const fakeAWS = `#!/bin/bash
echo "$*" >>"$CALLS"
case "$*" in
  *"cloudformation describe-stacks"*"Stacks[0].ChangeSetId"*) echo "${ANSWER_CHANGE_SET:-None}" ;;
  *"cloudformation describe-stacks"*"ParameterKey=='LiveTargetGroup'"*) echo "${ANSWER_RECORDED_LIVE:-None}" ;;
  *"cloudformation describe-stacks"*"Parameters[].ParameterKey"*) printf '%b\n' "${ANSWER_PARAMETER_KEYS:-}" ;;
  *"cloudformation update-stack"*) ;;
  *"cloudformation describe-stacks"*"Stacks[0].StackStatus"*)
    # One status a call, from the file STATUSES (a stack's life after a failed deploy).
    if [[ -s ${STATUSES:-} ]]; then head -n 1 "$STATUSES"; sed -i 1d "$STATUSES"; fi ;;
  *"cloudformation describe-stacks"*"[StackName, StackStatus,"*)
    # From the file LISTS, one list a call (lists end with a line "--"; the last one stays),
    # else ANSWER_STACKS.
    if [[ -s ${LISTS:-} ]]; then
      awk '/^--$/ { exit } { print }' "$LISTS"
      if grep -qx -- -- "$LISTS"; then sed -i '1,/^--$/d' "$LISTS"; fi
    else
      printf '%b\n' "$ANSWER_STACKS"
    fi ;;
  *"cloudformation describe-stacks"*Outputs*) ;;
  *"cloudformation describe-stack-events"*) printf '%b\n' "$ANSWER_EVENTS" ;;
  *"cloudformation wait change-set-create-complete"*) [[ -z ${FAIL_CHANGE_SET:-} ]] ;;
  *"cloudformation delete-stack"* | *"cloudformation wait"*) ;;
  *"cloudformation create-change-set"* | *"cloudformation execute-change-set"*) ;;
  *"logs describe-log-groups"*)
    if [[ -n ${FAIL_LOG_GROUPS:-} ]]; then echo "An error occurred (ThrottlingException)" >&2; exit 254; fi
    printf '%b\n' "${ANSWER_LOG_GROUPS:-}" ;;
  *"cloudformation deploy"*"--no-execute-changeset"*)
    if [[ -n ${FAIL_DEPLOY:-} && $* == *"--stack-name $FAIL_DEPLOY "* ]]; then exit 255; fi
    echo "Changeset created successfully. Run the following command to review changes:"
    echo "aws cloudformation describe-change-set --change-set-name arn:aws:cloudformation:ap-northeast-1:123456789012:changeSet/awscli-cloudformation-package-deploy-1/0" ;;
  *"cloudformation deploy"*)
    if [[ -n ${DEPLOY_SECONDS:-} ]]; then
      # A deploy that takes a while (of the stacks matching DEPLOY_SLOW, default all): its
      # begin and end, and this process, in the log.
      stack="$*"
      stack=${stack#*--stack-name }
      stack=${stack%% *}
      echo "deploy-begin $stack $$" >>"$CALLS"
      # shellcheck disable=SC2053 # DEPLOY_SLOW is a pattern
      if [[ $stack == ${DEPLOY_SLOW:-*} ]]; then sleep "$DEPLOY_SECONDS"; fi
      echo "deploy-end $stack" >>"$CALLS"
    fi
    if [[ -n ${FAIL_DEPLOY:-} && $* == *"--stack-name $FAIL_DEPLOY "* ]]; then exit 255; fi ;;
  *"cloudformation describe-change-set"*StatusReason*) echo "${ANSWER_REASON:-}" ;;
  *"cloudformation describe-change-set"*) echo "${ANSWER_CHANGES:-0}" ;;
  *"ecs list-services"*)
    if [[ -n ${FAIL_LIST_SERVICES:-} ]]; then echo "An error occurred (ThrottlingException)" >&2; exit 254; fi
    printf '%b\n' "${ANSWER_SERVICES:-None}" ;;
  *"ecs describe-services"*capacityProvider*)
    if [[ -n ${FAIL_DESCRIBE_SERVICES:-} ]]; then echo "An error occurred (AccessDeniedException)" >&2; exit 254; fi
    if [[ -z ${IN_USE_BY:-} || $* == *"$IN_USE_BY"* ]]; then printf '%b\n' "$ANSWER_IN_USE"; fi ;;
  *"ecs describe-services"*"services[0].taskDefinition"*) echo "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/running:1" ;;
  *"ecs describe-services"*) ;;
  *"ecs describe-clusters"*) printf '%b\n' "$ANSWER_PROVIDERS" ;;
  *"cloudformation describe-stack-resource"*"--logical-resource-id TaskDefinition"*) printf '%b\n' "$ANSWER_REVISION" ;;
  *"ecs register-task-definition"*) echo "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/new:2" ;;
  *"deploy list-deployments"*) printf '%b\n' "${ANSWER_INFLIGHT:-None}" ;;
  *"deploy get-deployment"*"deploymentInfo.status"*) echo Succeeded ;;
  *"deploy create-deployment"*) echo d-NEW ;;
  *"cloudformation list-stack-resources"*) printf '%b\n' "${ANSWER_RESOURCE-x}" ;;
  *"elbv2 describe-listeners"* | *"cloudformation describe-stack-resource"*) echo x ;;
  *) echo "fake aws: unexpected call: $*" >&2; exit 2 ;;
esac
`

// runWithAnswers runs an environment's deploy.sh with the fake aws, the answers and args; it
// returns the output, the calls and whether the script failed.
func runWithAnswers(t *testing.T, envDir string, answers []string, args ...string) (string, string, bool) {
	t.Helper()
	return runScriptWithAnswers(t, filepath.Join(envDir, "deploy.sh"), answers, args...)
}

// runScriptWithAnswers is runWithAnswers for any script of an environment.
func runScriptWithAnswers(t *testing.T, script string, answers []string, args ...string) (string, string, bool) {
	t.Helper()
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "aws"), []byte(fakeAWS), 0o755); err != nil {
		t.Fatal(err)
	}
	calls := filepath.Join(t.TempDir(), "calls")
	cmd := exec.Command("bash", append([]string{script}, args...)...)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "CALLS="+calls, "ECSGEN_POLL_SECONDS=0")
	cmd.Env = append(cmd.Env, answers...)
	out, err := cmd.CombinedOutput()
	log, _ := os.ReadFile(calls)
	return string(out), string(log), err != nil
}

// deployed lists the stacks `cloudformation deploy` was called for, in order.
func deployed(calls string) string {
	var order []string
	for _, line := range strings.Split(calls, "\n") {
		if strings.Contains(line, "cloudformation deploy") {
			f := strings.Fields(line[strings.Index(line, "--stack-name"):])
			order = append(order, f[1])
		}
	}
	return strings.Join(order, " ")
}

func TestDeployOrderCapacity(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	// v3 of the ec2-capacity scenario: the cluster keeps only capacity compute.
	envDir := buildInto(t, "testdata/lifecycle/ec2-capacity/v3.cue", t.TempDir())
	stacks := `life-ec2-cluster\tUPDATE_COMPLETE\tlife\tec2\nlife-ec2-svc-worker\tUPDATE_COMPLETE\tlife\tec2`
	for _, c := range []struct {
		name                string
		inUse, providers    string
		stacks, services    string // default: both stacks exist; the worker service
		inUseBy             string // the service using inUse (default: any)
		wantOrder, wantText string
		wantExit            bool
		// unread: the services' providers are not read, since the cluster has none that its
		// stack removes (so none in use is removed).
		unread bool
		fail   string // a failing AWS call of the fake ("FAIL_…=1")
	}{
		{name: "unchanged capacity: cluster first", inUse: "life-ec2-compute", providers: "life-ec2-compute",
			wantOrder: "life-ec2-cluster life-ec2-svc-worker", unread: true},
		{name: "service leaves a capacity the cluster removes: services first", inUse: "life-ec2-general", providers: "life-ec2-general\tlife-ec2-compute",
			wantOrder: "life-ec2-svc-worker life-ec2-cluster", wantText: "service stacks first"},
		{name: "rename in one deploy: stopped before any change", inUse: "life-ec2-general", providers: "life-ec2-general",
			wantExit: true, wantText: "Deploy in two steps"},
		// ListServices pages by 10; with --output text each page is a line of its own.
		{name: "the service on the second page of ListServices counts", inUse: "life-ec2-general", providers: "life-ec2-general\tlife-ec2-compute",
			services: strings.Repeat("arn:aws:ecs:ap-northeast-1:123456789012:service/life-ec2/other\t", 9) +
				"arn:aws:ecs:ap-northeast-1:123456789012:service/life-ec2/other\narn:aws:ecs:ap-northeast-1:123456789012:service/life-ec2/life-ec2-worker",
			inUseBy:   "life-ec2-worker",
			wantOrder: "life-ec2-svc-worker life-ec2-cluster", wantText: "service stacks first"},
		// A service stack new in the spec may import an export the cluster update adds.
		{name: "services first, but a new service stack after the cluster", inUse: "life-ec2-general", providers: "life-ec2-general\tlife-ec2-compute",
			stacks:    `life-ec2-cluster\tUPDATE_COMPLETE\tlife\tec2`,
			wantOrder: "life-ec2-cluster life-ec2-svc-worker", wantText: "service stacks first"},
		// A failed read of the services (throttled, denied, expired credentials) must not
		// read as "no provider in use": the cluster stack would go first and fail on the
		// provider still in use. Nothing is deployed.
		{name: "services unreadable: stopped", inUse: "life-ec2-general", providers: "life-ec2-general\tlife-ec2-compute",
			fail: "FAIL_LIST_SERVICES=1", wantExit: true, wantText: "ThrottlingException"},
		{name: "services' providers unreadable: stopped", inUse: "life-ec2-general", providers: "life-ec2-general\tlife-ec2-compute",
			fail: "FAIL_DESCRIBE_SERVICES=1", wantExit: true, wantText: "AccessDeniedException"},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, services := stacks, "arn:aws:ecs:ap-northeast-1:123456789012:service/life-ec2/life-ec2-worker"
			if c.stacks != "" {
				st = c.stacks
			}
			if c.services != "" {
				services = c.services
			}
			out, calls, failed := runWithAnswers(t, envDir, []string{"ANSWER_STACKS=" + st,
				"ANSWER_SERVICES=" + services, "IN_USE_BY=" + c.inUseBy,
				"ANSWER_IN_USE=" + c.inUse, "ANSWER_PROVIDERS=" + c.providers, c.fail})
			if c.wantExit != failed {
				t.Fatalf("deploy.sh failed: %v, want %v\n%s", failed, c.wantExit, out)
			}
			if !strings.Contains(out, c.wantText) {
				t.Errorf("deploy.sh says no %q:\n%s", c.wantText, out)
			}
			if got := deployed(calls); got != c.wantOrder {
				t.Errorf("stacks deployed in order %q, want %q\ncalls:\n%s", got, c.wantOrder, calls)
			}
			if read := strings.Contains(calls, "ecs list-services"); read == c.unread {
				t.Errorf("the services' providers read: %v, want %v\ncalls:\n%s", read, !c.unread, calls)
			}
		})
	}
}

// A stack whose first create failed stops deploy.sh before any change, with its reasons and
// the delete command; --recreate-failed deletes it and deploys; a failing deploy prints the
// failed resources' reasons.
func TestDeployFailedStacks(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	envDir := buildInto(t, "testdata/lifecycle/ec2-capacity/v1.cue", t.TempDir())
	failedCreate := `life-ec2-cluster\tUPDATE_COMPLETE\tlife\tec2\nlife-ec2-svc-worker\tROLLBACK_COMPLETE\tlife\tec2`
	events := "ANSWER_EVENTS=Service\tAWS::ECS::Service\tCREATE_FAILED\tResource handler returned message: Role is not valid"

	out, calls, failed := runWithAnswers(t, envDir, []string{"ANSWER_STACKS=" + failedCreate, events})
	if !failed || deployed(calls) != "" {
		t.Errorf("ROLLBACK_COMPLETE: deploy.sh failed %v, deployed %q; want a stop before any deploy\n%s", failed, deployed(calls), out)
	}
	for _, want := range []string{"Role is not valid", "aws cloudformation delete-stack --region ap-northeast-1 --stack-name life-ec2-svc-worker", "--recreate-failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("ROLLBACK_COMPLETE: output lacks %q:\n%s", want, out)
		}
	}

	// An update run with rollback disabled leaves UPDATE_FAILED, at rest: nothing to wait for;
	// the way out is a rollback.
	halfUpdated := `life-ec2-cluster\tUPDATE_FAILED\tlife\tec2\nlife-ec2-svc-worker\tUPDATE_COMPLETE\tlife\tec2`
	out, calls, failed = runWithAnswers(t, envDir, []string{"ANSWER_STACKS=" + halfUpdated, events})
	if !failed || deployed(calls) != "" || strings.Contains(out, "wait for it to end") ||
		!strings.Contains(out, "aws cloudformation rollback-stack --region ap-northeast-1 --stack-name life-ec2-cluster") {
		t.Errorf("UPDATE_FAILED: deploy.sh failed %v, deployed %q; want a stop before any deploy, with the rollback\n%s", failed, deployed(calls), out)
	}

	out, calls, failed = runWithAnswers(t, envDir, []string{"ANSWER_STACKS=" + failedCreate, events}, "--recreate-failed")
	if failed || !strings.Contains(calls, "cloudformation delete-stack --stack-name life-ec2-svc-worker") ||
		deployed(calls) != "life-ec2-cluster life-ec2-svc-worker" {
		t.Errorf("--recreate-failed: failed %v, calls:\n%s\noutput:\n%s", failed, calls, out)
	}

	out, calls, failed = runWithAnswers(t, envDir, []string{"ANSWER_STACKS=", events, "FAIL_DEPLOY=life-ec2-cluster"})
	if !failed || deployed(calls) != "life-ec2-cluster" || !strings.Contains(out, "Stack life-ec2-cluster failed") || !strings.Contains(out, "Role is not valid") {
		t.Errorf("failed deploy: failed %v, deployed %q, want a stop after the cluster with the events' reasons:\n%s", failed, deployed(calls), out)
	}
}

// The AWS CLI's waiter stops after 60 minutes while CloudFormation goes on: deploy.sh waits for
// a stack still updating and goes on when it completes; a deploy that failed with the stack not
// in progress (refused before any change, or rolling back) stops the script.
func TestDeployOutlastsTheWaiter(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	envDir := buildInto(t, "testdata/lifecycle/ec2-capacity/v1.cue", t.TempDir())
	// The columns: name, status, system, env, DeployDigest (none matching), the last executed
	// change set.
	const old = "arn:aws:cloudformation:ap-northeast-1:123456789012:changeSet/awscli-cloudformation-package-deploy-1/1"
	stacks := `ANSWER_STACKS=life-ec2-cluster\tUPDATE_COMPLETE\tlife\tec2\t0000\t` + old + `\nlife-ec2-svc-worker\tUPDATE_COMPLETE\tlife\tec2`
	events := "ANSWER_EVENTS=Instances\tAWS::AutoScaling::AutoScalingGroup\tUPDATE_FAILED\tReceived 0 SUCCESS signals"
	for _, c := range []struct {
		name      string
		statuses  []string // the cluster stack's status, read after its deploy failed
		changeSet string   // its last executed change set then (default: the one before)
		ok        bool
		deployed  string
		output    string
	}{
		// The waiter stopped at an error it has no rule for (a throttled read), and the
		// update completed meanwhile: its change set is the stack's last executed one.
		{"completed after the waiter's error", []string{"UPDATE_COMPLETE"},
			"arn:aws:cloudformation:ap-northeast-1:123456789012:changeSet/awscli-cloudformation-package-deploy-2/2",
			true, "life-ec2-cluster life-ec2-svc-worker", "the AWS CLI returned an error, yet its change set completed"},
		{"still updating, then complete", []string{"UPDATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_COMPLETE"}, "",
			true, "life-ec2-cluster life-ec2-svc-worker", "Stack life-ec2-cluster is still UPDATE_IN_PROGRESS: the AWS CLI stopped waiting"},
		{"still updating, then rolled back", []string{"UPDATE_IN_PROGRESS", "UPDATE_ROLLBACK_IN_PROGRESS"}, "",
			false, "life-ec2-cluster", "Received 0 SUCCESS signals"},
		// The deploy failed before it executed anything: the same last change set.
		{"refused before any change", []string{"UPDATE_COMPLETE"}, old,
			false, "life-ec2-cluster", "Stack life-ec2-cluster failed"},
		{"rolling back at once", []string{"UPDATE_ROLLBACK_COMPLETE"}, "",
			false, "life-ec2-cluster", "Stack life-ec2-cluster failed"},
	} {
		t.Run(c.name, func(t *testing.T) {
			statuses := filepath.Join(t.TempDir(), "statuses")
			if err := os.WriteFile(statuses, []byte(strings.Join(c.statuses, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			changeSet := c.changeSet
			if changeSet == "" {
				changeSet = old
			}
			out, calls, failed := runWithAnswers(t, envDir, []string{stacks, events, "FAIL_DEPLOY=life-ec2-cluster", "STATUSES=" + statuses, "ANSWER_CHANGE_SET=" + changeSet})
			if failed == c.ok || deployed(calls) != c.deployed || !strings.Contains(out, c.output) {
				t.Errorf("deploy.sh failed %v (want %v), deployed %q (want %q), output lacks %q?\n%s", failed, !c.ok, deployed(calls), c.deployed, c.output, out)
			}
			if left, _ := os.ReadFile(statuses); len(strings.TrimSpace(string(left))) > 0 {
				t.Errorf("deploy.sh stopped reading the stack's status before it ended; unread: %q\n%s", left, out)
			}
		})
	}
}

// A CodeDeploy deployment in flight is waited for, with progress, and no other revision is
// registered when the service then runs this one.
func TestDeployCodeDeployInFlight(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	envDir := buildInto(t, "testdata/lifecycle/fargate-services/v5.cue", t.TempDir())
	plan, _ := readPlan(t, envDir)
	d := &deployment{dir: envDir}
	rel := d.releases(t)
	if len(rel) != 1 {
		t.Fatalf("v5 has %d CodeDeploy releases, want 1", len(rel))
	}
	var stacks []string
	for _, s := range plan.Stacks {
		stacks = append(stacks, s.Name+`\tUPDATE_COMPLETE\tlife\tweb`)
	}
	// The stack's revision is the one the service runs once the deployment in flight is done.
	const running = "arn:aws:ecs:ap-northeast-1:123456789012:task-definition/running:1"
	answers := []string{"ANSWER_STACKS=" + strings.Join(stacks, `\n`), "ANSWER_INFLIGHT=d-INFLIGHT", "ANSWER_REVISION=" + running}
	out, calls, failed := runWithAnswers(t, envDir, answers)
	if failed {
		t.Fatalf("deploy.sh failed:\n%s", out)
	}
	if !strings.Contains(out, "d-INFLIGHT of life-web-web is in flight: waiting") || !strings.Contains(out, "CodeDeploy deployment d-INFLIGHT: Succeeded") {
		t.Errorf("no progress of the deployment in flight:\n%s", out)
	}
	if strings.Contains(calls, "register-task-definition") || strings.Contains(calls, "create-deployment") {
		t.Errorf("a revision was registered or deployed although the deployment in flight released it:\n%s", calls)
	}
	// CodeDeploy moves the listeners' traffic while it runs: the stack is updated only after.
	if wait, update := strings.Index(calls, "deploy list-deployments"), strings.Index(calls, "cloudformation deploy --stack-name life-web-svc-web"); wait < 0 || update < wait {
		t.Errorf("the service stack was updated before the deployment in flight ended:\n%s", calls)
	}

	answers = []string{"ANSWER_STACKS=" + strings.Join(stacks, `\n`), "ANSWER_REVISION=arn:aws:ecs:ap-northeast-1:123456789012:task-definition/life-web-web:2"}
	out, calls, failed = runWithAnswers(t, envDir, answers)
	if failed || !strings.Contains(calls, "create-deployment") || !strings.Contains(out, "CodeDeploy deployment d-NEW: Succeeded") {
		t.Errorf("a changed task definition must be released, with progress: failed %v\n%s\ncalls:\n%s", failed, out, calls)
	}
}

// After a release moved production traffic to the alternate target group, the stack's own
// LiveTargetGroup still names the other: a rollback of the next update would restore it and
// send production traffic to the group the release emptied. So deploy.sh first records the live
// group alone (previous template, every other parameter as it was), then updates the stack.
func TestDeployKeepsLiveTrafficOnRollback(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	envDir := buildInto(t, "testdata/lifecycle/fargate-services/v5.cue", t.TempDir())
	plan, _ := readPlan(t, envDir)
	var stacks []string
	for _, s := range plan.Stacks {
		stacks = append(stacks, s.Name+`\tUPDATE_COMPLETE\tlife\tweb`)
	}
	// The fake answers the same physical id for the alternate group and the production listener's
	// forward: traffic is on AlternateTargetGroup.
	answers := []string{"ANSWER_STACKS=" + strings.Join(stacks, `\n`),
		"ANSWER_REVISION=arn:aws:ecs:ap-northeast-1:123456789012:task-definition/running:1",
		`ANSWER_PARAMETER_KEYS=Subnets\tLiveTargetGroup\tImage`}
	for _, c := range []struct {
		recorded string
		records  bool
	}{{"TargetGroup", true}, {"AlternateTargetGroup", false}, {"None", false}} {
		out, calls, failed := runWithAnswers(t, envDir, append(answers, "ANSWER_RECORDED_LIVE="+c.recorded))
		if failed {
			t.Fatalf("recorded %s: deploy.sh failed:\n%s", c.recorded, out)
		}
		record := strings.Index(calls, "cloudformation update-stack --stack-name life-web-svc-web --use-previous-template --capabilities CAPABILITY_NAMED_IAM "+
			"--parameters ParameterKey=Subnets,UsePreviousValue=true ParameterKey=LiveTargetGroup,ParameterValue=AlternateTargetGroup ParameterKey=Image,UsePreviousValue=true")
		update := strings.Index(calls, "cloudformation deploy --stack-name life-web-svc-web")
		if (record >= 0) != c.records || (c.records && (update < record || !strings.Contains(out, "recording AlternateTargetGroup first"))) {
			t.Errorf("recorded %s: the live group recorded first: %v (want %v)\n%s\ncalls:\n%s", c.recorded, record >= 0, c.records, out, calls)
		}
		if !strings.Contains(calls, "LiveTargetGroup=AlternateTargetGroup") {
			t.Errorf("recorded %s: the update does not keep the traffic on AlternateTargetGroup:\n%s", c.recorded, calls)
		}
	}
}

// A service that becomes blue/green has a stack without the alternate target group and the
// production listener: deploy.sh keeps production traffic on TargetGroup instead of asking
// CloudFormation for resources the stack does not have yet (which fails the deploy).
func TestDeployBecomesBlueGreen(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	envDir := buildInto(t, "testdata/lifecycle/fargate-services/v4.cue", t.TempDir())
	plan, _ := readPlan(t, envDir)
	var stacks []string
	for _, s := range plan.Stacks {
		stacks = append(stacks, s.Name+`\tUPDATE_COMPLETE\tlife\tweb`)
	}
	answers := []string{"ANSWER_STACKS=" + strings.Join(stacks, `\n`), "ANSWER_RESOURCE=",
		"ANSWER_REVISION=arn:aws:ecs:ap-northeast-1:123456789012:task-definition/running:1"}
	out, calls, failed := runWithAnswers(t, envDir, answers)
	if failed {
		t.Fatalf("deploy.sh failed:\n%s\ncalls:\n%s", out, calls)
	}
	if strings.Contains(calls, "describe-stack-resource --stack-name life-web-svc-web --logical-resource-id AlternateTargetGroup") ||
		strings.Contains(calls, "elbv2 describe-listeners") {
		t.Errorf("deploy.sh asked for resources the stack does not have yet:\n%s", calls)
	}
	if !strings.Contains(calls, "--stack-name life-web-svc-web") || !strings.Contains(calls, "LiveTargetGroup=TargetGroup") {
		t.Errorf("the service stack was not deployed with production traffic on TargetGroup:\n%s", calls)
	}
}

// A service stack created again (after destroy.sh or --prune) whose retained log group still
// exists is created through a change set that imports it: a plain create would fail on
// "already exists". A stack that exists is deployed as always.
func TestDeployAdoptsRetainedLogGroups(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	envDir := buildInto(t, "testdata/lifecycle/fargate-services/v2.cue", t.TempDir())
	stacks := `life-web-cluster\tUPDATE_COMPLETE\tlife\tweb\nlife-web-svc-web\tUPDATE_COMPLETE\tlife\tweb`
	// Two pages of the prefix /ecs/life-web/admin: the group itself on the second. The stack
	// ends IMPORT_COMPLETE, which counts as created (the AWS CLI's waiter knows only
	// CREATE_COMPLETE).
	statuses := filepath.Join(t.TempDir(), "statuses")
	if err := os.WriteFile(statuses, []byte("REVIEW_IN_PROGRESS\nIMPORT_IN_PROGRESS\nIMPORT_COMPLETE\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, calls, failed := runWithAnswers(t, envDir, []string{"ANSWER_STACKS=" + stacks, "STATUSES=" + statuses,
		`ANSWER_LOG_GROUPS=/ecs/life-web/admin-old\n/ecs/life-web/admin-tools\t/ecs/life-web/admin`})
	if failed {
		t.Fatalf("deploy.sh failed:\n%s\ncalls:\n%s", out, calls)
	}
	if got := deployed(calls); got != "life-web-cluster life-web-svc-web" {
		t.Errorf("stacks deployed with cloudformation deploy: %q, want the two that exist\n%s", got, calls)
	}
	want := `cloudformation create-change-set --stack-name life-web-svc-admin --change-set-name ecsgen-adopt-`
	if !strings.Contains(calls, want) || !strings.Contains(calls, "--change-set-type CREATE --import-existing-resources --template-body file://stacks/life-web-svc-admin.json") ||
		!strings.Contains(calls, `{"ParameterKey":"Subnets","ParameterValue":"subnet-0123456789abcdef0,subnet-0fedcba9876543210"}`) ||
		!strings.Contains(calls, "execute-change-set --stack-name life-web-svc-admin") {
		t.Errorf("the new stack life-web-svc-admin was not created with its log group imported:\n%s", calls)
	}
	if !strings.Contains(calls, "logs describe-log-groups --log-group-name-prefix /ecs/life-web/admin") {
		t.Errorf("deploy.sh did not look for the retained log group:\n%s", calls)
	}
	if left, _ := os.ReadFile(statuses); len(strings.TrimSpace(string(left))) > 0 || strings.Contains(calls, "wait stack-create-complete") {
		t.Errorf("the created stack was not followed to IMPORT_COMPLETE (unread: %q):\n%s", left, calls)
	}
	// A create that rolls back stops the script with the stack's failed resources.
	if err := os.WriteFile(statuses, []byte("CREATE_IN_PROGRESS\nROLLBACK_IN_PROGRESS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, failed = runWithAnswers(t, envDir, []string{"ANSWER_STACKS=" + stacks, "STATUSES=" + statuses, "ANSWER_LOG_GROUPS=/ecs/life-web/admin",
		"ANSWER_EVENTS=AdminLogGroup\tAWS::Logs::LogGroup\tIMPORT_FAILED\tResource import failed"})
	if !failed || !strings.Contains(out, "Stack life-web-svc-admin failed") || !strings.Contains(out, "Resource import failed") {
		t.Errorf("a create that rolled back: failed %v, want a stop with the reasons\n%s", failed, out)
	}

	// A failed read of the log groups stops the script: read as "no such group", it led to a
	// plain create that fails on the group that exists and leaves the stack ROLLBACK_COMPLETE.
	out, calls, failed = runWithAnswers(t, envDir, []string{"ANSWER_STACKS=" + stacks, "FAIL_LOG_GROUPS=1"})
	if !failed || strings.Contains(calls, "--stack-name life-web-svc-admin") || !strings.Contains(out, "ThrottlingException") {
		t.Errorf("an unreadable log group list: failed %v, want a stop before the stack is created\n%s\ncalls:\n%s", failed, out, calls)
	}

	// A change set that fails says why: the stack, only a change set, has no events.
	out, _, failed = runWithAnswers(t, envDir, []string{"ANSWER_STACKS=" + stacks, "ANSWER_LOG_GROUPS=/ecs/life-web/admin",
		"FAIL_CHANGE_SET=1", "ANSWER_REASON=The following resource(s) failed to import: [AdminLogGroup]."})
	if !failed || !strings.Contains(out, "Stack life-web-svc-admin: its change set failed:\nThe following resource(s) failed to import: [AdminLogGroup].") {
		t.Errorf("a failed import change set: failed %v, want its reason\n%s", failed, out)
	}

	// A group whose name only starts with the stack's is not the stack's: a plain create.
	out, calls, failed = runWithAnswers(t, envDir, []string{"ANSWER_STACKS=" + stacks, "ANSWER_LOG_GROUPS=/ecs/life-web/admin-old"})
	if failed || strings.Contains(calls, "create-change-set") || deployed(calls) != "life-web-cluster life-web-svc-admin life-web-svc-web" {
		t.Errorf("a group named like the stack's was taken for it: failed %v\n%s\ncalls:\n%s", failed, out, calls)
	}
}

// A stack tagged with the environment that the spec no longer has is listed, and deleted only
// under --prune.
func TestDeployPrune(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	envDir := buildInto(t, "testdata/lifecycle/ec2-capacity/v1.cue", t.TempDir())
	stacks := `life-ec2-cluster\tUPDATE_COMPLETE\tlife\tec2\nlife-ec2-svc-worker\tUPDATE_COMPLETE\tlife\tec2\n` +
		`life-ec2-svc-old\tUPDATE_COMPLETE\tlife\tec2\nother-ec2-svc-old\tUPDATE_COMPLETE\tother\tec2\nuntagged\tCREATE_COMPLETE\tNone\tNone`
	out, calls, failed := runWithAnswers(t, envDir, []string{"ANSWER_STACKS=" + stacks})
	if failed || !strings.Contains(out, "Stack life-ec2-svc-old belongs to life-ec2 but is no longer in the spec; deploy.sh --prune deletes it.") ||
		strings.Contains(calls, "delete-stack") || strings.Contains(out, "other-ec2-svc-old") || strings.Contains(out, "awk:") {
		t.Errorf("without --prune: failed %v, want the removed stack listed, nothing deleted:\n%s\ncalls:\n%s", failed, out, calls)
	}
	// The stack list once the removed stack is deleted (the last list stays for every later read).
	lists := filepath.Join(t.TempDir(), "lists")
	gone := strings.Replace(stacks, `life-ec2-svc-old\tUPDATE_COMPLETE\tlife\tec2\n`, "", 1)
	text := strings.ReplaceAll(strings.ReplaceAll(stacks+`\n--\n`+gone, `\n`, "\n"), `\t`, "\t")
	if err := os.WriteFile(lists, []byte(text+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, calls, failed = runWithAnswers(t, envDir, []string{"LISTS=" + lists}, "--prune")
	if failed || !strings.Contains(calls, "cloudformation delete-stack --stack-name life-ec2-svc-old") ||
		strings.Count(calls, "delete-stack") != 1 {
		t.Errorf("--prune: failed %v, want life-ec2-svc-old deleted and nothing else:\n%s\ncalls:\n%s", failed, out, calls)
	}
}

// stacksAtRest are the answer lines of describe-stacks for an environment's stacks in status,
// each with the DeployDigest its template outputs (None without one), but for those in
// digests, which answer that digest instead.
func stacksAtRest(t *testing.T, envDir, status, system, env string, digests map[string]string) string {
	t.Helper()
	plan, templates := readPlan(t, envDir)
	var lines []string
	for _, s := range plan.Stacks {
		digest := generators.DeployDigestOf(templates[s.Name].raw)
		if digest == "" {
			digest = "None"
		}
		if d, ok := digests[s.Name]; ok {
			digest = d
		}
		lines = append(lines, strings.Join([]string{s.Name, status, system, env, digest}, `\t`))
	}
	return strings.Join(lines, `\n`)
}

// A stack at rest that outputs the DeployDigest of its template here is skipped: deploying it
// again would change nothing, and `aws cloudformation deploy` takes a change set to say so.
// Deployed are the stacks without a digest (the cluster stack that reads its AMI from SSM),
// those whose digest differs, those not at rest, and every stack under --force. A skipped
// CodeDeploy service is still brought to the revision its stack registered.
func TestDeploySkipsStacksDeployedAsBuilt(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	envDir := buildInto(t, "testdata/lifecycle/ec2-capacity/v1.cue", t.TempDir())
	const worker = "life-ec2-svc-worker"
	for _, c := range []struct {
		name     string
		status   string
		digests  map[string]string
		args     []string
		deployed string
	}{
		{name: "deployed as built", status: "UPDATE_COMPLETE", deployed: "life-ec2-cluster"},
		{name: "created as built", status: "CREATE_COMPLETE", deployed: "life-ec2-cluster"},
		{name: "imported as built", status: "IMPORT_COMPLETE", deployed: "life-ec2-cluster"},
		{name: "rolled back to the template built", status: "UPDATE_ROLLBACK_COMPLETE", deployed: "life-ec2-cluster"},
		{name: "another template deployed", status: "UPDATE_COMPLETE", digests: map[string]string{worker: strings.Repeat("0", 64)},
			deployed: "life-ec2-cluster " + worker},
		{name: "forced", status: "UPDATE_COMPLETE", args: []string{"--force"}, deployed: "life-ec2-cluster " + worker},
	} {
		t.Run(c.name, func(t *testing.T) {
			stacks := stacksAtRest(t, envDir, c.status, "life", "ec2", c.digests)
			out, calls, failed := runWithAnswers(t, envDir, []string{"ANSWER_STACKS=" + stacks,
				"ANSWER_PROVIDERS=life-ec2-general", "ANSWER_IN_USE=life-ec2-general"}, c.args...)
			if failed {
				t.Fatalf("deploy.sh failed:\n%s\ncalls:\n%s", out, calls)
			}
			if got := deployed(calls); got != c.deployed {
				t.Errorf("deployed %q, want %q\n%s", got, c.deployed, out)
			}
			skipped := strings.Contains(out, "Stack "+worker+" is deployed as built: skipped.")
			if want := !strings.Contains(c.deployed, worker); skipped != want {
				t.Errorf("says the worker stack was skipped: %v, want %v\n%s", skipped, want, out)
			}
			// The summary describes the services deployed, and counts the others.
			described := strings.Contains(calls, "ecs describe-services --cluster life-ec2 --services life-ec2-worker --query services[].{service")
			counted := strings.Contains(out, "Services not described, their stacks already deployed as built: 1 of 1.")
			if described == skipped || counted != skipped {
				t.Errorf("worker skipped %v: described %v, counted %v\n%s\ncalls:\n%s", skipped, described, counted, out, calls)
			}
		})
	}

	// A stack deployed before its template had a digest takes the output through a change set
	// without resource changes, executed and followed here instead of by the AWS CLI's polls
	// every 30 seconds; a change set with resource changes is waited for as the CLI would.
	for _, c := range []struct {
		changes, statuses string // the stack's statuses once the change set is executed
		waited, fails     bool
	}{
		{changes: "0", statuses: "CREATE_COMPLETE\nUPDATE_IN_PROGRESS\nUPDATE_COMPLETE"},
		{changes: "3", statuses: "UPDATE_COMPLETE", waited: true},
		// The update rolled back: the stack's failed resources, and a stop.
		{changes: "0", statuses: "UPDATE_IN_PROGRESS\nUPDATE_ROLLBACK_COMPLETE\nUPDATE_ROLLBACK_COMPLETE", fails: true},
	} {
		statuses := filepath.Join(t.TempDir(), "statuses")
		if err := os.WriteFile(statuses, []byte(strings.ReplaceAll(c.statuses, `\n`, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		stacks := stacksAtRest(t, envDir, "UPDATE_COMPLETE", "life", "ec2", map[string]string{worker: "None"})
		out, calls, failed := runWithAnswers(t, envDir, []string{"ANSWER_STACKS=" + stacks, "ANSWER_CHANGES=" + c.changes,
			"STATUSES=" + statuses, "ANSWER_PROVIDERS=life-ec2-general", "ANSWER_IN_USE=life-ec2-general",
			"ANSWER_EVENTS=" + worker + `\tAWS::CloudFormation::Stack\tUPDATE_FAILED\tfailed`})
		if failed != c.fails {
			t.Fatalf("%s resource changes, statuses %s: deploy.sh failed %v, want %v:\n%s\ncalls:\n%s", c.changes, c.statuses, failed, c.fails, out, calls)
		}
		if c.fails {
			if !strings.Contains(out, "Stack "+worker+" failed") {
				t.Errorf("a rolled back update does not stop with the stack's failure:\n%s", out)
			}
			continue
		}
		if !strings.Contains(calls, "--stack-name "+worker) || !strings.Contains(calls, "--no-execute-changeset") ||
			!strings.Contains(calls, "cloudformation execute-change-set --change-set-name arn:aws:cloudformation:") {
			t.Errorf("%s resource changes: the change set was not made, then executed:\n%s", c.changes, calls)
		}
		if waited := strings.Contains(calls, "wait stack-update-complete --stack-name "+worker); waited != c.waited {
			t.Errorf("%s resource changes: waited for by the AWS CLI %v, want %v:\n%s", c.changes, waited, c.waited, calls)
		}
		if followed := strings.Contains(out, "Stack "+worker+" takes its DeployDigest output"); followed == c.waited {
			t.Errorf("%s resource changes: followed as an outputs-only update %v, want %v:\n%s", c.changes, followed, !c.waited, out)
		}
	}

	// A blue/green CodeDeploy service whose stack is skipped: no live traffic or task count is
	// read for an update that does not happen, and the revision its stack registered, which
	// the service does not run, is released.
	envDir = buildInto(t, "testdata/lifecycle/fargate-services/v5.cue", t.TempDir())
	stacks := stacksAtRest(t, envDir, "UPDATE_COMPLETE", "life", "web", nil)
	out, calls, failed := runWithAnswers(t, envDir, []string{"ANSWER_STACKS=" + stacks,
		"ANSWER_REVISION=arn:aws:ecs:ap-northeast-1:123456789012:task-definition/life-web-web:2"})
	if failed {
		t.Fatalf("deploy.sh failed:\n%s\ncalls:\n%s", out, calls)
	}
	if got := deployed(calls); got != "" {
		t.Errorf("deployed %q, want every stack skipped\n%s", got, out)
	}
	if strings.Contains(calls, "list-stack-resources") || strings.Contains(calls, "elbv2 describe-listeners") ||
		strings.Contains(calls, "services[0].desiredCount") {
		t.Errorf("deploy.sh read what only an update needs:\n%s", calls)
	}
	if !strings.Contains(calls, "deploy create-deployment") || !strings.Contains(out, "CodeDeploy deployment d-NEW: Succeeded") {
		t.Errorf("the skipped service was not released:\n%s\ncalls:\n%s", out, calls)
	}
	// The release deployed it: the summary describes it.
	if !strings.Contains(calls, "ecs describe-services --cluster life-web --services life-web-web --query services[].{service") {
		t.Errorf("the summary does not describe the released service:\n%s", calls)
	}
}

// A run of deploy.sh over a large environment deployed as built makes no change set but the
// one of the stack that reads its AMI from SSM, and reads no running task count: per stack it
// costs a look at its template and at the stack list, not seconds of a change set. Counted on
// the benchmark spec (internal/benchspec) of 200 services, with the fake AWS CLI.
func TestDeployLargeEnvironmentAsBuilt(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds and deploys a 200-service spec")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	const n = 200
	spec := filepath.Join(t.TempDir(), "spec.cue")
	if err := os.WriteFile(spec, []byte(benchspec.Spec(n)), 0o644); err != nil {
		t.Fatal(err)
	}
	envDir := buildInto(t, spec, t.TempDir())
	plan, _ := readPlan(t, envDir)
	stacks := stacksAtRest(t, envDir, "UPDATE_COMPLETE", "bench", "perf", nil)
	providers := "ANSWER_PROVIDERS=" + strings.Join(clusterProviders(t, envDir), `\t`)
	out, calls, failed := runWithAnswers(t, envDir, []string{"ANSWER_STACKS=" + stacks, providers,
		"ANSWER_IN_USE=bench-perf-general", "ECSGEN_TEMPLATE_BUCKET=templates"})
	if failed {
		t.Fatalf("deploy.sh failed:\n%s", out)
	}
	if got := deployed(calls); got != "bench-perf-cluster" {
		t.Errorf("deployed %q, want the cluster stack alone", got)
	}
	if got, want := strings.Count(out, "is deployed as built: skipped."), len(plan.Stacks)-1; got != want {
		t.Errorf("%d stacks skipped, want %d", got, want)
	}
	if strings.Contains(calls, "services[0].desiredCount") {
		t.Errorf("deploy.sh read the running count of a service it did not deploy")
	}
	// Nothing is read per service: not the capacity providers they use (the cluster has none
	// that its stack removes), nor their status for the summary (none was deployed). What is
	// left is a fixed number of calls: the stack list twice (before and after pruning), the
	// cluster's providers, the cluster stack's deploy, its exports and its outputs.
	if strings.Contains(calls, "ecs list-services") || strings.Contains(calls, "ecs describe-services") {
		t.Errorf("deploy.sh read the services, though it deployed none and the cluster removes no provider:\n%s", calls)
	}
	if n := strings.Count(calls, "\n"); n > 6 {
		t.Errorf("%d AWS CLI calls, want at most 6:\n%s", n, calls)
	}
	if want := fmt.Sprintf("Services not described, their stacks already deployed as built: %d of %d.", n, n); !strings.Contains(out, want) {
		t.Errorf("deploy.sh does not say %q:\n%s", want, out[max(0, len(out)-2000):])
	}
	t.Logf("%d stacks, %d AWS CLI calls", len(plan.Stacks), strings.Count(calls, "\n"))
}

// clusterProviders are the capacity providers the cluster stack of envDir keeps, as deploy.sh
// lists them.
func clusterProviders(t *testing.T, envDir string) []string {
	t.Helper()
	script, err := os.ReadFile(filepath.Join(envDir, "deploy.sh"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(script), "\n") {
		if keeps, ok := strings.CutPrefix(line, "keeps=\""); ok {
			return strings.Fields(strings.TrimSuffix(keeps, "\""))
		}
	}
	t.Fatal("deploy.sh lists no capacity providers the cluster keeps")
	return nil
}

// destroy.sh deletes the service stacks all at once and then follows them with one read of the
// stack list per poll, however many there are, before the cluster stack: one after the other,
// each took an ECS service's draining. A stack whose deletion failed is reported with its
// failed resources once the others have ended, and the cluster stack is left.
func TestDestroyDeletesServiceStacksAtOnce(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	envDir := buildInto(t, "testdata/lifecycle/fargate-services/v5.cue", t.TempDir())
	const (
		cluster = "life-web-cluster\tCREATE_COMPLETE\tlife\tweb"
		admin   = "life-web-svc-admin"
		web     = "life-web-svc-web"
	)
	for _, c := range []struct {
		name      string
		lists     []string // the stack list at each read: before, then at each poll
		fails     bool
		wantPolls int // reads of the stack list after the first
	}{
		{name: "both deleted", lists: []string{
			cluster + "\n" + admin + "\tCREATE_COMPLETE\tlife\tweb\n" + web + "\tUPDATE_COMPLETE\tlife\tweb",
			cluster + "\n" + admin + "\tDELETE_IN_PROGRESS\tlife\tweb\n" + web + "\tDELETE_IN_PROGRESS\tlife\tweb",
			cluster + "\n" + web + "\tDELETE_IN_PROGRESS\tlife\tweb",
			cluster,
			"life-web-cluster\tDELETE_IN_PROGRESS\tlife\tweb",
			"",
		}, wantPolls: 5},
		{name: "one deletion fails", lists: []string{
			cluster + "\n" + admin + "\tCREATE_COMPLETE\tlife\tweb\n" + web + "\tUPDATE_COMPLETE\tlife\tweb",
			cluster + "\n" + admin + "\tDELETE_FAILED\tlife\tweb\n" + web + "\tDELETE_IN_PROGRESS\tlife\tweb",
			cluster + "\n" + admin + "\tDELETE_FAILED\tlife\tweb",
		}, fails: true, wantPolls: 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			lists := filepath.Join(t.TempDir(), "lists")
			text := strings.ReplaceAll(strings.ReplaceAll(strings.Join(c.lists, "\n--\n"), `\n`, "\n"), `\t`, "\t")
			if err := os.WriteFile(lists, []byte(text+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			out, calls, failed := runScriptWithAnswers(t, filepath.Join(envDir, "destroy.sh"), []string{"LISTS=" + lists,
				"ANSWER_RESOURCE=", "ANSWER_EVENTS=Service\tAWS::ECS::Service\tDELETE_FAILED\tstill in use"}, "--yes")
			if failed != c.fails {
				t.Fatalf("destroy.sh failed %v, want %v:\n%s\ncalls:\n%s", failed, c.fails, out, calls)
			}
			var order []string // deletions and reads of the list, in order
			for _, line := range strings.Split(calls, "\n") {
				switch {
				case strings.Contains(line, "delete-stack --stack-name "):
					order = append(order, "delete "+strings.Fields(line[strings.Index(line, "--stack-name"):])[1])
				case strings.Contains(line, "[StackName, StackStatus,"):
					order = append(order, "list")
				}
			}
			want := []string{"list", "delete " + web, "delete " + admin} // the spec's service stacks in reverse order
			for range c.wantPolls {
				want = append(want, "list")
			}
			if !c.fails {
				// The cluster after the three polls that see the services go.
				want = slices.Insert(want, 6, "delete life-web-cluster")
			}
			if !slices.Equal(order, want) {
				t.Errorf("deletions and reads of the stack list:\n%s\nwant:\n%s\noutput:\n%s", strings.Join(order, "\n"), strings.Join(want, "\n"), out)
			}
			if c.fails {
				if !strings.Contains(out, "Stack "+admin+" could not be deleted") || !strings.Contains(out, "still in use") {
					t.Errorf("the failed deletion is not reported with its failed resources:\n%s", out)
				}
				return
			}
			if !strings.Contains(out, "2 of 2 stack(s) still being deleted") || !strings.Contains(out, "Deleted life-web from") {
				t.Errorf("destroy.sh does not say how the deletion goes:\n%s", out)
			}
		})
	}
}

// deploy.sh --parallel=N deploys up to N service stacks at once, wave after wave: a stack waits
// for the services it calls. In the service-connect scenario's last step, orders and web call
// nobody, payments calls orders and reports calls payments: waves {orders, web}, {payments},
// {reports}. Each deploy takes a while in the fake AWS CLI, which logs its begin and end.
func TestDeployParallel(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: each deploy of the fake AWS CLI takes a second")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	envDir := buildInto(t, "testdata/lifecycle/service-connect/v4.cue", t.TempDir())
	const (
		cluster  = "life-sc-cluster"
		orders   = "life-sc-svc-orders"
		web      = "life-sc-svc-web"
		payments = "life-sc-svc-payments"
		reports  = "life-sc-svc-reports"
	)
	existing := strings.Join([]string{cluster, orders, web, payments, reports}, `\tUPDATE_COMPLETE\tlife\tsc\t`+strings.Repeat("0", 64)+`\n`) +
		`\tUPDATE_COMPLETE\tlife\tsc\t` + strings.Repeat("0", 64)
	for _, c := range []struct {
		name    string
		answers []string
		// want: the deploys' begins and ends, each step's stacks in any order
		want [][]string
	}{
		{name: "first deploy", answers: []string{"ANSWER_STACKS="}, want: [][]string{
			{"begin " + cluster}, {"end " + cluster},
			{"begin " + orders, "begin " + web}, {"end " + orders, "end " + web},
			{"begin " + payments}, {"end " + payments},
			{"begin " + reports}, {"end " + reports},
		}},
		// The cluster stack removes a capacity provider the services use: the service stacks
		// that exist go first, in the same waves.
		{name: "service stacks first", answers: []string{"ANSWER_STACKS=" + existing,
			"ANSWER_PROVIDERS=life-sc-old\tFARGATE", "ANSWER_IN_USE=life-sc-old",
			"ANSWER_SERVICES=arn:aws:ecs:ap-northeast-1:123456789012:service/life-sc/life-sc-orders"}, want: [][]string{
			{"begin " + orders, "begin " + web}, {"end " + orders, "end " + web},
			{"begin " + payments}, {"end " + payments},
			{"begin " + reports}, {"end " + reports},
			{"begin " + cluster}, {"end " + cluster},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, calls, failed := runWithAnswers(t, envDir, append(c.answers, "DEPLOY_SECONDS=1"), "--parallel=2")
			if failed {
				t.Fatalf("deploy.sh --parallel=2 failed:\n%s\ncalls:\n%s", out, calls)
			}
			got := deploySteps(calls)
			var flat []string
			for _, step := range c.want {
				// Deploys that run side by side log in either order.
				n := min(len(step), len(got)-len(flat))
				part := slices.Clone(got[len(flat) : len(flat)+n])
				slices.Sort(part)
				if !slices.Equal(part, slices.Sorted(slices.Values(step))) {
					break
				}
				flat = append(flat, part...)
			}
			if len(flat) != len(got) || len(got) != 2*5 {
				t.Errorf("deploys began and ended in the order\n%s\nwant the steps %q\noutput:\n%s", strings.Join(got, "\n"), c.want, out)
			}
		})
	}

	// A deploy that fails: the other stack of its wave ends, no later wave starts, and the
	// script stops with the failed stack's output.
	out, calls, failed := runWithAnswers(t, envDir, []string{"ANSWER_STACKS=", "DEPLOY_SECONDS=1", "FAIL_DEPLOY=" + orders,
		"ANSWER_EVENTS=Service\tAWS::ECS::Service\tCREATE_FAILED\tcannot pull the image"}, "--parallel=2")
	if !failed {
		t.Fatalf("deploy.sh succeeded with a failed stack:\n%s", out)
	}
	if got := deploySteps(calls); slices.Contains(got, "begin "+payments) || !slices.Contains(got, "end "+web) {
		t.Errorf("after a failed stack: %q, want the other stack of its wave ended and nothing after", got)
	}
	if !strings.Contains(out, "Stack "+orders+": failed") || !strings.Contains(out, "cannot pull the image") {
		t.Errorf("the failed stack and its failed resources are not shown:\n%s", out)
	}

	// Never more than N at once: five services of the benchmark spec, none calling another.
	spec := filepath.Join(t.TempDir(), "spec.cue")
	if err := os.WriteFile(spec, []byte(benchspec.Spec(5)), 0o644); err != nil {
		t.Fatal(err)
	}
	benchDir := buildInto(t, spec, t.TempDir())
	out, calls, failed = runWithAnswers(t, benchDir, []string{"ANSWER_STACKS=", "DEPLOY_SECONDS=1", "ECSGEN_TEMPLATE_BUCKET=templates"}, "--parallel=2")
	if failed {
		t.Fatalf("deploy.sh --parallel=2 failed:\n%s", out)
	}
	running, most, began := 0, 0, 0
	for _, step := range deploySteps(calls) {
		if strings.HasPrefix(step, "begin ") {
			running++
			began++
		} else {
			running--
		}
		most = max(most, running)
	}
	if most != 2 || began != 6 {
		t.Errorf("%d stacks deployed, at most %d at once; want 6, 2 at once:\n%s", began, most, calls)
	}

	// Deployed as built: every stack (the cluster's and the four services') skipped by the
	// script itself, no job started (each wave
	// would cost a second's poll), and the run as quick as one stack after the other.
	stacks := stacksAtRest(t, envDir, "UPDATE_COMPLETE", "life", "sc", nil)
	start := time.Now()
	out, _, failed = runWithAnswers(t, envDir, []string{"ANSWER_STACKS=" + stacks}, "--parallel=2")
	if failed || strings.Contains(out, "in the background") || strings.Count(out, "is deployed as built: skipped.") != 5 ||
		time.Since(start) > 5*time.Second {
		t.Errorf("deploy.sh --parallel=2 of stacks deployed as built: failed %v after %s:\n%s", failed, time.Since(start), out)
	}

	// Not a number of stacks: stopped before any call.
	out, calls, failed = runWithAnswers(t, envDir, []string{"ANSWER_STACKS="}, "--parallel=0")
	if !failed || calls != "" || !strings.Contains(out, "--parallel=N takes a number of stacks") {
		t.Errorf("--parallel=0: failed %v, calls %q:\n%s", failed, calls, out)
	}
	// The number as a word of its own would go to every AWS CLI call: stopped too.
	out, calls, failed = runWithAnswers(t, envDir, []string{"ANSWER_STACKS="}, "--parallel", "4")
	if !failed || calls != "" || !strings.Contains(out, "write --parallel=N (one word)") {
		t.Errorf("--parallel 4: failed %v, calls %q:\n%s", failed, calls, out)
	}
}

// deploySteps lists the begins and ends of the deploys the fake AWS CLI logged (DEPLOY_SECONDS).
func deploySteps(calls string) []string {
	var steps []string
	for _, line := range strings.Split(calls, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && (f[0] == "deploy-begin" || f[0] == "deploy-end") {
			steps = append(steps, strings.TrimPrefix(f[0], "deploy-")+" "+f[1])
		}
	}
	return steps
}
