package check

import (
	"fmt"
	"strings"

	"github.com/ecsgen/ecsgen/schema"
)

// Deploy-time values of a container's environment (deployTimeEnvironment):
//   - R67: each names exactly one source, a load balancer it names is one of the spec's, and
//     its variable is not also in environment or secrets (the task would get it twice, and
//     which value wins is not documented).
//   - R68 (warning): a codeDeploy service's codedeploy/<service>/taskdef.json, which a
//     CodePipeline "Amazon ECS (Blue/Green)" action registers as it is, can only hold
//     placeholders for them; deploy.sh's releases (the revision the stack registers) have the
//     values.

func init() {
	rules = append(rules, checkDeployTimeEnvironment)
}

func checkDeployTimeEnvironment(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		any := false
		for _, cname := range sortedKeys(svc.Containers) {
			ct := svc.Containers[cname]
			for _, key := range sortedKeys(ct.DeployTimeEnvironment) {
				any = true
				v := ct.DeployTimeEnvironment[key]
				p := fmt.Sprintf("services.%s.containers.%s.deployTimeEnvironment.%s", name, cname, key)
				switch v.Sources() {
				case 0:
					c.errorf("R67", p, `e.g. {loadBalancer: "public"}, {import: "stack:Export"} or {ssmParameter: "/app/value"}`,
						"%s names no source: give loadBalancer, import or ssmParameter", key)
					continue
				case 1:
				default:
					c.errorf("R67", p, "keep one of loadBalancer, import and ssmParameter",
						"%s names %d sources, but a value comes from one", key, v.Sources())
					continue
				}
				if v.LoadBalancer != "" {
					if _, ok := s.LoadBalancers[v.LoadBalancer]; !ok {
						c.errorf("R67", p+".loadBalancer", loadBalancerHint(s),
							"%s names load balancer %q, which the spec does not declare", key, v.LoadBalancer)
					}
				}
				if v.Version != 0 && v.SSMParameter == "" {
					c.errorf("R67", p+".version", "remove version, or read an SSM parameter (ssmParameter)",
						"version is the version of an SSM parameter, but %s reads none", key)
				}
				if _, ok := ct.Environment[key]; ok {
					c.errorf("R67", p, "keep it in one of environment and deployTimeEnvironment",
						"%s is also in environment", key)
				}
				if _, ok := ct.Secrets[key]; ok {
					c.errorf("R67", p, "keep it in one of secrets and deployTimeEnvironment",
						"%s is also in secrets", key)
				}
			}
		}
		if any && svc.Deployment.Strategy == schema.CodeDeployBlueGreen {
			c.warnf("R68", "services."+name+".deployment.strategy",
				"deploy with deploy.sh, or have the pipeline replace the \"<deploy-time: …>\" values (checklist.md lists how to look them up), then waive R68 with the reason",
				"codedeploy/%s/taskdef.json, which a CodePipeline blue/green action registers as it is, holds placeholders for the deploy-time environment: only the revisions the stack registers (which deploy.sh releases) have the values", name)
		}
	}
}

func loadBalancerHint(s *schema.Spec) string {
	keys := sortedKeys(s.LoadBalancers)
	if len(keys) == 0 {
		return "declare it under loadBalancers"
	}
	return "the spec's load balancers: " + strings.Join(keys, ", ")
}
