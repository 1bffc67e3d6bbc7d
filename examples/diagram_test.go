package examples_test

// Diagrams: every per-environment README.md of the examples and golden cases holds a Mermaid
// flowchart of the deployment. This test checks them twice:
//
//  1. in Go, their structure: every box is declared once, before an edge names it, and every
//     edge joins declared boxes (Mermaid would silently draw an undeclared name as a new,
//     unlabelled box), and no box stands alone outside a subgraph;
//  2. with Mermaid's own parser (scripts/mermaid, run by node), the one GitHub renders with.
//     It needs `npm ci --prefix scripts/mermaid`; without it the step is skipped, or fails
//     under ECSGEN_REQUIRE_GATE=1 (CI).

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

type mermaidDiagram struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

// readmeDiagrams collects the Mermaid blocks of every generated README.
func readmeDiagrams(t *testing.T) []mermaidDiagram {
	t.Helper()
	var files []string
	for _, pattern := range []string{"*/out/*/README.md", "../testdata/golden/*/out/*/README.md"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no generated README.md under examples/*/out/*/")
	}
	var out []mermaidDiagram
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, rest, ok := strings.Cut(string(b), "```mermaid\n")
		if !ok {
			t.Errorf("%s: no Mermaid diagram", f)
			continue
		}
		text, _, ok := strings.Cut(rest, "```")
		if !ok {
			t.Errorf("%s: the Mermaid block is not closed", f)
			continue
		}
		out = append(out, mermaidDiagram{Name: f, Text: text})
	}
	return out
}

var (
	mermaidSubgraph = regexp.MustCompile(`^\s*subgraph (\w+)\["[^"]*"\]$`)
	mermaidNode     = regexp.MustCompile(`^\s*(\w+)\["[^"]*"\]$`)
	mermaidEdge     = regexp.MustCompile(`^\s*(\w+) (?:-->|-\.->)(?:\|"[^"]*"\|)? (\w+)$`)
)

func TestDiagramStructure(t *testing.T) {
	for _, d := range readmeDiagrams(t) {
		declared := map[string]bool{}
		topLevel := map[string]bool{} // boxes outside every subgraph
		linked := map[string]bool{}
		depth := 0
		lines := strings.Split(strings.TrimSpace(d.Text), "\n")
		if lines[0] != "flowchart LR" {
			t.Errorf("%s: starts with %q, want flowchart LR", d.Name, lines[0])
		}
		for i, line := range lines[1:] {
			declare := func(id string) {
				if declared[id] {
					t.Errorf("%s:%d: %s is declared twice", d.Name, i+2, id)
				}
				declared[id] = true
			}
			switch {
			case mermaidSubgraph.MatchString(line):
				declare(mermaidSubgraph.FindStringSubmatch(line)[1])
				depth++
			case strings.TrimSpace(line) == "end":
				depth--
			case mermaidNode.MatchString(line):
				id := mermaidNode.FindStringSubmatch(line)[1]
				declare(id)
				if depth == 0 {
					topLevel[id] = true
				}
			case mermaidEdge.MatchString(line):
				m := mermaidEdge.FindStringSubmatch(line)
				for _, id := range m[1:] {
					if !declared[id] {
						t.Errorf("%s:%d: the edge names %s before it is declared", d.Name, i+2, id)
					}
					linked[id] = true
				}
			default:
				t.Errorf("%s:%d: unexpected line %q", d.Name, i+2, line)
			}
		}
		if depth != 0 {
			t.Errorf("%s: %d subgraphs not closed", d.Name, depth)
		}
		for id := range topLevel {
			if !linked[id] {
				t.Errorf("%s: %s stands alone: no edge and no subgraph", d.Name, id)
			}
		}
	}
}

func TestDiagramsParseWithMermaid(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: Mermaid's parser runs in node")
	}
	dir, err := filepath.Abs("../scripts/mermaid")
	if err != nil {
		t.Fatal(err)
	}
	_, noNode := exec.LookPath("node")
	_, noModules := os.Stat(filepath.Join(dir, "node_modules", "mermaid"))
	if noNode != nil || noModules != nil {
		msg := "Mermaid's parser is not installed (node and `npm ci --prefix scripts/mermaid`)"
		if os.Getenv("ECSGEN_REQUIRE_GATE") == "1" {
			t.Fatal(msg + " (ECSGEN_REQUIRE_GATE=1)")
		}
		t.Skip(msg)
	}
	input, err := json.Marshal(readmeDiagrams(t))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", filepath.Join(dir, "parse.mjs"))
	cmd.Stdin = bytes.NewReader(input)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("Mermaid rejected diagrams: %v\n%s", err, out)
	}
	t.Logf("%s", bytes.TrimSpace(out))
}
