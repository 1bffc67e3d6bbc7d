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
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/ecsgen/ecsgen/internal/benchspec"
	"github.com/ecsgen/ecsgen/internal/build"
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
	return append(out, largeSpecDiagrams(t)...)
}

// largeSpecSizes are the benchmark spec's sizes whose README diagrams are checked besides the
// examples': 60 services still drawn box by box, 150 and 400 drawn in groups (one box per
// service would pass the 50 000 characters or 500 edges GitHub's Mermaid draws).
var largeSpecSizes = []int{60, 150, 400}

// largeSpecDiagrams builds the benchmark spec at each of largeSpecSizes and returns the
// Mermaid blocks of its READMEs.
func largeSpecDiagrams(t *testing.T) []mermaidDiagram {
	t.Helper()
	var out []mermaidDiagram
	for _, n := range largeSpecSizes {
		spec := filepath.Join(t.TempDir(), "spec.cue")
		if err := os.WriteFile(spec, []byte(benchspec.Spec(n)), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := build.Options{}.Files([]string{spec})
		if err != nil || len(res.Findings) > 0 {
			t.Fatalf("benchmark spec of %d services: %v %v", n, err, res.Findings)
		}
		for _, env := range res.Envs {
			readme := string(res.Files[env+"/README.md"])
			_, rest, _ := strings.Cut(readme, "```mermaid\n")
			text, _, ok := strings.Cut(rest, "```")
			if !ok {
				t.Errorf("benchmark spec of %d services: no Mermaid diagram in %s/README.md", n, env)
				continue
			}
			out = append(out, mermaidDiagram{Name: fmt.Sprintf("benchmark spec of %d services, %s/README.md", n, env), Text: text})
		}
	}
	return out
}

// A README's diagram is one GitHub draws: at most 50 000 characters (UTF-16 code units) and
// 500 edges, Mermaid's maxTextSize and maxEdges. Up to about a hundred services it has a box
// per service; beyond, a box per group of services, and it says so above the diagram.
func TestLargeSpecDiagramsFitGitHub(t *testing.T) {
	for i, d := range largeSpecDiagrams(t) {
		units := len(utf16.Encode([]rune(d.Text)))
		edges := 0
		for _, line := range strings.Split(d.Text, "\n") {
			if mermaidEdge.MatchString(line) {
				edges++
			}
		}
		if units > 50000 || edges > 500 {
			t.Errorf("%s: %d characters, %d edges: GitHub draws at most 50 000 and 500", d.Name, units, edges)
		}
		perService := strings.Contains(d.Text, "subgraph svc_x")
		if want := largeSpecSizes[i] <= 60; perService != want {
			t.Errorf("%s: a box per service: %v, want %v", d.Name, perService, want)
		}
	}
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
