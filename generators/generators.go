// Package generators turns a validated spec into the files a team commits and deploys:
// CloudFormation stacks, task-definition JSON, userdata scripts, IAM policies and a deploy
// script.
//
// Generators are pure functions of the model (schema.Spec): no CUE, no I/O, no clock, no
// randomness. The same spec gives the same bytes. Each artifact is built once and encoded
// for every place it appears — the task definition for the stack and for the AWS CLI, the
// userdata script for the launch template and for its file, each policy for its role and for
// its file — so two encodings can never disagree.
package generators

import (
	"fmt"
	"maps"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ecsgen/ecsgen/schema"
)

// Files are generated files keyed by slash-separated path relative to the output directory.
type Files map[string][]byte

// Generate builds every artifact of the spec. Paths are "<env>/…".
func Generate(s *schema.Spec) (Files, error) { return Options{}.Generate(s) }

// Options tune Generate.
type Options struct {
	// Memo, when set, keeps each service's stack and files between builds (the build cache,
	// internal/cache): see memo.go. It never changes the bytes.
	Memo Memo
	// Sink, when set, takes each service's files (its stack, task definition, policies,
	// CodeDeploy files) as soon as they are made, and Generate leaves them out of the files it
	// returns: a build holds the files of the services in flight, not of the whole spec. The
	// rest (the network and cluster stacks, userdata, deploy-plan.json, the scripts, the
	// README, the checklist) is returned as without a Sink.
	Sink Sink
}

// Sink takes generated files (internal/write's Build stages them into the new output). Add is
// called from several goroutines at once, once per file, in no particular order; an error it
// returns ends Generate with that error.
type Sink interface {
	Add(path string, data []byte) error
}

// Generate is the package function Generate, with options.
func (o Options) Generate(s *schema.Spec) (Files, error) {
	e, out, plan, services, err := o.stacks(s)
	if err != nil {
		return nil, err
	}
	if err := e.addEnvFiles(out, plan); err != nil {
		return nil, err
	}
	for _, svc := range services {
		held.add(-svc.size()) // returned in out: no longer generation's
	}
	return out, nil
}

// stacks builds every stack and the files beside them, and the deploy plan: all Generate
// returns but the environment's files (envfiles.go), which read all of it.
func (o Options) stacks(s *schema.Spec) (*env, Files, deployPlan, []serviceOutput, error) {
	e := newEnv(s)
	e.memo = o.Memo
	out := Files{}
	var plan deployPlan
	plan.Region = s.Region

	if s.CreatesNetwork() {
		network, err := e.networkStack()
		if err != nil {
			return nil, nil, deployPlan{}, nil, err
		}
		if err := e.addStack(out, &plan, network); err != nil {
			return nil, nil, deployPlan{}, nil, err
		}
	}
	cluster, err := e.clusterStack()
	if err != nil {
		return nil, nil, deployPlan{}, nil, err
	}
	if err := e.addStack(out, &plan, cluster); err != nil {
		return nil, nil, deployPlan{}, nil, err
	}
	// The services' stacks are independent of each other: they are built in parallel, each by
	// its own copy of env, and merged in the order of their names, which gives the same bytes
	// as building them one after another.
	services, err := e.serviceStacks(o.Sink)
	if err != nil {
		return nil, nil, deployPlan{}, nil, err
	}
	// deploy.sh's order of the service stacks (see deployOrder), with the services that others
	// call before their callers (callOrder).
	byName := map[string]serviceOutput{}
	for i, name := range sortedKeys(s.Services) {
		byName[name] = services[i]
	}
	for i, name := range callOrder(s, deployOrder(s)) {
		services[i] = byName[name]
	}
	for _, svc := range services {
		maps.Copy(out, svc.out)
		plan.Stacks = append(plan.Stacks, svc.plan.Stacks...)
		maps.Copy(e.extraFiles, svc.extraFiles)
		e.retained = append(e.retained, svc.retained...)
	}
	for p, b := range e.extraFiles {
		out[path.Join(s.Env, p)] = b
	}
	return e, out, plan, services, nil
}

// held counts the bytes of services' files that generation holds (made, and not handed to a
// sink or returned), and the most it held at once: a test's measure of what a build keeps in
// memory (TestSinkHoldsServicesInFlight).
var held heldBytes

type heldBytes struct{ now, peak atomic.Int64 }

func (h *heldBytes) add(n int64) {
	v := h.now.Add(n)
	for p := h.peak.Load(); v > p && !h.peak.CompareAndSwap(p, v); p = h.peak.Load() {
	}
}

// size is the number of bytes of the files of a service's output.
func (o serviceOutput) size() int64 {
	var n int64
	for _, b := range o.out {
		n += int64(len(b))
	}
	for _, b := range o.extraFiles {
		n += int64(len(b))
	}
	return n
}

// serviceOutput is what building one service's stack adds to the output.
type serviceOutput struct {
	out, extraFiles Files
	plan            deployPlan
	retained        []string // what outlives the stack, for destroy.sh
}

// serviceStacks builds the stack of every service, in parallel, in the order of their names.
// The error is the one building the services one by one would meet first. With a sink, each
// service's files go to it as soon as the service is built, and its output keeps none.
//
// A service's stack is built from a view of the spec that holds that service alone, so that
// what it is built from is the spec without its services, the service, the dedicated
// listeners and the service's callers (the values derived across services that a service's
// stack reads): exactly what its memo key hashes (memo.go).
func (e *env) serviceStacks(sink Sink) ([]serviceOutput, error) {
	names := sortedKeys(e.spec.Services)
	shared := e.sharedKey()
	outs := make([]serviceOutput, len(names))
	errs := make([]error, len(names))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(names)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(names) {
					return
				}
				// A copy of env for this service: the files beside its stack, the
				// references of its stack and what it retains are its own; the rest is
				// read only.
				name, svc := names[i], e.spec.Services[names[i]]
				key := e.serviceKey(shared, name, svc, e.callers[name])
				if o, ok := e.recall(key); ok {
					held.add(o.size())
					outs[i], errs[i] = e.handOver(sink, o)
					held.add(outs[i].size() - o.size()) // what the output keeps stays held
					continue
				}
				view := *e.spec
				view.Services = map[string]schema.Service{name: svc}
				w := *e
				w.spec = &view
				w.extraFiles, w.fileRefs, w.retained = Files{}, map[string]string{}, nil
				o := serviceOutput{out: Files{}}
				st, err := w.serviceStack(name, svc)
				if err != nil {
					errs[i] = fmt.Errorf("service %s: %w", name, err)
					continue
				}
				if errs[i] = w.addStack(o.out, &o.plan, st); errs[i] == nil {
					o.extraFiles, o.retained = w.extraFiles, w.retained
					held.add(o.size())
					e.remember(key, o)
					outs[i], errs[i] = e.handOver(sink, o)
					held.add(outs[i].size() - o.size()) // what the output keeps stays held
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			for _, o := range outs {
				held.add(-o.size())
			}
			return nil, err
		}
	}
	return outs, nil
}

// handOver gives a service's files to sink (in name order) and returns its output without
// them; without a sink, the output as it is.
func (e *env) handOver(sink Sink, o serviceOutput) (serviceOutput, error) {
	if sink == nil {
		return o, nil
	}
	for _, p := range sortedKeys(o.out) {
		if err := sink.Add(p, o.out[p]); err != nil {
			return serviceOutput{}, err
		}
	}
	for _, p := range sortedKeys(o.extraFiles) {
		if err := sink.Add(path.Join(e.spec.Env, p), o.extraFiles[p]); err != nil {
			return serviceOutput{}, err
		}
	}
	o.out, o.extraFiles = nil, nil
	return o, nil
}

// env is what every generator of one spec shares: the spec and the names derived from it.
type env struct {
	spec      *schema.Spec
	partition string
	// extraFiles collects the files written beside the stacks (task definitions, userdata,
	// policies), relative to the environment's directory.
	extraFiles Files
	// fileRefs say how policy files show ARNs of resources created in the stack being built,
	// which only exist at deploy time: "${TargetGroup}" → an ARN pattern of its type.
	fileRefs map[string]string
	// dedicated listeners of the spec (see schema.Spec.DedicatedListeners), computed once.
	dedicated map[[2]string]string
	// callers are, by service, the services of the spec that call it (in name order),
	// computed once from the whole spec: a service's stack admits them, and is built from a view
	// of the spec holding that service alone.
	callers map[string][]string
	// retained are the resources of all stacks that outlive them (DeletionPolicy Retain or RetainExceptOnCreate).
	retained []string
	// serviceTags are the tags of the service whose stack is being built (its resources carry
	// them over the spec's), nil for the other stacks.
	serviceTags map[string]string
	memo        Memo // keeps service stacks between builds; nil: none
}

func newEnv(s *schema.Spec) *env {
	e := specEnv(s)
	e.dedicated, e.callers = s.DedicatedListeners(), map[string][]string{}
	// Every service's callers in one pass: in name order, each once.
	for _, name := range sortedKeys(s.Services) {
		for _, callee := range slices.Compact(slices.Sorted(slices.Values(s.Services[name].Calls))) {
			e.callers[callee] = append(e.callers[callee], name)
		}
	}
	return e
}

// specEnv is an env without what is derived from all the services (dedicated listeners,
// callers), for the exported helpers the rules call (UserData, ResourceTags), which need
// neither: computing them on every call made the rules quadratic in the number of services.
func specEnv(s *schema.Spec) *env {
	return &env{spec: s, partition: partitionOf(s.Region), extraFiles: Files{}, fileRefs: map[string]string{}}
}

// Partition is the AWS partition of a region: aws, aws-cn, aws-us-gov, …
func Partition(region string) string { return partitionOf(region) }

// partitionOf gives the AWS partition of a region, for the ARNs written into files.
func partitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	}
	return "aws"
}

// Names. Every named resource follows the spec's naming convention (default
// {system}-{env}-{name}); a name over the AWS limit of its kind is shortened by Fit (names.go),
// so it stays valid, stable and distinct.

// Name is the conventional name of a resource, e.g. {system}-{env}-{name}, within the 255
// characters most AWS names allow.
func Name(s *schema.Spec, name string) string { return Fit(conventional(s, name), MaxName) }

// ClusterName is the ECS cluster's name: cluster.name, or the convention without {name}
// ({system}-{env}).
func ClusterName(s *schema.Spec) string {
	if s.Cluster.Name != "" {
		return s.Cluster.Name
	}
	return Fit(Prefix(s), MaxName)
}

// AutoScalingGroupName is the name of an EC2 capacity's Auto Scaling group: the spec's, or the
// conventional name.
func AutoScalingGroupName(s *schema.Spec, capacity string) string {
	if n := s.Cluster.Capacity.EC2[capacity].AutoScalingGroupName; n != "" {
		return n
	}
	return Name(s, capacity)
}

// CapacityProviderName is the name of the capacity provider of an EC2 capacity. ECS reserves
// the prefixes "aws", "ecs" and "fargate" (R41): such a name gets "cp-" in front.
func CapacityProviderName(s *schema.Spec, capacity string) string {
	n := conventional(s, capacity)
	if reservedProviderPrefix(n) {
		n = "cp-" + n
	}
	return Fit(n, MaxName)
}

// RoleName is the name of an IAM role (R56: at most 64 characters).
func RoleName(s *schema.Spec, name string) string { return Fit(conventional(s, name), MaxRoleName) }

// ClusterStackName is the stack holding the cluster and its capacity.
func ClusterStackName(s *schema.Spec) string { return Fit(conventional(s, "cluster"), MaxStackName) }

// ServiceStackName is the stack of one service.
func ServiceStackName(s *schema.Spec, service string) string {
	return Fit(conventional(s, "svc-"+service), MaxStackName)
}

// ServiceName is the ECS service's name (and its task definition family).
func ServiceName(s *schema.Spec, service string) string { return Name(s, service) }

// LogGroupName is the CloudWatch log group every container of a service logs to.
func LogGroupName(s *schema.Spec, service string) string {
	return "/ecs/" + Prefix(s) + "/" + service
}

// exportName is the name under which the cluster stack exports a value to service stacks.
func exportName(s *schema.Spec, key string) string { return ClusterStackName(s) + ":" + key }

// logicalID turns a label (lower-case, digits, hyphens) into a CloudFormation logical id
// fragment: "web-api" → "WebApi".
func logicalID(label string) string {
	var b strings.Builder
	upper := true
	for _, r := range label {
		if r == '-' || r == '_' {
			upper = true
			continue
		}
		if upper && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		upper = false
		b.WriteRune(r)
	}
	return b.String()
}

func sortedKeys[M ~map[string]V, V any](m M) []string {
	keys := make([]string, 0, len(m)) // one allocation: slices.Sorted grows its slice from nothing
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func ptr[T any](v T) *T { return &v }

// optional is a pointer to s, or nil for the empty string (a property left out).
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
