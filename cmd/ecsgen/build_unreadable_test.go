package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildOverUnreadablePreviousOutput: a committed file of the previous output that does not
// parse — a merge conflict in a stack both branches regenerated, a hand edit — used to stop
// every build with an internal error (the plan could not read it) until the file was deleted.
// The build replaces it: it writes the new output, says the plan is not compared, and exits 0;
// the next build plans as usual. `ecsgen plan` says which file, and exits 1.
func TestBuildOverUnreadablePreviousOutput(t *testing.T) {
	spec := "../../examples/fargate-web/spec.cue"
	conflict := "<<<<<<< HEAD\n{\"Resources\": {}}\n=======\n{}\n>>>>>>> feature\n"
	for _, broken := range []string{"stacks/sample-prd-cluster.json", "deploy-plan.json"} {
		t.Run(broken, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			build := func(format string) (int, string, string) {
				var stdout, stderr bytes.Buffer
				code := run([]string{"build", "--cache-dir", "off", "--format", format, "-o", out, spec}, &stdout, &stderr)
				return code, stdout.String(), stderr.String()
			}
			if code, _, stderr := build("text"); code != 0 {
				t.Fatalf("first build: exit %d\n%s", code, stderr)
			}
			file := filepath.Join(out, "prd", filepath.FromSlash(broken))
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(conflict), 0o644); err != nil {
				t.Fatal(err)
			}

			// `ecsgen plan` cannot plan from it: a failure naming the file, exit 1, not an
			// internal error.
			var planOut, planErr bytes.Buffer
			if code := run([]string{"plan", "--cache-dir", "off", "-o", out, spec}, &planOut, &planErr); code != exitInvalid || !strings.Contains(planErr.String(), "previous output: "+broken) || !strings.Contains(planErr.String(), "run `ecsgen build`") {
				t.Errorf("plan over the conflict: exit %d, want %d naming %s:\n%s", code, exitInvalid, broken, planErr.String())
			}

			code, stdout, stderr := build("json")
			if code != 0 {
				t.Fatalf("build over the conflict: exit %d\n%s%s", code, stdout, stderr)
			}
			var report struct {
				Plans []struct {
					Env        string `json:"env"`
					Unreadable string `json:"unreadable"`
				} `json:"plans"`
			}
			if err := json.Unmarshal([]byte(stdout), &report); err != nil {
				t.Fatalf("%v\n%s", err, stdout)
			}
			if len(report.Plans) != 1 || report.Plans[0].Env != "prd" || !strings.Contains(report.Plans[0].Unreadable, broken) {
				t.Errorf("JSON report's plans: %+v, want prd's saying %s does not read", report.Plans, broken)
			}
			if !strings.Contains(stderr, "plan "+filepath.Join(out, "prd")+": not compared: the previous output does not read (") {
				t.Errorf("the build does not say the plan was not compared:\n%s", stderr)
			}
			if got, _ := os.ReadFile(file); !bytes.Equal(got, want) {
				t.Errorf("%s was not written again:\n%s", broken, got)
			}

			code, stdout, stderr = build("text")
			if code != 0 || !strings.Contains(stdout, "plan "+filepath.Join(out, "prd")+": no change to any stack") {
				t.Errorf("the next build: exit %d, want a plan with no change:\n%s%s", code, stdout, stderr)
			}
		})
	}
}
