package generators

import (
	"path"
	"slices"
	"sync"
	"sync/atomic"
)

// The files of an environment derived from all its stacks: deploy-plan.json, deploy.sh,
// destroy.sh, README.md and checklist.md. Each grows with the number of services and is
// rendered on every build, also when every service comes from the build cache, so they are
// rendered on two goroutines: they read the spec, the env and the plan and write nothing but
// their own file. Two, not five: each rendering holds its file's buffers until it ends, and five
// at once raised the build's peak memory by 5 MB. Each goroutine takes the next file when it is
// done with one, the costliest first (CPU at 10 000 services, BenchmarkEnvFiles: README 0.22 s,
// deploy.sh 0.21 s with the data it shares with destroy.sh, checklist 0.10 s, destroy.sh 0.04 s,
// deploy-plan.json 0.03 s), so that the two end about together. The error is the one
// rendering them one after another in the order of renders would meet first.
func (e *env) addEnvFiles(out Files, plan deployPlan) error {
	s := e.spec
	renders := e.envFiles(plan)
	costliestFirst := make([]int, len(renders))
	for i := range renders {
		costliestFirst[i] = i
	}
	slices.SortStableFunc(costliestFirst, func(a, b int) int { return renders[b].cost - renders[a].cost })
	bodies := make([][]byte, len(renders))
	errs := make([]error, len(renders))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for n := int(next.Add(1)) - 1; n < len(costliestFirst); n = int(next.Add(1)) - 1 {
				i := costliestFirst[n]
				bodies[i], errs[i] = renders[i].render()
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

// envFile is one of the environment's files and how it is rendered.
type envFile struct {
	name   string
	cost   int // ms of CPU at 10 000 services: the costliest are rendered first
	render func() ([]byte, error)
}

// envFiles are the environment's files, in the order their errors are reported.
func (e *env) envFiles(plan deployPlan) []envFile {
	s := e.spec
	// deploy.sh and destroy.sh are rendered from the same data, worked out once for both
	// (whichever asks first; the other waits for it): it walks every stack and service.
	script := sync.OnceValue(func() scriptData { return scriptDataOf(e, plan) })
	return []envFile{
		{"deploy-plan.json", 35, func() ([]byte, error) { return deployPlanFile(plan) }},
		{"deploy.sh", 210, func() ([]byte, error) { return renderDeployScript(script()) }},
		{"destroy.sh", 40, func() ([]byte, error) { return renderDestroyScript(script(), e.retained) }},
		{"README.md", 225, func() ([]byte, error) { return renderReadme(e, plan), nil }},
		{"checklist.md", 100, func() ([]byte, error) { return renderChecklist(s, Checklist(s)), nil }},
	}
}
