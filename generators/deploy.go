package generators

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"

	"github.com/ecsgen/ecsgen/templates"
)

// Template limits (R58, R59).
const (
	// MaxInlineTemplateBytes is the largest template `aws cloudformation deploy` sends inline
	// (TemplateBody); a larger one must go through an S3 bucket (--s3-bucket).
	MaxInlineTemplateBytes = 51200
	// MaxTemplateBytes is the largest template CloudFormation accepts at all (through S3).
	MaxTemplateBytes = 1000000
	// MaxResources is the most resources one template may declare.
	MaxResources = 500
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
}

// codeDeployRelease is how deploy.sh releases a CodeDeploy service: when the service does not
// run the revision the stack registered last, a CodeDeploy deployment moves it there.
type codeDeployRelease struct {
	Cluster string `json:"cluster"`
	Service string `json:"service"`
	// TaskDefinition is the logical id of the stack's task definition: its physical id is the
	// ARN of the revision to release.
	TaskDefinition   string `json:"taskDefinition"`
	CreateDeployment string `json:"createDeployment"`
}

// LimitError is a spec whose stack would break a CloudFormation limit: a problem with the spec
// (a finding at Path), not a failure of ecsgen.
type LimitError struct {
	Rule, Path, Message string
}

func (e *LimitError) Error() string { return "[" + e.Rule + "] " + e.Message }

// addStack encodes a stack's template, checks it fits the inline limit, and adds it to the
// output and the plan.
func (e *env) addStack(out Files, plan *deployPlan, st *stack) error {
	e.waiverMetadata(st)
	body, err := encodeTemplate(st.Template)
	if err != nil {
		return fmt.Errorf("stack %s: %w", st.Name, err)
	}
	if n := len(st.Template.Resources); n > MaxResources {
		return &LimitError{Rule: "R59", Path: st.SpecPath, Message: fmt.Sprintf("stack %s has %d resources, over the %d a CloudFormation template may hold", st.Name, n, MaxResources)}
	}
	if len(body) > MaxTemplateBytes {
		return &LimitError{Rule: "R58", Path: st.SpecPath, Message: fmt.Sprintf("stack %s is %d bytes, over the %d bytes CloudFormation accepts even through S3", st.Name, len(body), MaxTemplateBytes)}
	}
	rel := "stacks/" + st.Name + ".json"
	out[path.Join(e.spec.Env, rel)] = body
	sp := stackInPlan{
		Name:         st.Name,
		Description:  st.Description,
		Template:     rel,
		Bytes:        len(body),
		Capabilities: capabilities(st.Template),
		Release:      st.Release,
		LiveTraffic:  st.LiveTraffic,
		DesiredCount: st.DesiredCount,
		S3Bucket:     len(body) > MaxInlineTemplateBytes,
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

func renderDeployScript(e *env, plan deployPlan) ([]byte, error) {
	type stackData struct {
		Name, Description, Template string
		Capabilities                []string
		ParameterOverrides          []string
		Bytes                       int
		S3Bucket                    bool
		Release                     *codeDeployRelease
		LiveTraffic                 *liveTraffic
		DesiredCount                *liveDesiredCount
	}
	data := struct {
		Title, Region, BucketVariable string
		InlineLimit                   int
		Stacks                        []stackData
	}{Title: Prefix(e.spec), Region: plan.Region, BucketVariable: TemplateBucketVariable, InlineLimit: MaxInlineTemplateBytes}
	for _, s := range plan.Stacks {
		d := stackData{Name: s.Name, Description: s.Description, Template: s.Template, Capabilities: s.Capabilities,
			Release: s.Release, Bytes: s.Bytes, S3Bucket: s.S3Bucket, LiveTraffic: s.LiveTraffic, DesiredCount: s.DesiredCount}
		for _, k := range slices.Sorted(maps.Keys(s.Parameters)) {
			d.ParameterOverrides = append(d.ParameterOverrides, k+"="+s.Parameters[k])
		}
		data.Stacks = append(data.Stacks, d)
	}
	return templates.Render("deploy.sh.tmpl", data)
}
