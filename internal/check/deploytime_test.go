package check

import (
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

func withDeployTime(s *schema.Spec, values map[string]schema.DeployTimeValue) {
	svc := s.Services["web"]
	c := svc.Containers["web"]
	c.DeployTimeEnvironment = values
	svc.Containers = map[string]schema.Container{"web": c}
	s.Services["web"] = svc
}

func TestDeployTimeEnvironmentRules(t *testing.T) {
	cases := []struct {
		name   string
		values map[string]schema.DeployTimeValue
		edit   func(*schema.Spec)
		want   []string
	}{
		{"valid", map[string]schema.DeployTimeValue{
			"API":   {LoadBalancer: "public", Prefix: "http://"},
			"QUEUE": {Import: "jobs:QueueUrl"},
			"TAG":   {SSMParameter: "/app/tag", Version: 3},
		}, withALB, nil},
		{"R67 unknown load balancer", map[string]schema.DeployTimeValue{"API": {LoadBalancer: "pubic"}}, withALB, []string{
			`spec.cue:20:2: services.web.containers.web.deployTimeEnvironment.API.loadBalancer: [R67] API names load balancer "pubic", which the spec does not declare — the spec's load balancers: public`,
		}},
		{"R67 no source", map[string]schema.DeployTimeValue{"API": {Prefix: "x"}}, nil, []string{
			`spec.cue:20:2: services.web.containers.web.deployTimeEnvironment.API: [R67] API names no source: give loadBalancer, import or ssmParameter — e.g. {loadBalancer: "public"}, {import: "stack:Export"} or {ssmParameter: "/app/value"}`,
		}},
		{"R67 two sources", map[string]schema.DeployTimeValue{"API": {Import: "a:b", SSMParameter: "/x"}}, nil, []string{
			`spec.cue:20:2: services.web.containers.web.deployTimeEnvironment.API: [R67] API names 2 sources, but a value comes from one — keep one of loadBalancer, import and ssmParameter`,
		}},
		{"R67 version without a parameter", map[string]schema.DeployTimeValue{"API": {Import: "a:b", Version: 2}}, nil, []string{
			`spec.cue:20:2: services.web.containers.web.deployTimeEnvironment.API.version: [R67] version is the version of an SSM parameter, but API reads none — remove version, or read an SSM parameter (ssmParameter)`,
		}},
		{"R67 also in environment", map[string]schema.DeployTimeValue{"API": {Import: "a:b"}}, func(s *schema.Spec) {
			svc := s.Services["web"]
			c := svc.Containers["web"]
			c.Environment = map[string]string{"API": "x"}
			svc.Containers = map[string]schema.Container{"web": c}
			s.Services["web"] = svc
		}, []string{
			`spec.cue:20:2: services.web.containers.web.deployTimeEnvironment.API: [R67] API is also in environment — keep it in one of environment and deployTimeEnvironment`,
		}},
		{"R68 CodeDeploy pipeline taskdef", map[string]schema.DeployTimeValue{"QUEUE": {Import: "jobs:QueueUrl"}}, func(s *schema.Spec) {
			svc := s.Services["web"]
			svc.Deployment.Strategy = schema.CodeDeployBlueGreen
			s.Services["web"] = svc
		}, []string{
			`spec.cue:20:2: warning: services.web.deployment.strategy: [R68] codedeploy/web/taskdef.json, which a CodePipeline blue/green action registers as it is, holds placeholders for the deploy-time environment: only the revisions the stack registers (which deploy.sh releases) have the values — deploy with deploy.sh, or have the pipeline replace the "<deploy-time: …>" values (checklist.md lists how to look them up), then waive R68 with the reason`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			if tc.edit != nil {
				tc.edit(s)
			}
			withDeployTime(s, tc.values)
			var got []string
			for _, f := range run(s) {
				if f.Rule == "R67" || f.Rule == "R68" || tc.want == nil {
					got = append(got, f.String())
				}
			}
			if g, w := strings.Join(got, "\n"), strings.Join(tc.want, "\n"); g != w {
				t.Errorf("got:\n%s\nwant:\n%s", g, w)
			}
		})
	}
}
