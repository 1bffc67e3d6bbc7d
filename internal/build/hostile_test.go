package build_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/load"
)

const hostileHead = `system: "demo"
env: "dev"
region: "ap-northeast-1"
network: {vpc: "vpc-0123456789abcdef0", subnets: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]}
cluster: capacity: ec2: general: {instanceType: "t3.small", size: {min: 0, max: 2}}
`

// bigEnvironment is about 10 MB of environment variables.
func bigEnvironment() string {
	var b strings.Builder
	value := strings.Repeat("x", 1000)
	for i := range 10000 {
		fmt.Fprintf(&b, "V%d: %q\n", i, value)
	}
	return b.String()
}

// Input a compiler meets in the wild ends in findings, one short line each, never in a crash
// or an internal error.
func TestHostileInput(t *testing.T) {
	cases := map[string]string{
		"deeply nested":     hostileHead + "tags: " + strings.Repeat("{a: ", 20000) + `"x"` + strings.Repeat("}", 20000) + "\nservices: {}\n",
		"very long string":  hostileHead + `services: web: containers: web: {image: "` + strings.Repeat("n", 2_000_000) + `", memory: 256}` + "\n",
		"forbidden names":   hostileHead + `services: "Web_1!": containers: "web/1": {image: "nginx", memory: 256}` + "\n",
		"quotes in a label": hostileHead + `services: web: containers: web: {image: "nginx", memory: 256, environment: "A\"B": "x"}` + "\n",
		"shell in a name":   hostileHead + `services: "$(id)": containers: web: {image: "nginx", memory: 256}` + "\n",
		"binary":            "\x00\x01\x02\xff\xfe",
		"10 MB spec":        hostileHead + `services: web: containers: web: {image: "nginx", memory: 256, environment: {` + bigEnvironment() + "}}\n",
		"unterminated":      hostileHead + `services: web: containers: web: {image: "nginx`,
	}
	for name, spec := range cases {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "spec.cue")
			if err := os.WriteFile(file, []byte(spec), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := build.Files([]string{file}, load.Options{})
			if err != nil {
				t.Fatalf("internal error: %v", err)
			}
			if res.Files != nil || len(res.Findings) == 0 {
				t.Fatalf("want findings, got %d files", len(res.Files))
			}
			for _, f := range res.Findings {
				if line := f.String(); len(line) > 600 || strings.Contains(line, "\n") {
					t.Errorf("not one short line (%d bytes): %.200s", len(line), line)
				}
			}
		})
	}
}
