package generators

import (
	"path"
	"sync"
)

// The files of an environment derived from all its stacks: deploy-plan.json, deploy.sh,
// destroy.sh, README.md and checklist.md. Each grows with the number of services and is
// rendered on every build, also when every service comes from the build cache, so they are
// rendered on two goroutines, in two groups of about the same time (at 1000 services, 38 ms
// each on one core): they read the spec, the env and the plan and write nothing but their own
// file. Two, not five: each rendering holds its file's buffers until it ends, and five at once
// raised the build's peak memory by 5 MB. The error is the one rendering them one after
// another in this order would meet first.
func (e *env) addEnvFiles(out Files, plan deployPlan) error {
	s := e.spec
	renders := []struct {
		name   string
		group  int
		render func() ([]byte, error)
	}{
		{"deploy-plan.json", 0, func() ([]byte, error) { return marshalIndent(plan) }},
		{"deploy.sh", 0, func() ([]byte, error) { return renderDeployScript(e, plan) }},
		{"destroy.sh", 0, func() ([]byte, error) { return renderDestroyScript(e, plan) }},
		{"README.md", 1, func() ([]byte, error) { return renderReadme(e, plan), nil }},
		{"checklist.md", 1, func() ([]byte, error) { return renderChecklist(s, Checklist(s)), nil }},
	}
	bodies := make([][]byte, len(renders))
	errs := make([]error, len(renders))
	var wg sync.WaitGroup
	for group := range 2 {
		wg.Go(func() {
			for i, r := range renders {
				if r.group == group {
					bodies[i], errs[i] = r.render()
				}
			}
		})
	}
	wg.Wait()
	for i, r := range renders {
		if errs[i] != nil {
			return errs[i]
		}
		out[path.Join(s.Env, r.name)] = bodies[i]
	}
	return nil
}
