package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/plan"
	"github.com/ecsgen/ecsgen/internal/write"
)

// TestChecklistSummary: a build prints at most a few items of a long pre-deploy checklist and
// points at checklist.md; a rebuild that changed nothing prints only their number.
func TestChecklistSummary(t *testing.T) {
	var md strings.Builder
	md.WriteString("# Before the first deploy\n\n")
	for i := range 2405 {
		fmt.Fprintf(&md, "- [ ] item %d\n\n```sh\naws ssm get-parameter --name p%d\n```\n\n", i, i)
	}
	res := &build.Result{Envs: []string{"perf"}, Files: generators.Files{"perf/checklist.md": []byte(md.String()), "perf/deploy.sh": nil}}
	report := func(st write.Stats) string {
		var out bytes.Buffer
		reportBuild(newReporter(formatText, &out, &out), "out", res, st, []*plan.Plan{{Env: "perf"}})
		return out.String()
	}

	fresh := report(write.Stats{Written: []string{"perf/checklist.md", "perf/deploy.sh"}})
	want := "ecsgen: out/perf: 2 files written, 0 unchanged\n" +
		"before the first deploy, check the 2405 items of out/perf/checklist.md, with a command each, e.g.:\n" +
		"  - item 0\n  - item 1\n  - item 2\n  - item 3\n  - item 4\n  … and 2400 more\n" +
		"deploy with: out/perf/deploy.sh\n"
	if fresh != want {
		t.Errorf("fresh build:\n%s\nwant:\n%s", fresh, want)
	}

	unchanged := report(write.Stats{Unchanged: 2, UnchangedIn: map[string]int{"perf": 2}})
	want = "ecsgen: out/perf: 0 files written, 2 unchanged\n" +
		"before the first deploy, check the 2405 items of out/perf/checklist.md (unchanged)\n" +
		"deploy with: out/perf/deploy.sh\n"
	if unchanged != want {
		t.Errorf("rebuild with nothing changed:\n%s\nwant:\n%s", unchanged, want)
	}
}
