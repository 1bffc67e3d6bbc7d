package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation/ecs"

	"github.com/ecsgen/ecsgen/schema"
)

// The task definition is built once, as goformation's typed AWS::ECS::TaskDefinition, and
// encoded twice: as the stack's resource, and by cliTaskDefinition as the input of
// `aws ecs register-task-definition --cli-input-json`. The CLI form is the same tree with
// camelCase keys and the intrinsics resolved to the values the CLI needs.

// taskDefinition builds a service's task definition. taskRole and executionRole are the
// logical ids of the roles in the same stack.
func (e *env) taskDefinition(name string, svc schema.Service, taskRole, executionRole string) *ecs.TaskDefinition {
	s := e.spec
	family := svc.Family
	if family == "" {
		family = ServiceName(s, name)
	}
	td := &ecs.TaskDefinition{
		Family:                  ptr(family),
		NetworkMode:             ptr(svc.NetworkMode),
		RequiresCompatibilities: []string{"EC2"},
		TaskRoleArn:             ptr(GetAtt(taskRole, "Arn")),
		ExecutionRoleArn:        ptr(GetAtt(executionRole, "Arn")),
		Tags:                    e.tags(nil),
	}
	if svc.CPU > 0 {
		td.Cpu = ptr(strconv.Itoa(svc.CPU))
	}
	if svc.Memory > 0 {
		td.Memory = ptr(strconv.Itoa(svc.Memory))
	}
	for _, cname := range sortedKeys(svc.Containers) {
		td.ContainerDefinitions = append(td.ContainerDefinitions, e.containerDefinition(name, cname, svc, svc.Containers[cname]))
	}
	return td
}

func (e *env) containerDefinition(service, name string, svc schema.Service, c schema.Container) ecs.TaskDefinition_ContainerDefinition {
	cd := ecs.TaskDefinition_ContainerDefinition{
		Name:              name,
		Image:             c.Image,
		Essential:         ptr(c.Essential),
		Cpu:               c.CPU,
		Memory:            c.Memory,
		MemoryReservation: c.MemoryReservation,
		Command:           c.Command,
		EntryPoint:        c.EntryPoint,
		LogConfiguration: &ecs.TaskDefinition_LogConfiguration{
			LogDriver: "awslogs",
			Options: map[string]string{
				"awslogs-group":         LogGroupName(e.spec, service),
				"awslogs-region":        e.spec.Region,
				"awslogs-stream-prefix": name,
			},
		},
	}
	if c.WorkingDirectory != "" {
		cd.WorkingDirectory = ptr(c.WorkingDirectory)
	}
	for _, p := range c.Ports {
		pm := ecs.TaskDefinition_PortMapping{ContainerPort: ptr(p.Container), Protocol: ptr(p.Protocol)}
		switch {
		case svc.NetworkMode != "bridge":
			// awsvpc and host: the host port is the container port (R11).
			pm.HostPort = ptr(p.Container)
		case p.Host != nil:
			pm.HostPort = ptr(*p.Host)
		default:
			// bridge without a host port: dynamic, stated explicitly so the intent is visible.
			pm.HostPort = ptr(0)
		}
		cd.PortMappings = append(cd.PortMappings, pm)
	}
	for _, k := range sortedKeys(c.Environment) {
		cd.Environment = append(cd.Environment, ecs.TaskDefinition_KeyValuePair{Name: ptr(k), Value: ptr(c.Environment[k])})
	}
	return cd
}

// cliTaskDefinition encodes a task definition as `aws ecs register-task-definition
// --cli-input-json` input. roleNames maps the logical ids of roles to their names: ECS accepts
// a role's name in taskRoleArn and executionRoleArn and fills in the account, so the file needs
// no account id.
func cliTaskDefinition(td *ecs.TaskDefinition, roleNames map[string]string) ([]byte, error) {
	raw, err := json.Marshal(td)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var res struct{ Properties any }
	if err := dec.Decode(&res); err != nil {
		return nil, err
	}
	tree, err := expandMarkers(res.Properties)
	if err != nil {
		return nil, err
	}
	tree, err = toCLI(tree, roleNames, "")
	if err != nil {
		return nil, err
	}
	return marshalIndent(tree)
}

// userKeyedMaps are properties whose keys are the user's (log driver options, Docker labels),
// not field names: their keys are kept as they are.
var userKeyedMaps = map[string]bool{"Options": true, "DockerLabels": true, "DriverOpts": true, "Labels": true}

// cliKeyExceptions are the CloudFormation property names whose API name is not the name with
// its first letter lowered.
var cliKeyExceptions = map[string]string{
	"EFSVolumeConfiguration":                  "efsVolumeConfiguration",
	"FSxWindowsFileServerVolumeConfiguration": "fsxWindowsFileServerVolumeConfiguration",
	"IAM": "iam",
}

func cliKey(k string) string {
	if x, ok := cliKeyExceptions[k]; ok {
		return x
	}
	return strings.ToLower(k[:1]) + k[1:]
}

// toCLI renames keys and resolves the intrinsics a task definition may hold.
func toCLI(v any, roleNames map[string]string, parent string) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if fn, arg, ok := asIntrinsic(x); ok {
			return resolveForCLI(fn, arg, roleNames)
		}
		out := make(map[string]any, len(x))
		for k, val := range x {
			conv, err := toCLI(val, roleNames, k)
			if err != nil {
				return nil, err
			}
			if userKeyedMaps[parent] {
				out[k] = conv
			} else {
				out[cliKey(k)] = conv
			}
		}
		return out, nil
	case []any:
		for i := range x {
			conv, err := toCLI(x[i], roleNames, parent)
			if err != nil {
				return nil, err
			}
			x[i] = conv
		}
	}
	return v, nil
}

var intrinsicName = regexp.MustCompile(`^(Ref|Fn::[A-Za-z0-9]+)$`)

func asIntrinsic(m map[string]any) (string, any, bool) {
	if len(m) != 1 {
		return "", nil, false
	}
	for k, v := range m {
		if intrinsicName.MatchString(k) {
			return k, v, true
		}
	}
	return "", nil, false
}

func resolveForCLI(fn string, arg any, roleNames map[string]string) (any, error) {
	if fn == "Fn::GetAtt" {
		if a, ok := arg.([]any); ok && len(a) == 2 && a[1] == "Arn" {
			if name, ok := roleNames[fmt.Sprint(a[0])]; ok {
				return name, nil
			}
		}
	}
	return nil, fmt.Errorf("internal error: task definition holds %s %v, which has no value outside CloudFormation", fn, arg)
}
