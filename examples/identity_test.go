package examples_test

// Stable identities: users deploy again after every edit, so an edit of one part of the spec
// must leave every AWS identity ecsgen derives for the other parts as it was — logical ids,
// physical names, export names, listener rule priorities — or the second deploy replaces,
// renames or collides with what is running. For every example (and environment) the test
// applies edits to the spec and compares the output before and after: file by file, and
// resource by resource through the plan (internal/plan), which is what a deploy would change.

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/format"
	"cuelang.org/go/cue/parser"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/check"
	"github.com/ecsgen/ecsgen/internal/diag"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/internal/plan"
	"github.com/ecsgen/ecsgen/schema"
)

// envWide files describe the whole environment (every stack, every service): an edit changes
// them by design.
var envWide = []string{"README.md", "deploy.sh", "destroy.sh", "deploy-plan.json", "checklist.md"}

func TestStableIdentities(t *testing.T) {
	specs, err := filepath.Glob("*/spec.cue")
	if err != nil || len(specs) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, file := range specs {
		example := filepath.Dir(file)
		loaded, findings, err := load.Files([]string{file}, load.Options{})
		if err != nil || loaded == nil {
			t.Fatalf("%s: %v %v", file, err, findings)
		}
		for _, env := range loaded.Envs {
			t.Run(example+"/"+env.Name, func(t *testing.T) {
				before := generate(t, env.Spec, env.Positions)
				t.Run("add a service", func(t *testing.T) { addService(t, env, before) })
				t.Run("remove a service", func(t *testing.T) { removeService(t, env, before) })
				t.Run("rename a capacity", func(t *testing.T) { renameCapacity(t, env, before) })
			})
		}
		t.Run(example+"/reorder", func(t *testing.T) { reorder(t, file, loaded) })
	}
}

// generate checks and builds one environment's spec; its files are relative to the
// environment's directory.
func generate(t *testing.T, s *schema.Spec, pos diag.Locator) map[string][]byte {
	t.Helper()
	if f := check.Spec(s, pos); f.HasErrors() {
		t.Fatalf("the edited spec is invalid:\n%s", f)
	}
	files, err := generators.Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for p, b := range files {
		out[strings.TrimPrefix(p, s.Env+"/")] = b
	}
	return out
}

// clone copies the parts of a spec the edits change.
func clone(s *schema.Spec) *schema.Spec {
	c := *s
	c.Services = maps.Clone(s.Services)
	c.Cluster.Capacity.EC2 = maps.Clone(s.Cluster.Capacity.EC2)
	c.Waivers = slices.Clone(s.Waivers)
	return &c
}

// ownFiles are the files of the environment's directory that belong to one service.
func serviceFiles(s *schema.Spec, service string) func(string) bool {
	stack := "stacks/" + generators.ServiceStackName(s, service) + ".json"
	return func(p string) bool {
		return p == stack || p == "taskdefs/"+service+".json" || strings.HasPrefix(p, "policies/"+service+"-") ||
			strings.HasPrefix(p, "codedeploy/"+service+"/")
	}
}

// sameFiles fails for every file, except the environment-wide ones and those own says belong to
// the edited part, that is not byte for byte what it was.
func sameFiles(t *testing.T, before, after map[string][]byte, own func(string) bool) {
	t.Helper()
	for _, p := range slices.Sorted(maps.Keys(before)) {
		if slices.Contains(envWide, p) || own(p) || strings.HasPrefix(p, "stacks/") {
			continue // stacks are compared resource by resource
		}
		if b, ok := after[p]; !ok {
			t.Errorf("%s is no longer generated", p)
		} else if !bytes.Equal(b, before[p]) {
			t.Errorf("%s changed", p)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(after)) {
		if _, ok := before[p]; !ok && !own(p) && !slices.Contains(envWide, p) {
			t.Errorf("%s is new", p)
		}
	}
}

// changes are the plan's changes as "stack/LogicalID outcome properties".
func changes(t *testing.T, env string, before, after map[string][]byte) []string {
	t.Helper()
	p, err := plan.Compare(env, before, after)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range p.Stacks {
		if s.Status != plan.StackUpdate {
			out = append(out, s.Name+" "+s.Status)
		}
		for _, c := range s.Changes {
			out = append(out, s.Name+"/"+c.LogicalID+" "+string(c.Outcome)+" "+strings.Join(c.Properties, ","))
		}
	}
	return out
}

// withAdded adds a service "added" modelled on the first one, on the same capacity and load
// balancer, with a rule of its own on a shared listener — more specific (hosts and paths) than
// any other, so that a derivation that ranked rules against each other would move theirs.
func withAdded(t *testing.T, spec *schema.Spec) *schema.Spec {
	s := clone(spec)
	names := slices.Sorted(maps.Keys(s.Services))
	if len(names) == 0 {
		t.Skip("no service to model the new one on")
	}
	svc := s.Services[names[0]]
	if lb := svc.LoadBalancer; lb != nil {
		_, dedicated := s.DedicatedListeners()[[2]string{lb.Name, lb.Listener}]
		if dedicated {
			svc.LoadBalancer, svc.HealthCheckGracePeriod = nil, nil
			svc.Deployment.Strategy = schema.Rolling
			svc.Autoscaling = nil
		} else {
			copied := *lb
			copied.Rule = schema.ListenerRule{Hosts: []string{"added.example.com"}, Paths: []string{"/added/*"}}
			svc.LoadBalancer = &copied
		}
	}
	// Log groups the spec names belong to one service (the check says so): the new service
	// names its own. A fixed host port is one service's on an instance (R12): the new service
	// takes dynamic ones.
	svc.Containers = maps.Clone(svc.Containers)
	for name, c := range svc.Containers {
		if c.Log.Group != "" {
			c.Log.Group += "-added"
		}
		if g, ok := c.Log.Options["log_group_name"]; ok { // a FireLens route to CloudWatch Logs
			c.Log.Options = maps.Clone(c.Log.Options)
			c.Log.Options["log_group_name"] = g + "-added"
		}
		c.Ports = slices.Clone(c.Ports)
		for i := range c.Ports {
			c.Ports[i].Host = nil
		}
		svc.Containers[name] = c
	}
	s.Services["added"] = svc
	return s
}

// addService: the only change is the new service's stack.
func addService(t *testing.T, env load.Env, before map[string][]byte) {
	s := withAdded(t, env.Spec)
	after := generate(t, s, env.Positions)
	sameFiles(t, before, after, serviceFiles(s, "added"))
	want := []string{generators.ServiceStackName(s, "added") + " new"}
	if got := changes(t, s.Env, before, after); !slices.Equal(got, want) {
		t.Errorf("adding a service changes\n%s\nwant only\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// removeService removes the last service (of a spec with one service, after adding another):
// the only change is its stack, removed. Except one, which ecsgen plan reports as blocked:
// when it was the last service whose deployTimeEnvironment used a load balancer's DNS name,
// the cluster stack stops exporting it, which CloudFormation refuses while the service's stack
// still imports it (the export is made only when used, so that specs without deploy-time
// values build as before).
func removeService(t *testing.T, env load.Env, before map[string][]byte) {
	s := clone(env.Spec)
	names := slices.Sorted(maps.Keys(s.Services))
	gone := names[len(names)-1]
	if len(s.Services) < 2 {
		s, gone = withAdded(t, s), "added"
		before = generate(t, s, env.Positions)
	}
	used := s.DeployTimeLoadBalancers()
	delete(s.Services, gone)
	after := generate(t, s, env.Positions)
	sameFiles(t, before, after, serviceFiles(s, gone))
	var want []string
	for _, lb := range slices.Sorted(maps.Keys(used)) {
		if !s.DeployTimeLoadBalancers()[lb] {
			want = append(want, generators.ClusterStackName(s)+"/Outputs."+logicalIDOf(lb)+"LoadBalancerDNSName blocked ")
		}
	}
	want = append(want, generators.ServiceStackName(s, gone)+" remove")
	if got := changes(t, s.Env, before, after); !slices.Equal(got, want) {
		t.Errorf("removing service %s changes\n%s\nwant only\n%s", gone, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// renameCapacity renames the first EC2 capacity (and every reference to it): only that
// capacity's own resources are replaced (removed and added under new logical ids), the
// cluster's association with its providers and the services' strategies that name it change,
// and its userdata file follows the new name.
func renameCapacity(t *testing.T, env load.Env, before map[string][]byte) {
	s := clone(env.Spec)
	capacities := slices.Sorted(maps.Keys(s.Cluster.Capacity.EC2))
	if len(capacities) == 0 {
		t.Skip("no EC2 capacity")
	}
	old := capacities[0]
	const renamed = "renamed"
	s.Cluster.Capacity.EC2[renamed] = s.Cluster.Capacity.EC2[old]
	delete(s.Cluster.Capacity.EC2, old)
	for name, svc := range s.Services {
		if item, ok := svc.Capacity[old]; ok {
			svc.Capacity = maps.Clone(svc.Capacity)
			delete(svc.Capacity, old)
			svc.Capacity[renamed] = item
			s.Services[name] = svc
		}
	}
	if item, ok := s.Cluster.DefaultStrategy[old]; ok {
		s.Cluster.DefaultStrategy = maps.Clone(s.Cluster.DefaultStrategy)
		delete(s.Cluster.DefaultStrategy, old)
		s.Cluster.DefaultStrategy[renamed] = item
	}
	for i, w := range s.Waivers {
		if rest, ok := strings.CutPrefix(w.Path, "cluster.capacity.ec2."+old); ok {
			s.Waivers[i].Path = "cluster.capacity.ec2." + renamed + rest
		}
	}
	after := generate(t, s, env.Positions)
	sameFiles(t, before, after, func(p string) bool { return p == "userdata/"+old+".sh" || p == "userdata/"+renamed+".sh" })

	oldID, newID := logicalID(old), logicalID(renamed)
	cluster := generators.ClusterStackName(s)
	for _, c := range changes(t, s.Env, before, after) {
		stack, rest, _ := strings.Cut(c, "/")
		id, change, _ := strings.Cut(rest, " ")
		switch {
		case stack == cluster && (strings.HasPrefix(id, oldID) && strings.HasPrefix(change, "remove") ||
			strings.HasPrefix(id, newID) && strings.HasPrefix(change, "add")):
		case stack == cluster && (strings.Contains(id, "EgressTo"+oldID) && strings.HasPrefix(change, "remove") ||
			strings.Contains(id, "EgressTo"+newID) && strings.HasPrefix(change, "add")):
			// A load balancer's egress to the capacity's instances is named after the capacity.
		case stack == cluster && id == oldID+"CapacityProvider" && change == "blocked ":
			// Deleting the provider while a service still uses it fails: the plan says so
			// (TestCompare pins why), and deploy.sh's order decides.
		case stack == cluster && id == "CapacityProviderAssociations" && change == "modify CapacityProviders,DefaultCapacityProviderStrategy":
		case stack == cluster && id == "CapacityProviderAssociations" && change == "modify CapacityProviders":
		case stack != cluster && id == "Service" && change == "modify CapacityProviderStrategy":
		case stack != cluster && id == "Service" && strings.HasPrefix(change, "blocked CapacityProviderStrategy"):
			// A CODE_DEPLOY service's strategy is fixed (R50): the plan says so.
		default:
			t.Errorf("renaming capacity %s changes %s", old, c)
		}
	}
}

// logicalID is the logical id fragment of a label, as generators derive it.
func logicalID(label string) string {
	var b strings.Builder
	for _, part := range strings.Split(label, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// reorder reverses the order of every field of the spec file (top-level declarations and every
// struct), which must not change a single byte of the output.
func reorder(t *testing.T, file string, before *load.Result) {
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(file, src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var decls, head []ast.Decl
	for _, d := range f.Decls {
		switch d.(type) {
		case *ast.Package, *ast.ImportDecl:
			head = append(head, d)
		default:
			decls = append(decls, d)
		}
	}
	slices.Reverse(decls)
	f.Decls = append(head, decls...)
	ast.Walk(f, func(n ast.Node) bool {
		if s, ok := n.(*ast.StructLit); ok {
			slices.Reverse(s.Elts)
		}
		return true
	}, nil)
	out, err := format.Node(f)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(out, src) {
		t.Fatal("reordering left the spec as it was")
	}
	reordered := filepath.Join(t.TempDir(), "spec.cue")
	if err := os.WriteFile(reordered, out, 0o644); err != nil {
		t.Fatal(err)
	}
	after, findings, err := load.Files([]string{reordered}, load.Options{})
	if err != nil || after == nil {
		t.Fatalf("the reordered spec does not load: %v\n%s\n%s", err, findings, out)
	}
	if len(after.Envs) != len(before.Envs) {
		t.Fatalf("%d environments, want %d", len(after.Envs), len(before.Envs))
	}
	for _, env := range before.Envs {
		i := slices.IndexFunc(after.Envs, func(e load.Env) bool { return e.Name == env.Name })
		if i < 0 {
			t.Fatalf("environment %s is gone", env.Name)
		}
		a, b := generate(t, after.Envs[i].Spec, after.Envs[i].Positions), generate(t, env.Spec, env.Positions)
		for _, p := range slices.Sorted(maps.Keys(b)) {
			if !bytes.Equal(a[p], b[p]) {
				t.Errorf("%s/%s changes when the spec's fields are reordered", env.Name, p)
			}
		}
		if len(a) != len(b) {
			t.Errorf("%s: %d files, want %d", env.Name, len(a), len(b))
		}
	}
}

// logicalIDOf is generators' logical id fragment of a label: "web-api" → "WebApi".
func logicalIDOf(label string) string {
	var b strings.Builder
	for _, part := range strings.Split(label, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
