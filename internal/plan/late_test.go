package plan

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// compareBoth is Compare, checked against the plan of the same outputs where every file the
// two have alike is vouched for (Options.Unchanged), so that the unchanged stacks are parsed
// late or not at all: the two plans (or errors) must be the same.
func compareBoth(t *testing.T, env string, old, new map[string][]byte) (*Plan, error) {
	t.Helper()
	p, err := Compare(env, old, new)
	vouched := map[string]bool{}
	for rel, b := range old {
		if nb, ok := new[rel]; ok && bytes.Equal(b, nb) {
			vouched[rel] = true
		}
	}
	late, lateErr := compare(env, old, new, vouched, nil)
	if fmt.Sprint(err) != fmt.Sprint(lateErr) || !reflect.DeepEqual(p, late) {
		t.Errorf("with the unchanged stacks parsed late, the plan differs:\n%v\n%+v\n---\n%v\n%+v", err, p, lateErr, late)
	}
	for _, scanned := range []bool{false, true} {
		lazily, lazyErr := compareLazily(t, env, old, new, scanned)
		if fmt.Sprint(err) != fmt.Sprint(lazyErr) || !reflect.DeepEqual(p, lazily) {
			t.Errorf("with the unchanged stacks held by neither output (their exports scanned by the build: %v), the plan differs:\n%v\n%+v\n---\n%v\n%+v", scanned, err, p, lazyErr, lazily)
		}
	}
	return p, err
}

// compareLazily is compare where the stack files the two outputs have alike are held by
// neither: they are files on disk (as Options.Staged leaves them), read when the plan needs them.
// With scanned, the plan is told what MayExport says of each (as a build tells it through
// Options.MayExport), so that it reads none of them only to scan it.
func compareLazily(t *testing.T, env string, old, new map[string][]byte, scanned bool) (*Plan, error) {
	t.Helper()
	dir := t.TempDir()
	vouched, lazy := map[string]bool{}, lazyFiles{}
	old, new = maps.Clone(old), maps.Clone(new)
	for rel, b := range old {
		if nb, ok := new[rel]; ok && bytes.Equal(b, nb) && rel != "deploy-plan.json" && isStackFile(rel) {
			file := filepath.Join(dir, filepath.FromSlash(rel))
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
			lazy[rel], vouched[rel] = lazyFile{path: file}, true
			if scanned {
				lazy[rel] = lazyFile{path: file, exports: scannedAs(MayExport(b))}
			}
			delete(old, rel)
			delete(new, rel)
		}
	}
	return compare(env, old, new, vouched, lazy)
}

// lateScenario is an environment of a cluster stack exporting names, and n service stacks
// importing them, each with a named target group and a listener rule.
func lateScenario(t *testing.T, n int, edit func(i int, s *st)) map[string][]byte {
	cluster := st{name: "demo-dev-cluster", resources: map[string]any{
		"Cluster": res("AWS::ECS::Cluster", map[string]any{"ClusterName": "demo-dev"}),
		"Web":     loadBalancer("internal"),
	}, outputs: map[string]any{
		"ClusterName":  exported("demo-dev-cluster:ClusterName", ref("Cluster")),
		"LoadBalancer": exported("demo-dev-cluster:web:LoadBalancerArn", ref("Web")),
	}}
	stacks := []st{cluster}
	for i := range n {
		tg := targetGroup(8000 + i)
		tg["Properties"].(map[string]any)["Name"] = fmt.Sprintf("demo-dev-svc%03d", i)
		s := st{name: fmt.Sprintf("demo-dev-svc-%03d", i), params: map[string]string{"VpcId": "vpc-1"}, resources: map[string]any{
			"TargetGroup":  tg,
			"ListenerRule": rule("demo-dev-cluster:web:http:ListenerArn", 100+i),
			"Service":      service(map[string]any{"ServiceName": fmt.Sprintf("demo-dev-%03d", i)}),
		}}
		if edit != nil {
			edit(i, &s)
		}
		stacks = append(stacks, s)
	}
	return files(t, stacks...)
}

// TestUnchangedStacksNotParsed: with every unchanged file vouched for, a plan after one edit
// parses the edited stack (both versions) and the cluster stack (the deploy order asks whether
// it drops an export), and no other; and it is the plan that parses everything.
func TestUnchangedStacksNotParsed(t *testing.T) {
	old := lateScenario(t, 40, nil)
	for _, c := range []struct {
		name   string
		edit   func(i int, s *st)
		parsed int64
		held   int64 // of the templates parsed, those held by an output (the edited ones)
		change string
	}{
		{"a property", func(i int, s *st) {
			if i == 7 {
				s.resources["Service"] = service(map[string]any{"ServiceName": "demo-dev-007", "DesiredCount": 3})
			}
		}, 3, 2, "demo-dev-svc-007/Service modify"},
		// The template is the same bytes, the value deploy.sh passes is not: not unchanged.
		// The target group is replaced, and its name is kept: the plan looks for the name in
		// every stack (the template of the stack is parsed once, for both outputs).
		{"a parameter value", func(i int, s *st) {
			if i == 7 {
				s.params = map[string]string{"VpcId": "vpc-2"}
			}
		}, 41, 0, "demo-dev-svc-007/TargetGroup blocked"},
		// A change that needs every stack: a new name another stack holds.
		{"a name taken", func(i int, s *st) {
			if i == 7 {
				s.resources["TargetGroup"].(map[string]any)["Properties"].(map[string]any)["Name"] = "demo-dev-svc008"
			}
		}, 42, 2, "demo-dev-svc-007/TargetGroup blocked"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cur := lateScenario(t, 40, c.edit)
			p, err := compareBoth(t, "dev", old, cur)
			if err != nil {
				t.Fatal(err)
			}
			before := parses.Load()
			if _, err := Compare("dev", old, cur); err != nil {
				t.Fatal(err)
			}
			got := summary(p)
			if _, ok := got[c.change]; !ok {
				t.Errorf("no %s in %v", c.change, slicesOf(got))
			}
			eager := parses.Load() - before
			before = parses.Load()
			vouched := map[string]bool{}
			for rel, b := range old {
				if bytes.Equal(b, cur[rel]) {
					vouched[rel] = true
				}
			}
			if _, err := compare("dev", old, cur, vouched, nil); err != nil {
				t.Fatal(err)
			}
			if n := parses.Load() - before; n != c.parsed || eager < 41 {
				t.Errorf("parsed %d templates (every one: %d), want %d", n, eager, c.parsed)
			}
			// Held by neither output: the same templates are parsed. Without what the build
			// scanned, every such file is read to be scanned for exports, and once more if it
			// is parsed.
			reads := countReads(t)
			before = parses.Load()
			if _, err := compareLazily(t, "dev", old, cur, false); err != nil {
				t.Fatal(err)
			}
			if n := parses.Load() - before; n != c.parsed {
				t.Errorf("with the unchanged stacks held by neither output: parsed %d templates, want %d", n, c.parsed)
			}
			for r, n := range reads.times() {
				if n > 2 { // parsed once, scanned for exports once
					t.Errorf("%s read %d times", r, n)
				}
			}
			lazy := 0
			for rel := range vouched {
				if rel != "deploy-plan.json" {
					lazy++
				}
			}
			if n := len(reads.times()); n != lazy {
				t.Errorf("%d files read, want every one held by neither output (%d)", n, lazy)
			}
			// With what the build scanned (Options.MayExport), a file is read only to be parsed:
			// none is read for the exports scan, and after a property's edit only the cluster's
			// (the deploy order asks whether it drops an export).
			reads.reset()
			before = parses.Load()
			if _, err := compareLazily(t, "dev", old, cur, true); err != nil {
				t.Fatal(err)
			}
			n := parses.Load() - before
			if n != c.parsed {
				t.Errorf("with the exports scanned by the build: parsed %d templates, want %d", n, c.parsed)
			}
			for r, k := range reads.times() {
				if k > 1 {
					t.Errorf("with the exports scanned by the build: %s read %d times (parsed once)", r, k)
				}
			}
			if int64(len(reads.all())) != n-c.held {
				t.Errorf("with the exports scanned by the build: read %v, want only the %d templates parsed that neither output holds", reads.all(), n-c.held)
			}
			if c.name == "a property" && !slices.Equal(reads.all(), []string{"demo-dev-cluster.json"}) {
				t.Errorf("with the exports scanned by the build: read %v, want the cluster's template only", reads.all())
			}
		})
	}
}

// lazyReads counts the reads of template files the plan does not hold (readLazy), by base
// name, from countReads until the test ends.
type lazyReads struct {
	mu    sync.Mutex
	names []string
}

func countReads(t *testing.T) *lazyReads {
	t.Helper()
	r := &lazyReads{}
	readLazy = func(name string, buf []byte) ([]byte, error) {
		r.mu.Lock()
		r.names = append(r.names, filepath.Base(name))
		r.mu.Unlock()
		return readInto(name, buf)
	}
	t.Cleanup(func() { readLazy = readInto })
	return r
}

// all are the files read, in name order, once per read.
func (r *lazyReads) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(slices.Values(r.names))
}

// times is how many times each file was read.
func (r *lazyReads) times() map[string]int {
	m := map[string]int{}
	for _, n := range r.all() {
		m[n]++
	}
	return m
}

func (r *lazyReads) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.names = nil
}

// A template vouched for that the plan parses late and that does not parse gives the error of
// the plan that parses every template first.
func TestLateTemplateBroken(t *testing.T) {
	old := lateScenario(t, 5, nil)
	cur := maps.Clone(old)
	cur["stacks/demo-dev-svc-003.json"] = []byte(`{"Resources": {"Service": 1}}`) // edited: parsed first
	cur["stacks/demo-dev-cluster.json"] = []byte(`{"Resources": [`)               // vouched: parsed late
	old["stacks/demo-dev-cluster.json"] = cur["stacks/demo-dev-cluster.json"]
	_, err := compareBoth(t, "dev", old, cur)
	if err == nil {
		t.Fatal("no error")
	}
}

func slicesOf(m map[string]Change) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// An unchanged stack that is not parsed still counts with its exports: here a stack the edit
// does not touch exports the name that an edited stack starts to export too (CloudFormation
// refuses that), which the plan reports as it does when it parses every template.
func TestLateExportsCount(t *testing.T) {
	cluster := st{name: "demo-dev-cluster", resources: map[string]any{"Cluster": res("AWS::ECS::Cluster", map[string]any{"ClusterName": "demo-dev"})}}
	queue := func(name, id string, export bool) st {
		s := st{name: name, resources: map[string]any{id: res("AWS::SQS::Queue", map[string]any{})}}
		if export {
			s.outputs = map[string]any{"QueueUrl": exported("demo-dev:queue", ref(id))}
		}
		return s
	}
	user := st{name: "demo-dev-svc-user", resources: map[string]any{"Service": service(map[string]any{"Environment": imp("demo-dev:queue")})}}
	old := files(t, cluster, queue("demo-dev-a", "QueueA", true), user, queue("demo-dev-b", "QueueB", false))
	cur := files(t, cluster, queue("demo-dev-a", "QueueA", true), user, queue("demo-dev-b", "QueueB", true))
	p, err := compareBoth(t, "dev", old, cur)
	if err != nil {
		t.Fatal(err)
	}
	if p.Count()[Blocked] == 0 {
		t.Errorf("the export taken twice is not blocked: %v", slicesOf(summary(p)))
	}
}

// Without a record, the previous files the plan reads and finds with the new build's bytes
// count as unchanged too: after one edit, the plan parses the edited stack and the cluster's.
func TestReadStacksUnchanged(t *testing.T) {
	out := t.TempDir()
	for rel, b := range lateScenario(t, 40, nil) {
		p := filepath.Join(out, "dev", filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cur := map[string][]byte{}
	for rel, b := range lateScenario(t, 40, func(i int, s *st) {
		if i == 7 {
			s.resources["Service"] = service(map[string]any{"ServiceName": "demo-dev-007", "DesiredCount": 3})
		}
	}) {
		cur["dev/"+rel] = b
	}
	before := parses.Load()
	plans, err := Environments(out, []string{"dev"}, cur)
	if err != nil {
		t.Fatal(err)
	}
	if n := parses.Load() - before; n != 3 {
		t.Errorf("parsed %d templates, want 3", n)
	}
	old, err := ReadPrevious(filepath.Join(out, "dev"))
	if err != nil {
		t.Fatal(err)
	}
	new := map[string][]byte{}
	for rel, b := range cur {
		new[strings.TrimPrefix(rel, "dev/")] = b
	}
	want, err := Compare("dev", old, new)
	if err != nil || !reflect.DeepEqual(plans[0], want) {
		t.Errorf("the plan differs from the one that parses everything: %v\n%+v\n%+v", err, plans[0], want)
	}
}

// PreviousOnly: an environment without a previous output gets no plan (nil) and parses no
// template; one with a previous output gets the same plan as without the option.
func TestPreviousOnly(t *testing.T) {
	out := t.TempDir()
	cur := map[string][]byte{}
	for rel, b := range lateScenario(t, 5, nil) {
		cur["built/"+rel], cur["fresh/"+rel] = b, b
		p := filepath.Join(out, "built", filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	envs := []string{"built", "fresh"}
	all, err := Environments(out, envs, cur)
	if err != nil {
		t.Fatal(err)
	}
	before := parses.Load()
	if _, err := (Options{PreviousOnly: true}).Environments(out, envs[1:], cur); err != nil {
		t.Fatal(err)
	}
	if n := parses.Load() - before; n != 0 {
		t.Errorf("PreviousOnly parsed %d templates of an environment built for the first time", n)
	}
	only, err := Options{PreviousOnly: true}.Environments(out, envs, cur)
	if err != nil {
		t.Fatal(err)
	}
	if only[1] != nil || all[1] == nil || all[1].Previous {
		t.Errorf("fresh: PreviousOnly gave %+v, without it %+v (want nil, and a plan without a previous output)", only[1], all[1])
	}
	if only[0] == nil || !only[0].Previous || !reflect.DeepEqual(only[0], all[0]) {
		t.Errorf("built: PreviousOnly gave %+v, without it %+v", only[0], all[0])
	}
}
