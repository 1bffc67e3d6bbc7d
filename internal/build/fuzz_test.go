package build_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/load"
)

// FuzzBuild feeds arbitrary bytes to the whole pipeline as a spec file. Whatever the input, the
// build must not panic, and must end either in findings that each carry a message (exit 1) or
// in files that meet the generators' own invariants. Seeds: every example and
// testdata/fuzz-seeds/*.cue. Run it with: go test ./internal/build -run '^$' -fuzz FuzzBuild
func FuzzBuild(f *testing.F) {
	seeds, _ := filepath.Glob("../../examples/*/spec.cue")
	more, _ := filepath.Glob("../../testdata/fuzz-seeds/*.cue")
	for _, p := range append(seeds, more...) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, spec []byte) {
		file := filepath.Join(dir, "spec.cue")
		if err := os.WriteFile(file, spec, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := build.Files([]string{file}, load.Options{})
		if err != nil {
			// Internal errors are bugs too, except what the file system says.
			if !strings.Contains(err.Error(), "no such file") {
				t.Fatalf("internal error: %v", err)
			}
			return
		}
		if res.Files == nil {
			if len(res.Findings) == 0 {
				t.Fatal("no output and no finding")
			}
			for _, fd := range res.Findings {
				if fd.Message == "" {
					t.Fatalf("finding without a message: %+v", fd)
				}
			}
			return
		}
		checkInvariants(t, res.Files)
	})
}

// checkInvariants are what every generated file must satisfy, whatever the spec.
func checkInvariants(t *testing.T, files map[string][]byte) {
	t.Helper()
	for p, b := range files {
		if !utf8.Valid(b) {
			t.Errorf("%s: not UTF-8", p)
		}
		if bytes.IndexByte(b, 0) >= 0 {
			t.Errorf("%s: holds a NUL byte (an intrinsic marker leaked)", p)
		}
		switch {
		case strings.HasSuffix(p, ".json"):
			var v any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Errorf("%s: not JSON: %v", p, err)
			}
		case strings.HasSuffix(p, ".sh"):
			if !bytes.HasPrefix(b, []byte("#!/bin/bash\n")) {
				t.Errorf("%s: no bash shebang", p)
			}
		}
	}
}

// The hostile seed builds, and its values come out exactly as written.
func TestHostileValues(t *testing.T) {
	res, err := build.Files([]string{"../../testdata/fuzz-seeds/hostile-values.cue"}, load.Options{})
	if err != nil || res.Files == nil {
		t.Fatalf("%v\n%s", err, res.Findings)
	}
	checkInvariants(t, res.Files)
	var td struct {
		ContainerDefinitions []struct {
			Environment []struct{ Name, Value string }
			Command     []string
		}
	}
	if err := json.Unmarshal(res.Files["dev/taskdefs/web.json"], &td); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, e := range td.ContainerDefinitions[0].Environment {
		env[e.Name] = e.Value
	}
	want := map[string]string{
		"QUOTES":   `"double" and 'single'`,
		"NEWLINES": "line1\nline2\r\nline3",
		"DOLLAR":   "$HOME ${HOME} $(id) `id` ${AWS::Region} ${!Literal}",
		"UNICODE":  "日本語 ☃ \u2028",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if got := td.ContainerDefinitions[0].Command[2]; got != `echo "$(date)" && echo '${HOME}'` {
		t.Errorf("command = %q", got)
	}
	// In the stack the same values are plain strings: CloudFormation does not interpret "${"
	// outside Fn::Sub, so they stay literal there too.
	stack := string(res.Files["dev/stacks/demo-dev-svc-web.json"])
	if !strings.Contains(stack, `"Value": "$HOME ${HOME} $(id) `+"`id`"+` ${AWS::Region} ${!Literal}"`) {
		t.Error("the stack's environment value was altered")
	}
	// A user's ARN goes into Fn::Sub with "${" escaped, except the pseudo parameters.
	if !strings.Contains(stack, `"Fn::Sub": "arn:aws:s3:::bucket/${!aws:username}/$(x)`+"`y`"+`/*"`) {
		t.Error("the task role resource was not escaped for Fn::Sub")
	}
	if !strings.Contains(string(res.Files["dev/policies/web-task.json"]), `"arn:aws:s3:::bucket/${aws:username}/$(x)`+"`y`"+`/*"`) {
		t.Error("the policy file does not hold the resource as written")
	}
}
