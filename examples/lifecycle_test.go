package examples_test

// Lifecycle tests: a scenario is a sequence of spec versions (testdata/lifecycle/<scenario>/v1.cue,
// v2.cue, …), as a team edits its spec over time. Each version is built into the same output
// directory (the previous output stays there, as in a repository) and deployed with its own
// deploy.sh --prune into one moto server, twice: the second run must change nothing. Then
// destroy.sh deletes the environment, twice (the second run finds nothing left to delete), and
// deploy.sh creates it again over the log groups that destroy.sh kept.
//
// Before each step, its plan against the previous step's output (what `ecsgen plan` prints) is
// compared with the golden file <version>.plan. A step whose plan is blocked is not deployed,
// as a user would not: moto would accept it (it updates a load balancer's Scheme in place, where
// CloudFormation must replace it and refuses to because its name is set), so deploying it
// would prove nothing. The next step is the way the plan points to. With -short only the plans
// are checked.
//
// What moto cannot prove here, and a real account must (docs/real-account.md):
//   - replacements: moto updates a service's deployment controller or a listener rule's
//     listener in place, where CloudFormation replaces the resource (the plan says replace);
//   - capacity providers: moto's CloudFormation skips AWS::ECS::CapacityProvider and
//     ::ClusterCapacityProviderAssociations and records no capacity provider strategy on
//     services, so the order deploy.sh chooses when a capacity goes away is not exercised
//     (TestDeployOrderCapacity exercises that logic against recorded AWS answers);
//   - CodeDeploy: the release runs against testdata/motoserver.py's stub (the deployment
//     succeeds at once and the service takes the new task definition; no traffic shift).

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/golden"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/internal/plan"
	"github.com/ecsgen/ecsgen/internal/write"
)

func TestLifecycle(t *testing.T) {
	deploy := !testing.Short() // -short: the plans only
	if deploy {
		requireDeployTools(t)
	}
	scenarios, err := filepath.Glob("testdata/lifecycle/*")
	if err != nil || len(scenarios) == 0 {
		t.Fatalf("no scenarios under testdata/lifecycle (%v)", err)
	}
	for _, scenario := range scenarios {
		t.Run(filepath.Base(scenario), func(t *testing.T) {
			t.Parallel()
			versions, _ := filepath.Glob(filepath.Join(scenario, "v*.cue"))
			slices.Sort(versions)
			if len(versions) < 2 {
				t.Fatalf("%s: fewer than two spec versions", scenario)
			}
			var m *motoServer
			if deploy {
				m = startMotoWith(t, abs(motoLauncher))
			}
			out := t.TempDir()
			var subst map[string]string
			var last *deployment
			for _, v := range versions {
				step := strings.TrimSuffix(filepath.Base(v), ".cue")
				if blocked := checkPlan(t, v, out); blocked {
					// As on AWS, where CloudFormation would refuse it half-way: the user sees
					// the plan, does not deploy, and takes the way it says (the next step).
					t.Logf("%s: the plan is blocked; not deployed", step)
					continue
				}
				envDir := buildInto(t, v, out)
				if !deploy {
					continue
				}
				plan, templates := readPlan(t, envDir)
				if subst == nil {
					// The versions share their network: stand-ins are created once.
					subst = m.externalIDs(t, plan.Region, plan, templates)
				}
				d := &deployment{m: m, dir: filepath.Join(t.TempDir(), step), region: plan.Region}
				copyOutput(t, envDir, d.dir, subst)
				d.plan, _ = readPlan(t, d.dir)
				t.Run(step, func(t *testing.T) {
					d.run(t, "--prune")
					first := d.state(t)
					d.checkStacks(t, first)
					d.checkServices(t, first)
					d.checkReleases(t, first)
					out := d.run(t, "--prune")
					if diff := first.diff(d.state(t)); diff != "" {
						t.Errorf("the second run of deploy.sh changed the environment:\n%s\noutput:\n%s", diff, out)
					}
				})
				if t.Failed() {
					return
				}
				last = d
			}
			if !deploy {
				return
			}
			t.Run("destroy", func(t *testing.T) {
				out, err := last.script(t, "destroy.sh")
				if err != nil {
					t.Fatalf("destroy.sh without --yes: %v\n%s", err, out)
				}
				before := last.state(t)
				if len(before.Stacks) == 0 {
					t.Fatal("no stack before destroy.sh")
				}
				if diff := before.diff(last.state(t)); diff != "" || !strings.Contains(out, "Run destroy.sh --yes") {
					t.Errorf("destroy.sh without --yes must change nothing and say how to go on:\n%s\n%s", diff, out)
				}
				for run := 1; run <= 2; run++ {
					out, err := last.script(t, "destroy.sh", "--yes")
					if err != nil {
						t.Fatalf("destroy.sh --yes (run %d): %v\n%s", run, err, out)
					}
				}
				if after := last.state(t); len(after.Stacks) != 0 || len(after.Services) != 0 {
					t.Errorf("after destroy.sh: stacks %v, services %v", sortedKeys(after.Stacks), sortedKeys(after.Services))
				}
			})
			// The retained log groups outlived destroy.sh: deploying the environment again
			// imports them instead of failing on "already exists".
			t.Run("redeploy", func(t *testing.T) {
				out := last.run(t)
				if !strings.Contains(out, "log groups that outlived an earlier stack (imported)") {
					t.Errorf("no stack imported its retained log groups:\n%s", out)
				}
				st := last.state(t)
				last.checkStacks(t, st)
				last.checkServices(t, st)
			})
		})
	}
}

// buildSpec builds a spec version in memory; it must have no error.
func buildSpec(t *testing.T, spec string) *build.Result {
	t.Helper()
	res, err := build.Files([]string{spec}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Findings.HasErrors() {
		t.Fatalf("%s: %v", spec, res.Findings)
	}
	return res
}

// checkPlan compares the plan of a spec version against the output in out (the previous
// step's, as a user's committed output) with the golden file <version>.plan beside it, and
// tells whether the plan has a blocked change.
func checkPlan(t *testing.T, spec, out string) bool {
	t.Helper()
	res := buildSpec(t, spec)
	plans, err := plan.Environments(out, res.Envs, res.Files)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	blocked := false
	for _, p := range plans {
		p.Text(&b, filepath.Join("out", p.Env))
		blocked = blocked || p.Count()[plan.Blocked] > 0
	}
	diffs, err := golden.File(strings.TrimSuffix(spec, ".cue")+".plan", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Error(d)
	}
	return blocked
}

// buildInto builds a spec version into the output directory out, as `ecsgen build -o out`
// does, and returns its one environment's directory.
func buildInto(t *testing.T, spec, out string) string {
	t.Helper()
	res := buildSpec(t, spec)
	if _, err := write.Dir(out, res.Files); err != nil {
		t.Fatal(err)
	}
	if len(res.Envs) != 1 {
		t.Fatalf("%s: %d environments; a lifecycle scenario has one", spec, len(res.Envs))
	}
	return filepath.Join(out, res.Envs[0])
}

// checkStacks: exactly the plan's stacks exist (a removed service's stack was pruned), each
// tagged with the environment, none in a failed state.
func (d *deployment) checkStacks(t *testing.T, st envState) {
	t.Helper()
	var want []string
	for _, s := range d.plan.Stacks {
		want = append(want, s.Name)
	}
	slices.Sort(want)
	if got := sortedKeys(st.Stacks); !slices.Equal(got, want) {
		t.Errorf("stacks %v after deploy.sh --prune, the plan has %v", got, want)
	}
	for name, s := range st.Stacks {
		if !strings.HasSuffix(s.Status, "_COMPLETE") || strings.Contains(s.Status, "ROLLBACK") {
			t.Errorf("stack %s: %s", name, s.Status)
		}
		if s.Tags["ecsgen:system"] == "" || s.Tags["ecsgen:env"] == "" {
			t.Errorf("stack %s: not tagged with its environment: %v", name, s.Tags)
		}
	}
}

// checkReleases: a CodeDeploy service runs the task definition of this version (its
// revision the stack registered), after deploy.sh released it.
func (d *deployment) checkReleases(t *testing.T, st envState) {
	t.Helper()
	for _, s := range d.releases(t) {
		var svc struct{ TaskDefinition string }
		for arn, got := range st.Services {
			if strings.HasSuffix(arn, "/"+s.Service) {
				svc.TaskDefinition = got.TaskDefinition
			}
		}
		if svc.TaskDefinition == "" {
			t.Errorf("CodeDeploy service %s: not found", s.Service)
			continue
		}
		var res struct {
			StackResourceDetail struct{ PhysicalResourceId string }
		}
		d.awsJSON(t, &res, "cloudformation", "describe-stack-resource", "--stack-name", s.Stack, "--logical-resource-id", s.TaskDefinition)
		if got, want := svc.TaskDefinition, res.StackResourceDetail.PhysicalResourceId; got != want {
			t.Errorf("CodeDeploy service %s runs %s, not the revision %s of this version's stack", s.Service, got, want)
		}
	}
}

type release struct {
	Stack          string `json:"-"`
	Service        string `json:"service"`
	TaskDefinition string `json:"taskDefinition"` // the stack's logical id of the revision to release
}

// releases are the CodeDeploy releases of the plan.
func (d *deployment) releases(t *testing.T) []release {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(d.dir, "deploy-plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var plan struct {
		Stacks []struct {
			Name    string   `json:"name"`
			Release *release `json:"release"`
		} `json:"stacks"`
	}
	if err := json.Unmarshal(raw, &plan); err != nil {
		t.Fatal(err)
	}
	var out []release
	for _, s := range plan.Stacks {
		if s.Release != nil {
			r := *s.Release
			r.Stack = s.Name
			out = append(out, r)
		}
	}
	return out
}
