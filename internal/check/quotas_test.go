package check

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/internal/registry"
	"github.com/ecsgen/ecsgen/schema"
)

// TestQuotasAgreeWithRegistry keeps the tag quota equal to the maxItems of the Tags property of
// every resource type ecsgen tags, as the CloudFormation registry schemas state it.
func TestQuotasAgreeWithRegistry(t *testing.T) {
	dir, err := registry.Dir()
	if err != nil {
		t.Skip(err)
	}
	checked := 0
	for _, typ := range []string{
		"AWS::ECS::Cluster", "AWS::ECS::Service", "AWS::ECS::TaskDefinition", "AWS::ECS::CapacityProvider",
		"AWS::EC2::SecurityGroup", "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::TargetGroup",
		"AWS::Logs::LogGroup", "AWS::SNS::Topic", "AWS::IAM::Role", "AWS::CodeDeploy::Application", "AWS::AutoScaling::AutoScalingGroup",
	} {
		s, err := registry.Schema(dir, typ)
		if err != nil {
			t.Fatal(err)
		}
		tags, ok := registry.Property(s, "Tags")
		if !ok {
			t.Errorf("%s has no Tags property", typ)
			continue
		}
		if max, ok := tags["maxItems"].(float64); ok {
			checked++
			if int(max) != tagsPerResource.Limit {
				t.Errorf("%s: Tags maxItems %v, the quota table says %d", typ, max, tagsPerResource.Limit)
			}
		}
	}
	if checked == 0 {
		t.Error("no registry schema states a tag limit")
	}
}

// Each quota rejects a spec just over it and accepts one at it.
func TestQuotas(t *testing.T) {
	containers := func(n int) func(*schema.Spec) {
		return func(s *schema.Spec) {
			svc := s.Services["web"]
			for i := 1; i < n; i++ {
				svc.Containers[fmt.Sprintf("side%d", i)] = schema.Container{Image: "busybox", Memory: intp(16), Log: schema.Log{Driver: "awslogs"}}
			}
			s.Services["web"] = svc
		}
	}
	tags := func(n int) func(*schema.Spec) {
		return func(s *schema.Spec) {
			s.Tags = map[string]string{}
			for i := range n - 3 { // ecsgen adds ecsgen:system, ecsgen:env and Name
				s.Tags[fmt.Sprintf("k%d", i)] = "v"
			}
		}
	}
	serviceTags := func(n int) func(*schema.Spec) {
		return func(s *schema.Spec) {
			svc := s.Services["web"]
			svc.Tags = map[string]string{}
			for i := range n - 3 {
				svc.Tags[fmt.Sprintf("k%d", i)] = "v"
			}
			s.Services["web"] = svc
		}
	}
	userData := func(bytes int) func(*schema.Spec) {
		return func(s *schema.Spec) {
			s.Cluster.UserData = []string{"#"}
			overhead, _ := generatorsUserData(s) // the script with a one-byte command
			s.Cluster.UserData = []string{"#" + strings.Repeat("x", bytes-overhead)}
		}
	}
	for _, tc := range []struct {
		name     string
		at, over func(*schema.Spec)
		want     string
	}{
		{"Q01 containers", containers(10), containers(11),
			"spec.cue:20:2: services.web.containers: [Q01] the task has 11 containers; ECS allows at most 10 containers per task definition — split the containers over several services"},
		{"Q02 tags", tags(50), tags(51),
			"spec: tags: [Q02] resources would carry 51 tags (the spec's, plus ecsgen:system, ecsgen:env and Name); AWS allows at most 50 tags per resource — remove some tags"},
		{"Q02 service tags", serviceTags(50), serviceTags(51),
			"spec.cue:20:2: services.web.tags: [Q02] the service's resources would carry 51 tags (the spec's, the service's and ecsgen's); AWS allows at most 50 tags per resource — remove some tags"},
		{"Q03 user data", userData(16384), userData(16385),
			"spec: cluster.userData: [Q03] the user data of capacity general is 16385 bytes (16.0 KB); EC2 limits user data to 16 KB, in raw form, before it is base64-encoded — move long commands into a script the instances download (from S3 or SSM) and keep userData short"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			tc.at(s)
			if f := run(s); len(f) > 0 {
				t.Errorf("at the limit: %s", f)
			}
			s = base()
			tc.over(s)
			got := run(s)
			if len(got) != 1 || got[0].String() != tc.want {
				t.Errorf("over the limit:\ngot  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// generatorsUserData is the size of the spec's user data for capacity general.
func generatorsUserData(s *schema.Spec) (int, error) {
	ud, err := generators.UserData(s, "general")
	return len(ud), err
}
