package plan

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// MayExport is false only for templates none of whose outputs has an Export, however the key
// is spelt (encoding/json matches keys without regard to case).
func TestMayExport(t *testing.T) {
	for _, raw := range []string{
		`{"Outputs": {"O": {"Value": 1, "Export": {"Name": "n"}}}}`,
		`{"Outputs": {"O": {"Value": 1, "export": {"Name": "n"}}}}`,
		`{"Outputs": {"O": {"Value": 1, "eXpOrT": {"Name": "n"}}}}`,
		`{"Outputs": {"O": {"Value": 1, "\u0045xport": {"Name": "n"}}}}`,
		`{"Outputs": {"O": {"Value": 1, "Ex\u0070ort": {"Name": "n"}}}}`,
		`{"Outputs": {"O": {"Value": 1, "Expor": {"Name": "n"}}}}`,
		`{"Outputs": {"O": {"Value": 1}}, "Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}`,
		`{"Outputs": {"O": {"Value": "x", "Exports": 1}}}`,
		`{"Outputs": {"O": {"Value": "export"}}}`,
		`xport`, `Export`, ``,
	} {
		var tpl template
		exports := false
		if json.Unmarshal([]byte(raw), &tpl) == nil {
			for _, o := range tpl.Outputs {
				exports = exports || o.Export != nil
			}
		}
		if got := MayExport([]byte(raw)); exports && !got {
			t.Errorf("MayExport(%s) = false, but an output exports", raw)
		}
		if want := strings.Contains(strings.ToLower(raw), "export") || strings.Contains(raw, `\u`); MayExport([]byte(raw)) != want {
			t.Errorf("MayExport(%s) = %v, want %v", raw, !want, want)
		}
	}
}

// exportScenario: a cluster stack, a queue stack a that exports demo-dev:queue, a service
// stack that imports it, a queue stack b, and stacks that neither export nor import
// anything (the services a rebuild leaves alone).
func exportScenario(t *testing.T, edit func(s *st)) map[string][]byte {
	t.Helper()
	queue := func(name, id string, export bool) st {
		s := st{name: name, resources: map[string]any{id: res("AWS::SQS::Queue", map[string]any{})}}
		if export {
			s.outputs = map[string]any{"QueueUrl": exported("demo-dev:queue", ref(id))}
		}
		return s
	}
	stacks := []st{
		{name: "demo-dev-cluster", resources: map[string]any{"Cluster": res("AWS::ECS::Cluster", map[string]any{"ClusterName": "demo-dev"})},
			outputs: map[string]any{"ClusterName": exported("demo-dev-cluster:ClusterName", ref("Cluster"))}},
		queue("demo-dev-a", "QueueA", true),
		{name: "demo-dev-svc-user", resources: map[string]any{"Service": service(map[string]any{"ServiceName": "demo-dev-user", "Environment": imp("demo-dev:queue")})}},
		queue("demo-dev-b", "QueueB", false),
	}
	for _, name := range []string{"demo-dev-svc-p", "demo-dev-svc-q", "demo-dev-svc-r"} {
		stacks = append(stacks, st{name: name, resources: map[string]any{"Service": service(map[string]any{"ServiceName": name})}})
	}
	for i := range stacks {
		if edit != nil {
			edit(&stacks[i])
		}
	}
	return files(t, stacks...)
}

// escapeExport spells the key Export of a stack's template with an escape, as encoding/json
// reads it (and ecsgen never writes it).
func escapeExport(t *testing.T, files map[string][]byte, rel string) {
	t.Helper()
	b := bytes.ReplaceAll(files[rel], []byte(`"Export"`), []byte(`"\u0045xport"`))
	var tpl template
	if bytes.Equal(b, files[rel]) || json.Unmarshal(b, &tpl) != nil || tpl.Outputs["QueueUrl"].Export == nil {
		t.Fatalf("%s: no escaped Export in %s", rel, b)
	}
	files[rel] = b
}

// TestScannedExports: the plan told what MayExport says of the unchanged stacks (as `ecsgen
// build` tells it, Options.MayExport) finds what the plan that reads every template finds
// (compareBoth compares them), and reads a template only to parse it: an unchanged stack that
// may export is parsed, one that cannot is never read.
func TestScannedExports(t *testing.T) {
	startsExporting := func(s *st) {
		if s.name == "demo-dev-b" {
			s.outputs = map[string]any{"QueueUrl": exported("demo-dev:queue", ref("QueueB"))}
		}
	}
	for _, c := range []struct {
		name   string
		old    map[string][]byte
		new    map[string][]byte
		change string   // a change the plan must find
		read   []string // templates held by neither output that must be read (parsed)
		spared []string // and that must not be read
	}{
		// An export whose value changes while an unchanged stack imports it: the exporter is
		// edited (held), the importer is parsed because the export is in use.
		{"an export's value changes", exportScenario(t, nil), exportScenario(t, func(s *st) {
			if s.name == "demo-dev-a" {
				s.outputs = map[string]any{"QueueUrl": exported("demo-dev:queue", "https://sqs/other")}
			}
		}), "demo-dev-a/Outputs.QueueUrl blocked", []string{"demo-dev-svc-user.json"}, nil},
		// An unchanged stack that exports: its template is parsed, so the plan sees that the
		// edited stack b starts to export the same name (and then, that export being in use,
		// reads every stack for its imports).
		{"an unchanged stack exports", exportScenario(t, nil), exportScenario(t, startsExporting),
			"demo-dev-b/Outputs.QueueUrl blocked", []string{"demo-dev-a.json"}, nil},
		// The same with the unchanged exporter's key escaped: MayExport holds for any \u.
		{"an escaped key exports", func() map[string][]byte {
			f := exportScenario(t, nil)
			escapeExport(t, f, "stacks/demo-dev-a.json")
			return f
		}(), func() map[string][]byte {
			f := exportScenario(t, startsExporting)
			escapeExport(t, f, "stacks/demo-dev-a.json")
			return f
		}(), "demo-dev-b/Outputs.QueueUrl blocked", []string{"demo-dev-a.json"}, nil},
		// An edit that touches no export: the unchanged stack that exports is parsed, the
		// stacks without an export are not read.
		{"a property", exportScenario(t, nil), exportScenario(t, func(s *st) {
			if s.name == "demo-dev-svc-p" {
				s.resources["Service"] = service(map[string]any{"ServiceName": "demo-dev-svc-p", "DesiredCount": 3})
			}
		}), "demo-dev-svc-p/Service modify", []string{"demo-dev-a.json"}, []string{"demo-dev-svc-q.json", "demo-dev-svc-r.json", "demo-dev-svc-user.json"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := compareBoth(t, "dev", c.old, c.new)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(p); got[c.change].Outcome == "" {
				t.Errorf("no %s in %v", c.change, slicesOf(got))
			}
			reads := countReads(t)
			if _, err := compareLazily(t, "dev", c.old, c.new, true); err != nil {
				t.Fatal(err)
			}
			times := reads.times()
			for _, name := range c.spared {
				if times[name] > 0 {
					t.Errorf("%s, unchanged and without an export, was read %d times", name, times[name])
				}
			}
			for _, name := range c.read {
				if times[name] != 1 {
					t.Errorf("%s was read %d times, want once (parsed)", name, times[name])
				}
			}
			for name, n := range times {
				if n > 1 { // a read is a parse, never a scan
					t.Errorf("%s read %d times, want at most once (parsed)", name, n)
				}
			}
			// Without what the build scanned, every unchanged template is read to be scanned:
			// the reads spared above are the ones the build's scan saves.
			reads.reset()
			if _, err := compareLazily(t, "dev", c.old, c.new, false); err != nil {
				t.Fatal(err)
			}
			for _, name := range c.spared {
				if reads.times()[name] == 0 {
					t.Errorf("without the build's scan, %s was not read either: the test shows nothing", name)
				}
			}
		})
	}
}

// stagedFiles is a Staged of files held in memory, as a build stages them: Same compares them
// with the previous output under dir.
type stagedFiles struct {
	dir   string
	files map[string][]byte // "<env>/…"
}

func (s stagedFiles) Generated(env string) []string {
	var out []string
	for f := range s.files {
		if strings.HasPrefix(f, env+"/") {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

func (s stagedFiles) Same(file string) bool {
	b, err := os.ReadFile(filepath.Join(s.dir, filepath.FromSlash(file)))
	return err == nil && bytes.Equal(b, s.files[file])
}

func (s stagedFiles) Read(file string) ([]byte, error) { return s.files[file], nil }

// TestMayExportThroughStaged: Options.MayExport, as `ecsgen build` passes it with the staged
// build, spares reading the unchanged templates, gives the plan that reads every one, and is
// used only for the files Staged says the previous output holds: a fact of other bytes is
// not taken.
func TestMayExportThroughStaged(t *testing.T) {
	out := t.TempDir()
	for rel, b := range exportScenario(t, nil) {
		p := filepath.Join(out, "dev", filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old, err := ReadPrevious(filepath.Join(out, "dev"))
	if err != nil {
		t.Fatal(err)
	}
	// build is the new build after edit: it holds deploy-plan.json and the cluster's stack;
	// the services' are staged, with what MayExport says of each. want is the plan that
	// reads every template.
	build := func(edit func(s *st)) (cur map[string][]byte, staged stagedFiles, scanned map[string]bool, want *Plan) {
		t.Helper()
		cur, staged, scanned = map[string][]byte{}, stagedFiles{dir: out, files: map[string][]byte{}}, map[string]bool{}
		all := exportScenario(t, edit)
		for rel, b := range all {
			if rel == "deploy-plan.json" || rel == "stacks/demo-dev-cluster.json" {
				cur["dev/"+rel] = b
				continue
			}
			staged.files["dev/"+rel] = b
			scanned["dev/"+rel] = MayExport(b)
		}
		want, err := Compare("dev", old, all)
		if err != nil {
			t.Fatal(err)
		}
		return cur, staged, scanned, want
	}
	plan := func(cur map[string][]byte, staged stagedFiles, mayExport map[string]bool) (*Plan, map[string]int) {
		t.Helper()
		reads := countReads(t)
		o := Options{Staged: staged, PreviousOnly: true, MayExport: mayExport}
		plans, err := o.Environments(out, []string{"dev"}, cur)
		if err != nil {
			t.Fatal(err)
		}
		return plans[0], reads.times()
	}

	// One service's property: the stacks without an export are not read, the one that
	// exports is parsed.
	cur, staged, scanned, want := build(func(s *st) {
		if s.name == "demo-dev-svc-p" {
			s.resources["Service"] = service(map[string]any{"ServiceName": "demo-dev-svc-p", "DesiredCount": 3})
		}
	})
	got, times := plan(cur, staged, scanned)
	if !reflect.DeepEqual(got, want) || summary(want)["demo-dev-svc-p/Service modify"].Outcome == "" {
		t.Errorf("with MayExport, the plan differs:\n%+v\n---\n%+v", got, want)
	}
	for _, name := range []string{"demo-dev-svc-q.json", "demo-dev-svc-r.json", "demo-dev-svc-user.json", "demo-dev-b.json"} {
		if times[name] > 0 {
			t.Errorf("with MayExport, %s was read %d times", name, times[name])
		}
	}
	if times["demo-dev-a.json"] != 1 {
		t.Errorf("demo-dev-a.json, unchanged and exporting, read %d times, want once (parsed)", times["demo-dev-a.json"])
	}
	got, times = plan(cur, staged, nil)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("without MayExport, the plan differs:\n%+v\n---\n%+v", got, want)
	}
	if times["demo-dev-svc-q.json"] != 1 {
		t.Errorf("without MayExport, demo-dev-svc-q.json read %d times, want once (scanned)", times["demo-dev-svc-q.json"])
	}

	// b starts to export the name a exports, which CloudFormation refuses.
	cur, staged, scanned, want = build(func(s *st) {
		if s.name == "demo-dev-b" {
			s.outputs = map[string]any{"QueueUrl": exported("demo-dev:queue", ref("QueueB"))}
		}
	})
	if summary(want)["demo-dev-b/Outputs.QueueUrl blocked"].Outcome == "" {
		t.Fatalf("the scenario blocks nothing: %v", slicesOf(summary(want)))
	}
	if got, _ := plan(cur, staged, scanned); !reflect.DeepEqual(got, want) {
		t.Errorf("with MayExport, the plan differs:\n%+v\n---\n%+v", got, want)
	}
	// A fact of a file Staged does not vouch for (b changed) is not taken: b's new bytes are
	// read from Staged and scanned.
	lie := maps.Clone(scanned)
	lie["dev/stacks/demo-dev-b.json"] = false
	if got, _ := plan(cur, staged, lie); !reflect.DeepEqual(got, want) {
		t.Errorf("a fact of a file that changed was taken:\n%+v\n---\n%+v", got, want)
	}
	// A fact of a file it vouches for is taken as it is: false for a's template, which
	// exports, hides the export. That is why only the build's scan of the very bytes it gave
	// Staged may say it.
	lie["dev/stacks/demo-dev-a.json"] = false
	if got, _ := plan(cur, staged, lie); reflect.DeepEqual(got, want) {
		t.Error("a fact of an unchanged file was not taken: the plan read the file anyway")
	}
}
