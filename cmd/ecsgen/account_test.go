package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/internal/motoserver"
)

// The account verbs end to end against moto on 127.0.0.1: nothing deployed yet, so diff
// reports every stack as new and exits 1; import of a service that does not exist exits 2 with
// one line. (internal/deployed tests the comparisons and the import round trip in depth.)
func TestAccountVerbsAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: needs moto")
	}
	if why := motoserver.Available(); why != "" {
		if os.Getenv("ECSGEN_REQUIRE_GATE") == "1" {
			t.Fatal(why + " (ECSGEN_REQUIRE_GATE=1)")
		}
		t.Skip(why)
	}
	m := motoserver.Start(t)
	m.Setenv(t, "us-east-1")

	spec := filepath.Join(t.TempDir(), "spec.cue")
	src, err := os.ReadFile("../../examples/cluster-autoscaling/spec.cue")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spec, src, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"diff", spec, "--format", "json"}, &stdout, &stderr); code != exitInvalid {
		t.Fatalf("diff of an environment not deployed: exit %d, want 1\n%s", code, stderr.String())
	}
	var doc struct {
		OK           bool `json:"ok"`
		Environments []struct {
			Name     string `json:"name"`
			Deployed struct {
				Stacks []struct {
					Stack string `json:"stack"`
					New   bool   `json:"new"`
				} `json:"stacks"`
			} `json:"deployed"`
		} `json:"environments"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("diff --format json: %v\n%s", err, stdout.String())
	}
	if doc.OK || len(doc.Environments) != 1 || len(doc.Environments[0].Deployed.Stacks) == 0 {
		t.Fatalf("diff --format json: %s", stdout.String())
	}
	for _, s := range doc.Environments[0].Deployed.Stacks {
		if !s.New {
			t.Errorf("stack %s is not reported as new", s.Stack)
		}
	}

	stdout.Reset()
	stderr.Reset()
	code := run([]string{"import", "--cluster", "nosuch", "--service", "demo-dev-web"}, &stdout, &stderr)
	if code != exitUsage || stdout.Len() != 0 || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), "no active service demo-dev-web in cluster nosuch") {
		t.Errorf("import of a missing service: exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
	}
}
