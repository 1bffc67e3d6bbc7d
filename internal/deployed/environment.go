package deployed

import (
	"encoding/json"
	"fmt"
	"path"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/schema"
)

// Environment collects what `ecsgen diff` compares for one environment of a build: its stacks
// in deploy order (from deploy-plan.json, exactly as deploy.sh deploys them) and its services
// with their generated task definitions.
func Environment(spec *schema.Spec, files generators.Files) ([]Stack, []Service, error) {
	env := spec.Env
	planFile := path.Join(env, "deploy-plan.json")
	var plan struct {
		Stacks []struct {
			Name         string            `json:"name"`
			Template     string            `json:"template"`
			Parameters   map[string]string `json:"parameters"`
			Capabilities []string          `json:"capabilities"`
		} `json:"stacks"`
	}
	if err := json.Unmarshal(files[planFile], &plan); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", planFile, err)
	}
	var stacks []Stack
	for _, s := range plan.Stacks {
		body, ok := files[path.Join(env, s.Template)]
		if !ok {
			return nil, nil, fmt.Errorf("%s names %s, which the build did not generate", planFile, s.Template)
		}
		stacks = append(stacks, Stack{Name: s.Name, Template: body, Parameters: s.Parameters, Capabilities: s.Capabilities})
	}
	var services []Service
	for _, key := range sortedKeys(spec.Services) {
		file := path.Join(env, "taskdefs", key+".json")
		td, ok := files[file]
		if !ok {
			return nil, nil, fmt.Errorf("the build did not generate %s", file)
		}
		services = append(services, Service{
			Key:            key,
			Cluster:        generators.ClusterName(spec),
			Name:           generators.ServiceName(spec, key),
			TaskDefinition: td,
		})
	}
	return stacks, services, nil
}
