package examples_test

// cfn-lint, once per region for every output the gate judges: one Python start and one load
// of the resource specifications instead of one per output directory (each takes seconds).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cfnLint is the cfn-lint runs of the gate, one per region, started at once.
type cfnLint struct {
	runs map[string]*cfnLintRun // by region
}

type cfnLintRun struct {
	done     chan struct{}
	byFile   map[string][]string // parseable lines, by file (cleaned path)
	failure  string              // the run itself failed: its error and output
	duration time.Duration
}

// lintTimeout bounds one cfn-lint run over every template of a region.
const lintTimeout = 10 * time.Minute

// startCfnLint starts cfn-lint for the templates of every output in dirs: every stacks/*.json
// and every template its deploy-plan.json names, each run with --regions set to the plans'
// region.
func startCfnLint(t *testing.T, dirs []string) *cfnLint {
	t.Helper()
	files := map[string][]string{} // by region
	for _, dir := range dirs {
		raw, err := os.ReadFile(filepath.Join(dir, "deploy-plan.json"))
		if err != nil {
			t.Fatal(err)
		}
		var plan deployPlan
		if err := json.Unmarshal(raw, &plan); err != nil || plan.Region == "" {
			continue // judgeOutput reports it
		}
		seen := map[string]bool{}
		add := func(f string) {
			if f = filepath.Clean(f); !seen[f] {
				seen[f] = true
				files[plan.Region] = append(files[plan.Region], f)
			}
		}
		stacks, _ := filepath.Glob(filepath.Join(dir, "stacks", "*.json"))
		for _, f := range stacks {
			add(f)
		}
		for _, s := range plan.Stacks {
			if s.Template != "" {
				add(filepath.Join(dir, s.Template))
			}
		}
	}
	l := &cfnLint{runs: map[string]*cfnLintRun{}}
	for _, region := range sortedKeys(files) {
		r := &cfnLintRun{done: make(chan struct{}), byFile: map[string][]string{}}
		l.runs[region] = r
		go r.run(region, files[region])
	}
	// The runs end before the test does, whatever happens to it: no process outlives it.
	t.Cleanup(func() {
		for _, r := range l.runs {
			<-r.done
		}
	})
	return l
}

func (r *cfnLintRun) run(region string, files []string) {
	defer close(r.done)
	began := time.Now()
	defer func() { r.duration = time.Since(began) }()
	// Not the subtest's context: the runs serve every output; startCfnLint waits for them.
	ctx, cancel := context.WithTimeout(context.Background(), lintTimeout)
	defer cancel()
	args := append([]string{"--format", "parseable", "--regions=" + region, "--"}, files...)
	cmd := exec.CommandContext(ctx, "cfn-lint", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	// Exit codes are a bit mask of what was found: 2 error, 4 warning, 8 info. Anything else
	// (1, a signal) is a failure of the run.
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() > 1 && exit.ExitCode()&^14 == 0) {
		r.failure = fmt.Sprintf("cfn-lint %s: %v\n%s%s", strings.Join(args, " "), err, stderr.String(), stdout.String())
		return
	}
	if stderr.Len() > 0 {
		r.failure = fmt.Sprintf("cfn-lint %s printed on stderr:\n%s", strings.Join(args, " "), stderr.String())
	}
	known := map[string]bool{}
	for _, f := range files {
		known[f] = true
	}
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		// filename:line:column:endline:endcolumn:rule:message
		file, _, _ := strings.Cut(line, ":")
		if file = filepath.Clean(file); known[file] {
			r.byFile[file] = append(r.byFile[file], line)
		} else if strings.TrimSpace(line) != "" {
			r.failure += "unattributed: " + line + "\n"
		}
	}
	if err == nil && len(r.byFile) > 0 {
		r.failure += "cfn-lint exited 0 but reported matches\n"
	}
}

// result waits for the region's run and returns what it found in files: "" when nothing.
func (l *cfnLint) result(t *testing.T, region string, files []string) string {
	t.Helper()
	r := l.runs[region]
	if r == nil {
		return "no cfn-lint run for region " + region
	}
	<-r.done
	var out []string
	if r.failure != "" {
		out = append(out, r.failure)
	}
	for _, f := range files {
		out = append(out, r.byFile[filepath.Clean(f)]...)
	}
	return strings.Join(out, "\n")
}
