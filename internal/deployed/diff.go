package deployed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/textdiff"
)

// maxTemplateBody is the largest template CloudFormation takes inline (TemplateBody); a larger
// one must be read from S3.
const maxTemplateBody = 51200

// Stack is one stack of an environment as deploy.sh deploys it (from deploy-plan.json).
type Stack struct {
	Name         string
	Template     []byte
	Parameters   map[string]string
	Capabilities []string
}

// Service is one ECS service of an environment and the task definition generated for it.
type Service struct {
	Key            string // the service's name in the spec
	Cluster, Name  string // as deployed
	TaskDefinition []byte // taskdefs/<key>.json: RegisterTaskDefinition input
}

// Report is what a deploy of the environment would change.
type Report struct {
	Stacks          []StackDiff          `json:"stacks"`
	TaskDefinitions []TaskDefinitionDiff `json:"taskDefinitions"`
}

// Changed reports whether a deploy would change anything.
func (r *Report) Changed() bool {
	for _, s := range r.Stacks {
		if s.New || len(s.Changes) > 0 {
			return true
		}
	}
	for _, t := range r.TaskDefinitions {
		if t.Diff != "" || !t.Deployed {
			return true
		}
	}
	return false
}

// StackDiff is CloudFormation's own answer for one stack: the change set of the generated
// template against the deployed stack, or every resource when the stack is new.
type StackDiff struct {
	Stack string `json:"stack"`
	// New: the stack does not exist yet (or only as a failed first create, see Status).
	New     bool             `json:"new,omitempty"`
	Status  string           `json:"status,omitempty"`
	Changes []ResourceChange `json:"changes"`
	// AsBuilt: the stack is at rest and outputs the deploy digest of the generated template
	// (generators/digest.go), so it holds that template with the same parameters and no change
	// set was needed to say that a deploy changes nothing (deploy.sh skips it too).
	AsBuilt bool `json:"asBuilt,omitempty"`
	// Note says why the stack could not be compared (a template too large to send inline).
	Note string `json:"note,omitempty"`
}

// ResourceChange is one resource of a change set.
type ResourceChange struct {
	Action    string `json:"action"` // Add, Modify, Remove, Import, Dynamic
	LogicalID string `json:"logicalId"`
	Type      string `json:"type"`
	// Replacement is CloudFormation's answer for a modification: True, False or Conditional.
	Replacement string `json:"replacement,omitempty"`
	// Properties are the top-level properties whose change CloudFormation reports.
	Properties []string `json:"properties,omitempty"`
}

// TaskDefinitionDiff compares a service's running task definition with the generated one,
// both normalised the way ECS returns them.
type TaskDefinitionDiff struct {
	Service  string `json:"service"`
	Cluster  string `json:"cluster"`
	Name     string `json:"name"`
	Deployed bool   `json:"deployed"`
	Running  string `json:"running,omitempty"` // ARN of the task definition the service runs
	Diff     string `json:"diff,omitempty"`    // unified diff, deployed → generated
}

// diffConcurrency is how many stacks and services Diff compares at once. A change set takes
// seconds to create and read, so the 1002 stacks of a 1000-service environment took over an
// hour one by one; a few at a time keep the request rate well under what CloudFormation and
// ECS take (the SDK backs off and retries a throttled call, and Explain says what to do when
// it gives up).
const diffConcurrency = 4

// Diff compares the stacks and services of one environment with what is deployed. It creates
// a change set per existing stack and always deletes it again: nothing is executed. The report
// lists the stacks and services in the order given; the first error, in that order, ends it.
func (a *Account) Diff(ctx context.Context, stacks []Stack, services []Service) (*Report, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &Report{Stacks: make([]StackDiff, len(stacks)), TaskDefinitions: make([]TaskDefinitionDiff, len(services))}
	errs := make([]error, len(stacks)+len(services))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(diffConcurrency, len(errs)) {
		wg.Go(func() {
			for i := range jobs {
				var err error
				if i < len(stacks) {
					var d *StackDiff
					if d, err = a.stackDiff(ctx, stacks[i]); err == nil {
						r.Stacks[i] = *d
					}
				} else {
					var d *TaskDefinitionDiff
					if d, err = a.taskDefinitionDiff(ctx, services[i-len(stacks)]); err == nil {
						r.TaskDefinitions[i-len(stacks)] = *d
					}
				}
				if err != nil {
					errs[i] = err
					cancel() // the others stop; their change sets are still deleted
				}
			}
		})
	}
	handed := 0
feed:
	for ; handed < len(errs); handed++ {
		select {
		case jobs <- handed:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	// The first error that is not the cancellation one of them caused in the others.
	var first error
	for _, err := range errs {
		if err != nil && (first == nil || errors.Is(first, context.Canceled) && !errors.Is(err, context.Canceled)) {
			first = err
		}
	}
	if first == nil && handed < len(errs) {
		first = ctx.Err() // cancelled from outside before every job was handed out
	}
	if first != nil {
		return nil, first
	}
	return r, nil
}

func (a *Account) stackDiff(ctx context.Context, st Stack) (*StackDiff, error) {
	d := &StackDiff{Stack: st.Name, Changes: []ResourceChange{}}
	out, err := a.cloudFormation.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(st.Name)})
	if err != nil && !notFound(err) {
		return nil, wrap(err, "describe stack %s", st.Name)
	}
	var deployed *cfntypes.Stack
	if err == nil && len(out.Stacks) > 0 {
		deployed = &out.Stacks[0]
		d.Status = string(deployed.StackStatus)
	}
	if deployed == nil || deployed.StackStatus == cfntypes.StackStatusReviewInProgress || deployed.StackStatus == cfntypes.StackStatusRollbackComplete {
		// Not there, or only a first create that never completed: deploy.sh creates it anew.
		d.New = true
		changes, err := templateResources(st.Template)
		if err != nil {
			return nil, fmt.Errorf("stack %s: %w", st.Name, err)
		}
		d.Changes = changes
		return d, nil
	}
	if digest := generators.DeployDigestOf(st.Template); digest != "" && atRest(deployed.StackStatus) && outputOf(deployed, generators.DeployDigestOutput) == digest {
		d.AsBuilt = true
		return d, nil
	}
	if len(st.Template) > maxTemplateBody {
		d.Note = fmt.Sprintf("template of %d bytes is over the %d bytes CloudFormation takes inline; compare it with `aws cloudformation deploy --no-execute-changeset --s3-bucket …`", len(st.Template), maxTemplateBody)
		return d, nil
	}
	d.Changes, err = a.changeSet(ctx, st, deployed)
	return d, err
}

// atRest: a stack in this status holds the template it last deployed, whose outputs it shows,
// and nothing is under way (the statuses in which deploy.sh's unchanged skips a stack).
func atRest(s cfntypes.StackStatus) bool {
	switch s {
	case cfntypes.StackStatusCreateComplete, cfntypes.StackStatusUpdateComplete, cfntypes.StackStatusImportComplete, cfntypes.StackStatusUpdateRollbackComplete:
		return true
	}
	return false
}

// outputOf is the value of the deployed stack's output key, "" without one.
func outputOf(st *cfntypes.Stack, key string) string {
	for _, o := range st.Outputs {
		if aws.ToString(o.OutputKey) == key {
			return aws.ToString(o.OutputValue)
		}
	}
	return ""
}

// changeSet creates a change set of the generated template, reads it and deletes it.
func (a *Account) changeSet(ctx context.Context, st Stack, deployed *cfntypes.Stack) ([]ResourceChange, error) {
	var params []cfntypes.Parameter
	declared, err := templateParameters(st.Template)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", st.Name, err)
	}
	previous := map[string]bool{}
	for _, p := range deployed.Parameters {
		previous[aws.ToString(p.ParameterKey)] = true
	}
	for _, k := range declared {
		switch v, ok := st.Parameters[k]; {
		case ok:
			params = append(params, cfntypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)})
		case previous[k]:
			// A value deploy.sh reads at deploy time (the live target group of a blue/green
			// service): keep what is deployed, so that it does not show as a change.
			params = append(params, cfntypes.Parameter{ParameterKey: aws.String(k), UsePreviousValue: aws.Bool(true)})
		}
	}
	var caps []cfntypes.Capability
	for _, c := range st.Capabilities {
		caps = append(caps, cfntypes.Capability(c))
	}
	name := fmt.Sprintf("ecsgen-diff-%d", time.Now().UnixNano())
	created, err := a.cloudFormation.CreateChangeSet(ctx, &cloudformation.CreateChangeSetInput{
		StackName:     aws.String(st.Name),
		ChangeSetName: aws.String(name),
		ChangeSetType: cfntypes.ChangeSetTypeUpdate,
		TemplateBody:  aws.String(string(st.Template)),
		Parameters:    params,
		Capabilities:  caps,
		Description:   aws.String("ecsgen diff: read and deleted, never executed"),
	})
	if err != nil {
		if noChanges(err.Error()) {
			return []ResourceChange{}, nil
		}
		return nil, wrap(err, "create a change set for stack %s", st.Name)
	}
	id := created.Id
	defer func() {
		// Deleted even when reading it failed: a diff leaves nothing behind. A context that
		// was cancelled still gets a short one of its own for this.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_, _ = a.cloudFormation.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: id, StackName: aws.String(st.Name)})
	}()

	var changes []ResourceChange
	var next *string
	for wait := 500 * time.Millisecond; ; {
		cs, err := a.cloudFormation.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: id, StackName: aws.String(st.Name), NextToken: next})
		if err != nil {
			return nil, wrap(err, "read the change set of stack %s", st.Name)
		}
		switch cs.Status {
		case cfntypes.ChangeSetStatusCreatePending, cfntypes.ChangeSetStatusCreateInProgress:
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(wait):
			}
			wait = min(2*wait, 5*time.Second)
			continue
		case cfntypes.ChangeSetStatusFailed:
			if noChanges(aws.ToString(cs.StatusReason)) {
				return []ResourceChange{}, nil
			}
			return nil, &Error{Op: "create a change set for stack " + st.Name, Err: fmt.Errorf("%s", aws.ToString(cs.StatusReason))}
		}
		for _, c := range cs.Changes {
			rc := c.ResourceChange
			if rc == nil {
				continue
			}
			change := ResourceChange{
				Action:      string(rc.Action),
				LogicalID:   aws.ToString(rc.LogicalResourceId),
				Type:        aws.ToString(rc.ResourceType),
				Replacement: string(rc.Replacement),
			}
			for _, det := range rc.Details {
				if det.Target != nil && det.Target.Name != nil && !slices.Contains(change.Properties, *det.Target.Name) {
					change.Properties = append(change.Properties, *det.Target.Name)
				}
			}
			slices.Sort(change.Properties)
			changes = append(changes, change)
		}
		if next = cs.NextToken; next == nil {
			break
		}
	}
	slices.SortFunc(changes, func(x, y ResourceChange) int { return strings.Compare(x.LogicalID, y.LogicalID) })
	if changes == nil {
		changes = []ResourceChange{}
	}
	return changes, nil
}

// noChanges recognises CloudFormation's answer for a template and parameters that change
// nothing: a FAILED change set, or (some endpoints) an error from CreateChangeSet.
func noChanges(reason string) bool {
	return strings.Contains(reason, "didn't contain changes") || strings.Contains(reason, "No updates are to be performed")
}

// templateResources lists a template's resources as additions, for a stack that is new.
func templateResources(body []byte) ([]ResourceChange, error) {
	var t struct {
		Resources map[string]struct {
			Type string `json:"Type"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal(body, &t); err != nil {
		return nil, fmt.Errorf("reading the template: %w", err)
	}
	out := []ResourceChange{}
	for id, r := range t.Resources {
		out = append(out, ResourceChange{Action: "Add", LogicalID: id, Type: r.Type})
	}
	slices.SortFunc(out, func(x, y ResourceChange) int { return strings.Compare(x.LogicalID, y.LogicalID) })
	return out, nil
}

// templateParameters lists the names of a template's parameters.
func templateParameters(body []byte) ([]string, error) {
	var t struct {
		Parameters map[string]json.RawMessage `json:"Parameters"`
	}
	if err := json.Unmarshal(body, &t); err != nil {
		return nil, fmt.Errorf("reading the template: %w", err)
	}
	var out []string
	for k := range t.Parameters {
		out = append(out, k)
	}
	slices.Sort(out)
	return out, nil
}

// taskDefinitionDiff compares the task definition a service runs with the generated one.
func (a *Account) taskDefinitionDiff(ctx context.Context, svc Service) (*TaskDefinitionDiff, error) {
	d := &TaskDefinitionDiff{Service: svc.Key, Cluster: svc.Cluster, Name: svc.Name}
	running, err := a.runningTaskDefinition(ctx, svc.Cluster, svc.Name)
	if err != nil || running == nil {
		return d, err
	}
	d.Deployed, d.Running = true, aws.ToString(running.TaskDefinitionArn)
	deployed, err := normalizeDeployed(running)
	if err != nil {
		return nil, err
	}
	generated, err := normalizeGenerated(svc.TaskDefinition)
	if err != nil {
		return nil, fmt.Errorf("taskdefs/%s.json: %w", svc.Key, err)
	}
	// Tags are read separately: DescribeTaskDefinition returns them beside the definition.
	if tags, err := a.taskDefinitionTags(ctx, d.Running); err != nil {
		return nil, err
	} else if len(tags) > 0 {
		deployed["tags"] = tags
	}
	left, right := canonicalJSON(deployed), canonicalJSON(generated)
	d.Diff = textdiff.Unified("deployed "+d.Running, "generated taskdefs/"+svc.Key+".json", left, right)
	return d, nil
}

// runningTaskDefinition is the task definition of a service's primary deployment, or nil when
// the service does not exist (or is no longer active).
func (a *Account) runningTaskDefinition(ctx context.Context, cluster, name string) (*ecstypes.TaskDefinition, error) {
	out, err := a.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{name}})
	if err != nil {
		if notFound(err) {
			return nil, nil
		}
		return nil, wrap(err, "describe service %s in cluster %s", name, cluster)
	}
	if len(out.Services) == 0 || aws.ToString(out.Services[0].Status) == "INACTIVE" {
		return nil, nil
	}
	// The service's task definition is its primary deployment's: what a deploy moves it from.
	arn := aws.ToString(out.Services[0].TaskDefinition)
	if arn == "" {
		return nil, nil
	}
	td, err := a.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)})
	if err != nil {
		return nil, wrap(err, "describe task definition %s", arn)
	}
	return td.TaskDefinition, nil
}

func (a *Account) taskDefinitionTags(ctx context.Context, arn string) ([]any, error) {
	out, err := a.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn), Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
	if err != nil {
		return nil, wrap(err, "read the tags of task definition %s", arn)
	}
	var tags []any
	for _, t := range out.Tags {
		tags = append(tags, map[string]any{"key": aws.ToString(t.Key), "value": aws.ToString(t.Value)})
	}
	return sortedBy(tags, "key"), nil
}
