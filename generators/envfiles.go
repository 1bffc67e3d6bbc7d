package generators

import (
	"path"
	"sync"
)

// The files of an environment derived from all its stacks: deploy-plan.json, deploy.sh,
// destroy.sh, README.md and checklist.md. Each grows with the number of services and is
// rendered on every build, also when every service comes from the build cache, so they are
// rendered at once, each on its own goroutine: they read the spec, the env and the plan and
// write nothing but their own file. The error is the one rendering them one after another in
// this order would meet first.
func (e *env) addEnvFiles(out Files, plan deployPlan) error {
	s := e.spec
	renders := []struct {
		name   string
		render func() ([]byte, error)
	}{
		{"deploy-plan.json", func() ([]byte, error) { return marshalIndent(plan) }},
		{"deploy.sh", func() ([]byte, error) { return renderDeployScript(e, plan) }},
		{"destroy.sh", func() ([]byte, error) { return renderDestroyScript(e, plan) }},
		{"README.md", func() ([]byte, error) { return renderReadme(e, plan), nil }},
		{"checklist.md", func() ([]byte, error) { return renderChecklist(s, Checklist(s)), nil }},
	}
	bodies := make([][]byte, len(renders))
	errs := make([]error, len(renders))
	var wg sync.WaitGroup
	for i, r := range renders {
		wg.Go(func() { bodies[i], errs[i] = r.render() })
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
