package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/awslabs/goformation/v7/cloudformation"

	"github.com/ecsgen/ecsgen/schema"
	"github.com/ecsgen/ecsgen/templates"
)

// Template limits (R58, R59, R60), from CloudFormation's quotas.
const (
	// MaxInlineTemplateBytes is the largest template `aws cloudformation deploy` sends inline
	// (TemplateBody); a larger one must go through an S3 bucket (--s3-bucket).
	MaxInlineTemplateBytes = 51200
	// MaxTemplateBytes is the largest template CloudFormation accepts at all (through S3).
	MaxTemplateBytes = 1000000
	// MaxResources is the most resources one template may declare.
	MaxResources = 500
	// MaxOutputs, MaxParameters and MaxMappings are the most outputs, parameters and mappings
	// one template may declare.
	MaxOutputs, MaxParameters, MaxMappings = 200, 200, 200
	// MaxDynamicReferences is the most dynamic references ({{resolve:…}}) one template may
	// hold: a container's deploy-time environment from SSM parameters makes one each.
	MaxDynamicReferences = 60
)

// TemplateBucketVariable names the environment variable the deploy script reads the S3 bucket
// from, for the templates too large to send inline.
const TemplateBucketVariable = "ECSGEN_TEMPLATE_BUCKET"

// stack is one generated CloudFormation stack.
type stack struct {
	Name        string
	Description string
	// SpecPath is the part of the spec the stack comes from, for findings about the stack.
	SpecPath string
	Template *cloudformation.Template
	// Parameters are the values the deploy passes for the template's parameters that have no
	// default, in the order they are written.
	Parameters []parameter
	// Release is how a new task definition reaches the stack's CodeDeploy service, if any.
	Release *codeDeployRelease
	// LiveTraffic says where deploy.sh reads which of a blue/green service's target groups is
	// live, to pass it as LiveTargetGroup.
	LiveTraffic *liveTraffic
	// DesiredCount says which service's running count deploy.sh passes as DesiredCount.
	DesiredCount *liveDesiredCount
}

// liveDesiredCount is an autoscaled service whose task count deploy.sh reads before each
// update: Initial on the first deploy, the service's desired count after.
type liveDesiredCount struct {
	Cluster string `json:"cluster"`
	Service string `json:"service"`
	Initial int    `json:"initial"`
}

// liveTraffic names the listener (CodeDeploy) or listener rule (ECS-native blue/green) whose
// forward action shows the live target group.
type liveTraffic struct {
	Listener string `json:"listener,omitempty"`
	Rule     string `json:"rule,omitempty"`
}

type parameter struct {
	Key, Value string
}

// deployPlan is the machine-readable form of deploy.sh: the stacks in deploy order, with
// what each needs. deploy.sh is rendered from it, and CI tooling can read it instead of
// parsing a shell script.
type deployPlan struct {
	Region string        `json:"region"`
	Stacks []stackInPlan `json:"stacks"`
}

type stackInPlan struct {
	Name         string            `json:"name"`
	Description  string            `json:"description"`
	Template     string            `json:"template"`
	Bytes        int               `json:"bytes"`
	Parameters   map[string]string `json:"parameters,omitempty"`
	Capabilities []string          `json:"capabilities,omitempty"`
	// S3Bucket is set when the template is over MaxInlineTemplateBytes: the deploy must upload
	// it to an S3 bucket (--s3-bucket).
	S3Bucket bool `json:"s3Bucket,omitempty"`
	// Release is run after the stack is deployed: a CodeDeploy deployment of the new task
	// definition.
	Release *codeDeployRelease `json:"release,omitempty"`
	// LiveTraffic: deploy.sh passes LiveTargetGroup, read from this listener or rule.
	LiveTraffic *liveTraffic `json:"liveTraffic,omitempty"`
	// DesiredCount: deploy.sh passes DesiredCount, the service's running count.
	DesiredCount *liveDesiredCount `json:"desiredCount,omitempty"`
	// Skippable: the template outputs its deploy digest (digest.go), and deploy.sh skips the
	// stack while the deployed one outputs the same. Not in deploy-plan.json, which changes
	// only with the stacks' order and what deploy.sh passes them.
	Skippable bool `json:"-"`
	// LogGroups are the stack's named log groups that outlive it (retained): when the stack is
	// created again (after destroy.sh or --prune) and they exist, deploy.sh creates it with a
	// change set that imports them (ImportExistingResources), as CloudFormation would otherwise
	// fail on "already exists".
	LogGroups []string `json:"logGroups,omitempty"`
	// Exports are the names the stack exports, Imports those it imports (Fn::ImportValue),
	// for deploy.sh's order when the cluster stack drops an export. Not in deploy-plan.json;
	// exported so that the build cache can store them with the rest (it stores exported
	// fields only).
	Exports []string `json:"-"`
	Imports []string `json:"-"`
}

// codeDeployRelease is how deploy.sh releases a CodeDeploy service: when the service does not
// run the revision the stack registered last, a CodeDeploy deployment moves it there.
type codeDeployRelease struct {
	Application     string `json:"application"`
	DeploymentGroup string `json:"deploymentGroup"`
	Cluster         string `json:"cluster"`
	Service         string `json:"service"`
	// TaskDefinition is the logical id of the stack's task definition: its physical id is the
	// ARN of the revision to release.
	TaskDefinition   string `json:"taskDefinition"`
	CreateDeployment string `json:"createDeployment"`
}

// LimitError is a spec whose stack would break a CloudFormation limit: a problem with the spec
// (a finding at Path, with Hint), not a failure of ecsgen.
type LimitError struct {
	Rule, Path, Message, Hint string
}

// limitError is the LimitError of stack st, with the hint for the part of the spec it comes from.
func limitError(st *stack, rule, message string) *LimitError {
	hint := "split the service's containers or settings, or move the large values (environment) into environment files or secrets"
	switch {
	case st.SpecPath == "cluster":
		// The cluster stack holds every load balancer and capacity provider, with outputs
		// for each (their ARNs, names, security groups) that the service stacks import.
		hint = "declare fewer load balancers or capacity providers in this environment: services can share a load balancer's listener through their rules, or run in another environment"
	case !strings.HasPrefix(st.SpecPath, "services."):
		hint = "declare fewer resources in this part of the spec"
	}
	return &LimitError{Rule: rule, Path: st.SpecPath, Message: message, Hint: hint}
}

func (e *LimitError) Error() string { return "[" + e.Rule + "] " + e.Message }

// addStack encodes a stack's template, checks it fits the inline limit, and adds it to the
// output and the plan.
func (e *env) addStack(out Files, plan *deployPlan, st *stack) error {
	e.waiverMetadata(st)
	skippable := deploysAsBuilt(st.Template)
	if skippable {
		st.Template.Outputs[DeployDigestOutput] = cloudformation.Output{Description: &deployDigestDescription, Value: digestPlaceholder}
	}
	body, err := encodeTemplate(st.Template)
	if err != nil {
		return fmt.Errorf("stack %s: %w", st.Name, err)
	}
	caps := capabilities(st.Template)
	if skippable {
		if err := e.sealDigest(st, body, caps); err != nil {
			return fmt.Errorf("stack %s: %w", st.Name, err)
		}
	}
	if n := len(st.Template.Resources); n > MaxResources {
		return limitError(st, "R59", fmt.Sprintf("stack %s has %d resources, over the %d a CloudFormation template may hold", st.Name, n, MaxResources))
	}
	for _, c := range []struct {
		what   string
		n, max int
	}{
		{"outputs", len(st.Template.Outputs), MaxOutputs},
		{"parameters", len(st.Template.Parameters), MaxParameters},
		{"mappings", len(st.Template.Mappings), MaxMappings},
		{"dynamic references ({{resolve:…}})", bytes.Count(body, []byte("{{resolve:")), MaxDynamicReferences},
	} {
		if c.n > c.max {
			return limitError(st, "R60", fmt.Sprintf("stack %s has %d %s, over the %d a CloudFormation template may hold", st.Name, c.n, c.what, c.max))
		}
	}
	if len(body) > MaxTemplateBytes {
		return limitError(st, "R58", fmt.Sprintf("stack %s is %d bytes, over the %d bytes CloudFormation accepts even through S3", st.Name, len(body), MaxTemplateBytes))
	}
	retained, direct := retainedOfTemplate(st.Template)
	if !direct {
		retained = retainedOf(body)
	} else if verifyEncodings && !slices.Equal(retained, retainedOf(body)) {
		return fmt.Errorf("internal error: stack %s: the retained resources of the typed template %v differ from those of its text %v", st.Name, retained, retainedOf(body))
	}
	e.retained = append(e.retained, retainedResources(st.Name, retained)...)
	rel := "stacks/" + st.Name + ".json"
	out[path.Join(e.spec.Env, rel)] = body
	sp := stackInPlan{
		Name:         st.Name,
		Description:  st.Description,
		Template:     rel,
		Bytes:        len(body),
		Capabilities: caps,
		Release:      st.Release,
		LiveTraffic:  st.LiveTraffic,
		DesiredCount: st.DesiredCount,
		S3Bucket:     len(body) > MaxInlineTemplateBytes,
		LogGroups:    retainedLogGroups(retained),
		Exports:      exportNames(st.Template),
		Imports:      importNames(body),
		Skippable:    skippable,
	}
	if len(st.Parameters) > 0 {
		sp.Parameters = map[string]string{}
		for _, p := range st.Parameters {
			sp.Parameters[p.Key] = p.Value
		}
	}
	plan.Stacks = append(plan.Stacks, sp)
	return nil
}

// waiverMetadata records in a stack's metadata the waivers of the spec that concern it, with
// their reasons, for the reviewers of the template. A waiver of a service's path goes to that
// service's stack; others go to the cluster stack; one without a path goes everywhere.
func (e *env) waiverMetadata(st *stack) {
	var list []map[string]string
	for _, w := range e.spec.Waivers {
		service, isService := strings.CutPrefix(w.Path, "services.")
		if isService {
			service, _, _ = strings.Cut(service, ".")
			service, _, _ = strings.Cut(service, "[")
		}
		mine := w.Path == "" ||
			(isService && st.Name == ServiceStackName(e.spec, service)) ||
			(!isService && st.Name == ClusterStackName(e.spec))
		if !mine {
			continue
		}
		m := map[string]string{"rule": w.Rule, "reason": w.Reason}
		if w.Path != "" {
			m["path"] = w.Path
		}
		list = append(list, m)
	}
	meta := map[string]any{}
	if len(list) > 0 {
		meta["waivers"] = list
	}
	if e.spec.Ephemeral && st.Name == ClusterStackName(e.spec) {
		// The defaults an ephemeral environment leaves off (load balancer access logs) are
		// no waiver, but a reviewer and the security gate need to know why they are off.
		meta["ephemeral"] = true
	}
	if len(meta) > 0 {
		if st.Template.Metadata == nil {
			st.Template.Metadata = map[string]any{}
		}
		st.Template.Metadata["ecsgen"] = meta
	}
}

// capabilities are the --capabilities a template needs (R57): CAPABILITY_NAMED_IAM when an
// IAM resource has a custom name, CAPABILITY_IAM for other IAM resources.
func capabilities(t *cloudformation.Template) []string {
	iamRes, named := false, false
	for _, r := range t.Resources {
		typ := r.AWSCloudFormationType()
		if !strings.HasPrefix(typ, "AWS::IAM::") {
			continue
		}
		iamRes = true
		switch typ {
		case "AWS::IAM::Role", "AWS::IAM::InstanceProfile", "AWS::IAM::ManagedPolicy", "AWS::IAM::User", "AWS::IAM::Group":
			// Every role ecsgen makes has a RoleName; instance profiles and policies are named
			// by CloudFormation, but one named resource is enough.
			named = named || typ == "AWS::IAM::Role"
		}
	}
	switch {
	case named:
		return []string{"CAPABILITY_NAMED_IAM"}
	case iamRes:
		return []string{"CAPABILITY_IAM"}
	}
	return nil
}

// deployStack is one stack as deploy.sh and destroy.sh see it.
type deployStack struct {
	Name, Description, Template string
	// Function is the shell function of deploy.sh that deploys the stack.
	Function           string
	Capabilities       []string
	ParameterOverrides []string
	Bytes              int
	S3Bucket           bool
	Release            *codeDeployRelease
	LiveTraffic        *liveTraffic
	DesiredCount       *liveDesiredCount
	LogGroups          []string
	// Skippable: deploy.sh skips the stack when it is deployed as built (digest.go).
	Skippable bool
	// ClusterImports are the cluster stack's exports the stack imports.
	ClusterImports []string
	// ServiceStack: the stack is neither the cluster's nor the network's.
	ServiceStack bool
	// The name, template, capabilities, parameter overrides and cluster imports as deploy.sh
	// writes them (templates.ShellQuote): quoted once here, where a call of shquote in the template, for
	// each of a thousand stacks, cost as much as the rest of the template.
	QName, QTemplate                                    string
	QCapabilities, QParameterOverrides, QClusterImports []string
}

// serviceWave is a service stack as `deploy.sh --parallel=N` deploys it: its function, its
// stack's name and the wave it deploys in.
type serviceWave struct {
	Wave           int
	Function, Name string
}

// lbEndpoint is how deploy.sh prints a load balancer's URLs: from the DNS name the cluster
// stack outputs, one URL per listener ($dns is the shell variable holding the name).
type lbEndpoint struct {
	Name, Output string
	URLs         []string
}

// scriptData is what deploy.sh and destroy.sh are rendered from.
type scriptData struct {
	Title, Region, System, Env, BucketVariable string
	InlineLimit                                int
	Cluster, ClusterStack, ClusterFunction     string
	// NetworkStack and NetworkFunction: the stack of a created VPC (network.create), deployed
	// before every other and deleted after them; empty without one.
	NetworkStack, NetworkFunction string
	// NetworkExports are the names the network stack's template exports.
	NetworkExports []string
	Stacks         []deployStack
	// ServiceStacks are the stacks that are neither the cluster's nor the network's, and
	// ClusterImporters those that import the cluster stack's exports, in plan order: the
	// template's loops over them went through every stack, testing each.
	ServiceStacks, ClusterImporters []*deployStack
	// ClusterExports are the names the cluster stack exports.
	ClusterExports []string
	// Services are the functions deploying the service stacks, in plan order.
	Services []string
	// Waves are the service stacks in plan order with the wave each deploys in under
	// `deploy.sh --parallel=N` (serviceWaves).
	Waves []serviceWave
	// ClusterProviders are the capacity providers the cluster stack associates; ServiceProviders
	// those the services of the spec use (their strategies, or the cluster's default).
	ClusterProviders, ServiceProviders []string
	Releases                           bool
	// AdoptsLogGroups: a stack has retained log groups to adopt when it is created again.
	AdoptsLogGroups bool
	// KeepsLiveTraffic: a blue/green stack records its live target group before an update
	// (keep_live_on_rollback).
	KeepsLiveTraffic bool
	Endpoints        []lbEndpoint
	// SummaryServices are the services deploy.sh may describe at its end, a line each: the
	// service's stack and its ECS service name, or "-" and the name for a CodeDeploy service,
	// which its release may deploy though its stack is skipped. Names of stacks and ECS
	// services hold letters, digits, hyphens and underscores only: the lines are not quoted.
	SummaryServices []string
	// QTagSystem and QTagEnv are the stacks' tags as deploy.sh passes them, quoted.
	QTagSystem, QTagEnv string
	// Retained lists what outlives destroy.sh: resources with DeletionPolicy Retain or
	// RetainExceptOnCreate.
	Retained []string
}

// scriptDataOf is what deploy.sh and destroy.sh are rendered from. It walks every stack and
// service once: each loop over the services, each sort of their names and each growth of a
// slice of stacks cost milliseconds at 10 000 services, so the names are sorted once, the
// slices made at their size, and the providers collected in one pass.
func scriptDataOf(e *env, plan deployPlan) scriptData {
	s := e.spec
	d := scriptData{Title: Prefix(s), Region: plan.Region, System: s.System, Env: s.Env, BucketVariable: TemplateBucketVariable,
		InlineLimit: MaxInlineTemplateBytes, Cluster: ClusterName(s), ClusterStack: ClusterStackName(s),
		QTagSystem: templates.ShellQuote("ecsgen:system=" + s.System), QTagEnv: templates.ShellQuote("ecsgen:env=" + s.Env)}
	names := sortedKeys(s.Services)
	// The service each stack name belongs to, computed once (the last by name when two share a
	// stack name): looking it up per stack over every service was quadratic.
	serviceOf := make(map[string]string, len(names))
	for _, name := range names {
		serviceOf[ServiceStackName(s, name)] = name
	}
	clusterImport := d.ClusterStack + ":"
	d.Stacks = make([]deployStack, 0, len(plan.Stacks))
	d.Services = make([]string, 0, len(plan.Stacks))
	var keys []string    // a stack's parameter names, sorted; reused
	var ordered []string // the services of the service stacks, in plan order
	for i, st := range plan.Stacks {
		var fn string
		switch {
		case st.Name == d.ClusterStack:
			fn = "deploy_cluster"
			d.ClusterFunction = fn
		case s.CreatesNetwork() && st.Name == NetworkStackName(s):
			fn = "deploy_network"
			d.NetworkStack, d.NetworkFunction, d.NetworkExports = st.Name, fn, NetworkExports(s)
		default:
			if name, ok := serviceOf[st.Name]; ok {
				fn = "deploy_service_" + strings.ReplaceAll(name, "-", "_")
				ordered = append(ordered, name)
			} else {
				fn = "deploy_stack_" + strconv.Itoa(i)
			}
			d.Services = append(d.Services, fn)
			d.Waves = append(d.Waves, serviceWave{Function: fn, Name: st.Name})
		}
		ds := deployStack{Name: st.Name, Description: st.Description, Template: st.Template, Function: fn, Capabilities: st.Capabilities,
			Release: st.Release, Bytes: st.Bytes, S3Bucket: st.S3Bucket, LiveTraffic: st.LiveTraffic, DesiredCount: st.DesiredCount,
			LogGroups: st.LogGroups, Skippable: st.Skippable}
		if len(st.Parameters) > 0 {
			keys = keys[:0]
			for k := range st.Parameters {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			ds.ParameterOverrides = make([]string, len(keys))
			for j, k := range keys {
				ds.ParameterOverrides[j] = k + "=" + st.Parameters[k]
			}
		}
		ds.QName, ds.QTemplate = templates.ShellQuote(st.Name), templates.ShellQuote(st.Template)
		ds.QCapabilities, ds.QParameterOverrides = shellQuoted(ds.Capabilities), shellQuoted(ds.ParameterOverrides)
		if st.Name == d.ClusterStack {
			d.ClusterExports = st.Exports
		}
		for _, name := range st.Imports {
			if strings.HasPrefix(name, clusterImport) {
				ds.ClusterImports = append(ds.ClusterImports, name)
			}
		}
		ds.QClusterImports = shellQuoted(ds.ClusterImports)
		ds.ServiceStack = fn != "deploy_cluster" && fn != "deploy_network"
		d.Releases = d.Releases || st.Release != nil
		d.AdoptsLogGroups = d.AdoptsLogGroups || len(st.LogGroups) > 0
		d.KeepsLiveTraffic = d.KeepsLiveTraffic || st.LiveTraffic != nil
		d.Stacks = append(d.Stacks, ds)
	}
	if len(ordered) == len(d.Waves) {
		for i, w := range serviceWaves(s, ordered) {
			d.Waves[i].Wave = w
		}
		// deploy.sh runs a wave's stacks together: by wave, in plan order within one.
		slices.SortStableFunc(d.Waves, func(a, b serviceWave) int { return a.Wave - b.Wave })
	} else {
		// A stack of no service (none is generated today): nothing is known of what it
		// needs, so every stack waits for the one before it.
		for i := range d.Waves {
			d.Waves[i].Wave = i
		}
	}
	d.ServiceStacks = make([]*deployStack, 0, len(d.Stacks))
	for i := range d.Stacks {
		if d.Stacks[i].ServiceStack {
			d.ServiceStacks = append(d.ServiceStacks, &d.Stacks[i])
		}
		if len(d.Stacks[i].ClusterImports) > 0 {
			d.ClusterImporters = append(d.ClusterImporters, &d.Stacks[i])
		}
	}
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		d.ClusterProviders = append(d.ClusterProviders, CapacityProviderName(s, name))
	}
	// The Fargate providers the services use, with the default strategy's (what
	// s.FargateProvidersUsed says, collected here in the loop that walks the services anyway),
	// and every provider the services' strategies name.
	fargate, used := map[string]bool{}, map[string]bool{}
	def := s.DefaultStrategy()
	for cp := range def {
		if schema.IsFargateProvider(cp) {
			fargate[cp] = true
		}
	}
	released := map[string]bool{}
	for _, st := range d.Stacks {
		if st.Release != nil {
			released[st.Name] = true
		}
	}
	d.SummaryServices = make([]string, 0, len(names))
	for _, name := range names {
		strategy := s.Services[name].Capacity
		if len(strategy) == 0 {
			strategy = def
		}
		for cp := range strategy {
			if schema.IsFargateProvider(cp) {
				fargate[cp] = true
			} else {
				cp = CapacityProviderName(s, cp)
			}
			used[cp] = true
		}
		stack := ServiceStackName(s, name)
		if released[stack] {
			stack = "-"
		}
		d.SummaryServices = append(d.SummaryServices, stack+" "+ServiceName(s, name))
	}
	d.ClusterProviders = append(d.ClusterProviders, sortedKeys(fargate)...)
	d.ServiceProviders = sortedKeys(used)
	for _, name := range sortedKeys(s.LoadBalancers) {
		lb := s.LoadBalancers[name]
		ep := lbEndpoint{Name: name, Output: logicalID(name) + "LoadBalancerDNSName"}
		for _, lname := range sortedKeys(lb.Listeners) {
			ep.URLs = append(ep.URLs, listenerURL(lb.Listeners[lname])+" ("+lname+")")
		}
		d.Endpoints = append(d.Endpoints, ep)
	}
	return d
}

// shellQuoted is each of words quoted for the shell (nil for none).
func shellQuoted(words []string) []string {
	if words == nil {
		return nil
	}
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = templates.ShellQuote(w)
	}
	return out
}

// listenerURL is a listener's address, with $dns standing for the load balancer's DNS name.
func listenerURL(l schema.Listener) string {
	switch l.Protocol {
	case "HTTP", "HTTPS":
		scheme := strings.ToLower(l.Protocol)
		if (scheme == "http" && l.Port == 80) || (scheme == "https" && l.Port == 443) {
			return scheme + "://$dns/"
		}
		return fmt.Sprintf("%s://$dns:%d/", scheme, l.Port)
	}
	return fmt.Sprintf("%s $dns:%d", strings.ToLower(l.Protocol), l.Port)
}

// renderDeployScript is deploy.sh: the two parts of its template, with the function deploying
// each stack written between them (deployfunc.go).
func renderDeployScript(d scriptData) ([]byte, error) {
	var w templates.Writer
	if err := w.Execute("deploy.sh", &d); err != nil {
		return nil, err
	}
	if err := writeStackFunctions(&w, &d); err != nil {
		return nil, err
	}
	if err := w.Execute("deploy.sh after the stacks' functions", &d); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// renderDestroyScript is destroy.sh, from the data of deploy.sh (its own copy: Retained is set
// on it) and what outlives the stacks.
func renderDestroyScript(d scriptData, retained []string) ([]byte, error) {
	d.Retained = retained
	return templates.Render("destroy.sh.tmpl", d)
}

// retainedResource is a resource of an encoded template that outlives its stack
// (DeletionPolicy Retain, or RetainExceptOnCreate once created).
type retainedResource struct {
	ID, Type string
	// LogGroupName is a log group's literal name, or empty.
	LogGroupName string
}

// retainedOf lists an encoded template's retained resources, in logical id order. It reads
// only the members it needs (Resources, each resource's Type, DeletionPolicy and LogGroupName
// property) instead of decoding the template again.
func retainedOf(body []byte) []retainedResource {
	if !bytes.Contains(body, []byte(`"DeletionPolicy"`)) {
		return nil // no resource has a deletion policy
	}
	top, err := fieldsOf(body, 0)
	if err != nil {
		return nil
	}
	var resources []jsonField
	for _, f := range slices.Backward(top) {
		if f.key == "Resources" {
			if resources, err = fieldsOf(body, f.start); err != nil {
				return nil
			}
			break
		}
	}
	byID := map[string]retainedResource{}
	for _, res := range resources {
		fields, err := fieldsOf(body, res.start)
		if err != nil {
			continue
		}
		if p, _ := fieldString(body, fields, "DeletionPolicy"); p != "Retain" && p != "RetainExceptOnCreate" {
			delete(byID, res.key) // the last of duplicate ids wins
			continue
		}
		r := retainedResource{ID: res.key}
		r.Type, _ = fieldString(body, fields, "Type")
		for _, f := range slices.Backward(fields) {
			if f.key == "Properties" {
				if props, err := fieldsOf(body, f.start); err == nil {
					r.LogGroupName, _ = fieldString(body, props, "LogGroupName")
				}
				break
			}
		}
		byID[res.key] = r
	}
	var out []retainedResource
	for _, id := range sortedKeys(byID) {
		out = append(out, byID[id])
	}
	return out
}

// retainedOfTemplate is retainedOf(encodeTemplate(t)) read from the typed template instead of
// its text: each resource's DeletionPolicy attribute, type and LogGroupName property, read
// where the direct encoder (encode.go) writes them from, and taken as the encoded template's
// decoding gives them (treeString: a marker is no string, invalid UTF-8 becomes U+FFFD). ok is
// false when a resource is not one the direct encoder writes as goformation's (an extension
// with properties of its own, a resource of another kind): then the text is read. With
// verifyEncodings set (the package's tests) addStack compares the two on every stack.
func retainedOfTemplate(t *cloudformation.Template) (_ []retainedResource, ok bool) {
	var out []retainedResource
	for _, id := range sortedKeys(t.Resources) {
		r := t.Resources[id]
		var ov *overlay
		if x, isExtension := r.(extension); isExtension && r != nil && !reflect.ValueOf(r).IsNil() {
			base, o, direct := x.extends()
			if !direct {
				return nil, false
			}
			r, ov = base, o
		}
		v := reflect.ValueOf(r)
		if r == nil || v.Kind() == reflect.Pointer && v.IsNil() {
			continue // null: no member to read
		}
		if v.Kind() != reflect.Pointer || planOf(v.Type()).kind != byKind || planOf(v.Type().Elem()).kind != asResource {
			return nil, false
		}
		e, p := v.Elem(), planOf(v.Type().Elem())
		var policy string
		for _, m := range p.wrapper {
			if m.name == "DeletionPolicy" {
				if f := e.Field(m.field); f.Kind() == reflect.String && planOf(f.Type()).kind == byKind {
					policy = treeString(f.String())
				}
			}
		}
		if policy != "Retain" && policy != "RetainExceptOnCreate" {
			continue // an overlay edits Properties only, never the attributes
		}
		if ov != nil {
			return nil, false // it might add a LogGroupName
		}
		res := retainedResource{ID: id, Type: treeString(r.AWSCloudFormationType())}
		for _, f := range p.fields {
			if f.name == "LogGroupName" {
				if s, isString, known := stringOf(e.Field(f.index)); isString && known {
					res.LogGroupName = treeString(s)
				}
			}
		}
		out = append(out, res)
	}
	return out, true
}

// retainedLogGroups are the names of the retained log groups with a literal LogGroupName:
// deploy.sh imports those that exist when it creates the stack again.
func retainedLogGroups(retained []retainedResource) []string {
	var out []string
	for _, r := range retained {
		if r.Type == "AWS::Logs::LogGroup" && r.LogGroupName != "" {
			out = append(out, r.LogGroupName)
		}
	}
	return out
}

// retainedResources names a stack's retained resources, for destroy.sh to say what it keeps.
func retainedResources(stack string, retained []retainedResource) []string {
	var out []string
	for _, r := range retained {
		what := r.Type + " " + r.ID
		if r.LogGroupName != "" {
			what = "log group " + r.LogGroupName
		}
		out = append(out, what+" (stack "+stack+")")
	}
	return out
}

// exportNames are the names a template exports, sorted.
func exportNames(t *cloudformation.Template) []string {
	var out []string
	for _, o := range t.Outputs {
		if o.Export != nil {
			out = append(out, o.Export.Name)
		}
	}
	slices.Sort(out)
	return out
}

// plainJSONText reports whether the text between a JSON string's quotes decodes to itself:
// valid UTF-8 without escapes or control characters.
func plainJSONText(q []byte) bool {
	for _, c := range q {
		if c < 0x20 || c == '\\' {
			return false
		}
	}
	return utf8.Valid(q)
}

// importNames are the export names a template imports (Fn::ImportValue of a literal name),
// sorted, each once. The template, in encodeTemplate's indented form (`"key": value`), is
// scanned as text, not decoded: the key can only be one of the template's own (a quote inside
// a string value is escaped), and the name that follows it is one JSON string, decoded alone.
func importNames(body []byte) []string {
	key := []byte(`"Fn::ImportValue": "`)
	seen := map[string]bool{}
	for rest := body; ; {
		i := bytes.Index(rest, key)
		if i < 0 {
			break
		}
		rest = rest[i+len(key)-1:] // at the name's opening quote
		end := 1
		for end < len(rest) && rest[end] != '"' {
			if rest[end] == '\\' {
				end++
			}
			end++
		}
		if end >= len(rest) {
			break
		}
		if q := rest[1:end]; plainJSONText(q) {
			seen[string(q)] = true // what decoding gives, without encoding/json
		} else {
			var name string
			if json.Unmarshal(rest[:end+1], &name) == nil {
				seen[name] = true
			}
		}
		rest = rest[end+1:]
	}
	return sortedKeys(seen)
}
