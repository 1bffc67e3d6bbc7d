package check

import (
	"fmt"

	"github.com/ecsgen/ecsgen/generators"
)

// AWS quotas and bounds that a spec can exceed in what ecsgen generates from it (Q rules). The
// bounds of single fields (health check ranges, name lengths, list sizes) are constraints of the
// CUE schema, which rejects them with the spec path before any rule runs; this table holds the
// limits on what several fields add up to. Each carries AWS's wording and where AWS documents
// it; docs/rules.md lists both kinds, and TestQuotasAgreeWithRegistry reads the bounds that the
// CloudFormation registry schemas state (those cfn-lint ships) to keep the two equal.

type quota struct {
	ID     string
	Limit  int
	Source string // where AWS documents the limit
}

var (
	// ECS service quota "Containers per task definition" (not adjustable).
	containersPerTaskDefinition = quota{"Q01", 10, "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html"}
	// "Maximum tags per resource": the Tags property of every resource ecsgen tags has
	// maxItems 50 in the CloudFormation registry schemas.
	tagsPerResource = quota{"Q02", 50, "https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html"}
	// "User data is limited to 16 KB, in raw form, before it is base64-encoded."
	userDataBytes = quota{"Q03", 16 * 1024, "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html"}
)

func init() {
	rules = append(rules, checkQuotas)
}

func checkQuotas(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		p := "services." + name
		if n := len(svc.Containers); n > containersPerTaskDefinition.Limit {
			c.errorf(containersPerTaskDefinition.ID, p+".containers", "split the containers over several services",
				"the task has %d containers; ECS allows at most %d containers per task definition", n, containersPerTaskDefinition.Limit)
		}
	}
	// Every resource carries the spec's tags and ecsgen's; the Auto Scaling group and the
	// instances it launches also carry the capacity's.
	if n := len(generators.ResourceTags(s, "")); n > tagsPerResource.Limit {
		c.errorf(tagsPerResource.ID, "tags", "remove some tags",
			"resources would carry %d tags (the spec's, plus ecsgen:system, ecsgen:env and Name); AWS allows at most %d tags per resource", n, tagsPerResource.Limit)
	}
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		p := "cluster.capacity.ec2." + name
		if n := len(generators.ResourceTags(s, name)); n > tagsPerResource.Limit && len(s.Cluster.Capacity.EC2[name].Tags) > 0 {
			c.errorf(tagsPerResource.ID, p+".tags", "remove some tags",
				"the Auto Scaling group and its instances would carry %d tags (the spec's, the capacity's and ecsgen's); AWS allows at most %d tags per resource", n, tagsPerResource.Limit)
		}
	}
	// A service's resources carry its own tags too.
	common := generators.ResourceTags(s, "")
	for _, name := range sortedKeys(s.Services) {
		keys := map[string]bool{}
		for _, k := range common {
			keys[k] = true
		}
		for k := range s.Services[name].Tags {
			keys[k] = true
		}
		if n := len(keys); n > tagsPerResource.Limit && len(s.Services[name].Tags) > 0 {
			c.errorf(tagsPerResource.ID, "services."+name+".tags", "remove some tags",
				"the service's resources would carry %d tags (the spec's, the service's and ecsgen's); AWS allows at most %d tags per resource", n, tagsPerResource.Limit)
		}
	}
	// userData is the cluster's; each capacity's script holds it beside its own settings.
	biggest, at := 0, ""
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		if ud, err := generators.UserData(s, name); err == nil && len(ud) > biggest {
			biggest, at = len(ud), name
		}
	}
	if biggest > userDataBytes.Limit {
		c.errorf(userDataBytes.ID, "cluster.userData", "move long commands into a script the instances download (from S3 or SSM) and keep userData short",
			"the user data of capacity %s is %s; EC2 limits user data to 16 KB, in raw form, before it is base64-encoded", at, byteSize(biggest))
	}
}

func byteSize(n int) string {
	return fmt.Sprintf("%d bytes (%.1f KB)", n, float64(n)/1024)
}
