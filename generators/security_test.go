package generators

import (
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

func TestELBLogDeliveryPrincipal(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1":      "AWS arn:aws:iam::127311923021:root",
		"ap-northeast-1": "AWS arn:aws:iam::582318560864:root",
		"cn-north-1":     "AWS arn:aws-cn:iam::638102146993:root",
		"us-gov-west-1":  "AWS arn:aws-us-gov:iam::048591011584:root",
		"ap-southeast-3": "Service logdelivery.elasticloadbalancing.amazonaws.com", // December 2021: no ELB account
		"eu-central-2":   "Service logdelivery.elasticloadbalancing.amazonaws.com",
		"mx-central-1":   "Service logdelivery.elasticloadbalancing.amazonaws.com",
	} {
		var got string
		for k, v := range ELBLogDeliveryPrincipal(region) {
			got = k + " " + v
		}
		if got != want {
			t.Errorf("%s: %s, want %s", region, got, want)
		}
	}
}

// withLoadBalancer adds an application load balancer without services to spec().
func withLoadBalancer(s *schema.Spec, logs schema.AccessLogs) *schema.Spec {
	s.LoadBalancers = map[string]schema.LoadBalancer{"public": {
		Type: "application", Scheme: "internet-facing", AllowFrom: []string{"0.0.0.0/0"}, IdleTimeout: 60,
		DropInvalidHeaderFields: true, RestrictEgress: true, AccessLogs: logs,
		Listeners: map[string]schema.Listener{"http": {Port: 80, Protocol: "HTTP"}},
	}}
	return s
}

func clusterTemplate(t *testing.T, s *schema.Spec) (map[string]any, Files) {
	t.Helper()
	files, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, files["dev/stacks/demo-dev-cluster.json"]), files
}

func TestAccessLogsDefaults(t *testing.T) {
	tpl, _ := clusterTemplate(t, withLoadBalancer(spec(), schema.AccessLogs{ExpireAfterDays: 90}))
	res := tpl["Resources"].(map[string]any)
	bucket, ok := res["AccessLogsBucket"].(map[string]any)
	if !ok {
		t.Fatal("no AccessLogsBucket")
	}
	if bucket["DeletionPolicy"] != "Retain" || bucket["UpdateReplacePolicy"] != "Retain" {
		t.Errorf("bucket policies: %v %v, want Retain", bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"])
	}
	lb := res["PublicLoadBalancer"].(map[string]any)
	if dep, _ := lb["DependsOn"].([]any); len(dep) != 1 || dep[0] != "AccessLogsBucketPolicy" {
		t.Errorf("load balancer DependsOn %v, want the bucket policy", lb["DependsOn"])
	}
	policy := encodeJSON(t, res["AccessLogsBucketPolicy"])
	for _, want := range []string{`"AWS":"arn:aws:iam::582318560864:root"`, `"aws:SecureTransport":"false"`, `/public/AWSLogs/${AWS::AccountId}/*`} {
		if !strings.Contains(policy, want) {
			t.Errorf("bucket policy lacks %s:\n%s", want, policy)
		}
	}
	sg := encodeJSON(t, res["PublicLoadBalancerSecurityGroup"])
	if !strings.Contains(sg, `"SecurityGroupEgress":[{"CidrIp":"255.255.255.255/32"`) {
		t.Errorf("load balancer group keeps its default egress:\n%s", sg)
	}

	// An ephemeral environment: no bucket, logs off, recorded for reviewers.
	s := withLoadBalancer(spec(), schema.AccessLogs{ExpireAfterDays: 90})
	s.Ephemeral = true
	tpl, _ = clusterTemplate(t, s)
	if _, ok := tpl["Resources"].(map[string]any)["AccessLogsBucket"]; ok {
		t.Error("ephemeral environment got an access logs bucket")
	}
	if m := encodeJSON(t, tpl["Metadata"]); !strings.Contains(m, `"ephemeral":true`) || !strings.Contains(encodeJSON(t, tpl["Resources"]), `"Key":"access_logs.s3.enabled","Value":"false"`) {
		t.Errorf("ephemeral: metadata %s; access logs must be off", m)
	}

	// A named bucket: nothing created, the checklist says what its policy needs.
	tpl, files := clusterTemplate(t, withLoadBalancer(spec(), schema.AccessLogs{Bucket: "acme-logs", ExpireAfterDays: 90}))
	if _, ok := tpl["Resources"].(map[string]any)["AccessLogsBucket"]; ok {
		t.Error("a named bucket must not be created")
	}
	if c := string(files["dev/checklist.md"]); !strings.Contains(c, "Bucket acme-logs (access logs of load balancer public)") || !strings.Contains(c, "arn:aws:iam::582318560864:root") {
		t.Errorf("checklist lacks the named bucket's policy:\n%s", c)
	}
}

func encodeJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := marshalIndent(v)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(b)), "")
}
