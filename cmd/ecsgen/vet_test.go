package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/internal/benchspec"
)

// vet generates every stack, so that what only generating finds (a stack over
// CloudFormation's limits, R58) is reported as build reports it, though it drops each
// service's files as they are made and writes nothing.
func TestVetGeneratesAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	src := benchspec.Spec(12)
	spec := filepath.Join(dir, "spec.cue")
	vet := func() (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run([]string{"vet", "--cache-dir", "off", spec}, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	os.WriteFile(spec, []byte(src), 0o644)
	if code, out, msg := vet(); code != 0 || !strings.Contains(out+msg, ": ok (1 environment") {
		t.Fatalf("exit %d: %s%s", code, out, msg)
	}
	var big strings.Builder
	for i := range 150 {
		fmt.Fprintf(&big, "\t\t\t\t\tBIG_%03d: %q\n", i, strings.Repeat("x", 8000))
	}
	edited := strings.Replace(src, "\t\t\t\t\tFEATURE_0005: \"on\"\n", "\t\t\t\t\tFEATURE_0005: \"on\"\n"+big.String(), 1)
	if edited == src {
		t.Fatal("the spec was not edited")
	}
	os.WriteFile(spec, []byte(edited), 0o644)
	code, out, msg := vet()
	if code != 1 || !strings.Contains(msg, "[R58]") {
		t.Fatalf("exit %d: %s%s", code, out, msg)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("vet wrote into the spec's directory: %v", entries)
	}
}
