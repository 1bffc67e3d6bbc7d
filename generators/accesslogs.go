package generators

import (
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/policies"
	"github.com/awslabs/goformation/v7/cloudformation/s3"

	"github.com/ecsgen/ecsgen/schema"
)

// Load balancer access logs. Unless the spec names a bucket, the cluster stack creates one for
// the environment's load balancers, each writing under its own prefix with its own lifecycle
// rule. The bucket is kept when the stack is deleted: CloudFormation cannot delete a bucket
// that holds objects, and access logs are evidence worth keeping past the environment.

const (
	accessLogsBucketID = "AccessLogsBucket"
	accessLogsPolicyID = "AccessLogsBucketPolicy"
)

// elbAccountsByRegion are the Elastic Load Balancing accounts that write access logs in the
// regions available before August 2022 (Elastic Load Balancing user guide, "Enable access
// logs", step 2). Every later region writes as the log delivery service principal instead.
var elbAccountsByRegion = map[string]string{
	"us-east-1":      "127311923021",
	"us-east-2":      "033677994240",
	"us-west-1":      "027434742980",
	"us-west-2":      "797873946194",
	"af-south-1":     "098369216593",
	"ap-east-1":      "754344448648",
	"ap-south-1":     "718504428378",
	"ap-northeast-1": "582318560864",
	"ap-northeast-2": "600734575887",
	"ap-northeast-3": "383597477331",
	"ap-southeast-1": "114774131450",
	"ap-southeast-2": "783225319266",
	"ca-central-1":   "985666609251",
	"eu-central-1":   "054676820928",
	"eu-west-1":      "156460612806",
	"eu-west-2":      "652711504416",
	"eu-west-3":      "009996457667",
	"eu-south-1":     "635631232127",
	"eu-north-1":     "897822967062",
	"me-south-1":     "076674570225",
	"sa-east-1":      "507241528517",
	"us-gov-west-1":  "048591011584",
	"us-gov-east-1":  "190560391635",
	"cn-north-1":     "638102146993",
	"cn-northwest-1": "037604701340",
}

// ELBLogDeliveryPrincipal is who writes application load balancer access logs in a region: the
// region's Elastic Load Balancing account where one exists, the log delivery service principal
// (logdelivery.elasticloadbalancing.amazonaws.com) everywhere else.
func ELBLogDeliveryPrincipal(region string) map[string]string {
	if acct, ok := elbAccountsByRegion[region]; ok {
		return map[string]string{"AWS": "arn:" + partitionOf(region) + ":iam::" + acct + ":root"}
	}
	return map[string]string{"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
}

// accessLogPrefix is where a load balancer writes in the bucket ("" for the bucket's root).
func accessLogPrefix(lbName string, lb schema.LoadBalancer) string {
	if lb.AccessLogs.Prefix != "" || lb.AccessLogs.Bucket != "" {
		return lb.AccessLogs.Prefix
	}
	return lbName
}

// accessLogAttributes sets a load balancer's access log attributes, and reports whether it
// writes to the bucket the stack creates.
func (e *env) accessLogAttributes(name string, lb schema.LoadBalancer, attrs map[string]string) (createdBucket bool) {
	if !e.spec.AccessLogsOn(lb) {
		attrs["access_logs.s3.enabled"] = "false"
		return false
	}
	attrs["access_logs.s3.enabled"] = "true"
	bucket := lb.AccessLogs.Bucket
	if bucket == "" {
		bucket = Ref(accessLogsBucketID)
	}
	attrs["access_logs.s3.bucket"] = bucket
	if p := accessLogPrefix(name, lb); p != "" {
		attrs["access_logs.s3.prefix"] = p
	}
	return lb.AccessLogs.Bucket == ""
}

// accessLogsBucket adds the bucket and its policy for the load balancers that write to it.
func (e *env) accessLogsBucket(t *cloudformation.Template, lbNames []string) {
	s := e.spec
	if len(lbNames) == 0 {
		return
	}
	bucket := &s3.Bucket{
		BucketEncryption: &s3.Bucket_BucketEncryption{ServerSideEncryptionConfiguration: []s3.Bucket_ServerSideEncryptionRule{{
			// SSE-S3 is the only encryption Elastic Load Balancing can write to.
			ServerSideEncryptionByDefault: &s3.Bucket_ServerSideEncryptionByDefault{SSEAlgorithm: "AES256"},
		}}},
		PublicAccessBlockConfiguration: &s3.Bucket_PublicAccessBlockConfiguration{
			BlockPublicAcls: ptr(true), BlockPublicPolicy: ptr(true), IgnorePublicAcls: ptr(true), RestrictPublicBuckets: ptr(true),
		},
		OwnershipControls:      &s3.Bucket_OwnershipControls{Rules: []s3.Bucket_OwnershipControlsRule{{ObjectOwnership: ptr("BucketOwnerEnforced")}}},
		LifecycleConfiguration: &s3.Bucket_LifecycleConfiguration{},
		Tags:                   e.tags(nil),
		// No BucketName: a bucket kept by an earlier deletion of the stack never collides
		// with the new one.
		AWSCloudFormationDeletionPolicy:      policies.DeletionPolicy("Retain"),
		AWSCloudFormationUpdateReplacePolicy: policies.UpdateReplacePolicy("Retain"),
	}
	var albObjects, nlbObjects []pseudoString
	for _, name := range lbNames {
		lb := s.LoadBalancers[name]
		prefix := accessLogPrefix(name, lb)
		objects := pseudoString("${" + accessLogsBucketID + ".Arn}/" + subLiteral(prefix) + "/AWSLogs/${AWS::AccountId}/*")
		bucket.LifecycleConfiguration.Rules = append(bucket.LifecycleConfiguration.Rules, s3.Bucket_Rule{
			Id:               ptr("expire-" + name),
			Prefix:           ptr(prefix + "/"),
			Status:           "Enabled",
			ExpirationInDays: ptr(lb.AccessLogs.ExpireAfterDays),
		})
		if lb.Type == "application" {
			albObjects = append(albObjects, objects)
		} else {
			nlbObjects = append(nlbObjects, objects)
		}
	}
	t.Resources[accessLogsBucketID] = bucket

	bucketArn := pseudoString("${" + accessLogsBucketID + ".Arn}")
	var stmts []statement
	if len(albObjects) > 0 {
		stmts = append(stmts, statement{
			Sid: "ApplicationLoadBalancerLogDelivery", Principal: ELBLogDeliveryPrincipal(s.Region),
			Actions: []string{"s3:PutObject"}, Resources: albObjects,
		})
	}
	if len(nlbObjects) > 0 {
		// Network load balancers deliver through CloudWatch Logs' log delivery (Elastic Load
		// Balancing user guide for network load balancers, "Access logs").
		source := []condition{
			{"StringEquals", "aws:SourceAccount", "${AWS::AccountId}"},
			{"ArnLike", "aws:SourceArn", "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"},
		}
		stmts = append(stmts,
			statement{
				Sid: "NetworkLoadBalancerLogDelivery", Principal: map[string]string{"Service": "delivery.logs.amazonaws.com"},
				Actions: []string{"s3:PutObject"}, Resources: nlbObjects,
				Conditions: append([]condition{{"StringEquals", "s3:x-amz-acl", "bucket-owner-full-control"}}, source...),
			},
			statement{
				Sid: "NetworkLoadBalancerLogDeliveryAclCheck", Principal: map[string]string{"Service": "delivery.logs.amazonaws.com"},
				Actions: []string{"s3:GetBucketAcl"}, Resources: []pseudoString{bucketArn}, Conditions: source,
			})
	}
	stmts = append(stmts, denyInsecureTransport("s3:*", bucketArn, bucketArn+"/*"))
	t.Resources[accessLogsPolicyID] = &s3.BucketPolicy{
		Bucket:         Ref(accessLogsBucketID),
		PolicyDocument: policyDocument{Statements: stmts}.render(func(p pseudoString) string { return p.cfn() }),
	}
	t.Outputs["AccessLogsBucketName"] = cloudformation.Output{
		Description: ptr("S3 bucket of the load balancers' access logs (kept when the stack is deleted)"),
		Value:       Ref(accessLogsBucketID),
	}
}

// denyInsecureTransport is the resource policy statement that refuses every request made
// without TLS.
func denyInsecureTransport(action string, resources ...pseudoString) statement {
	return statement{
		Sid: "DenyInsecureTransport", Effect: "Deny", Principal: map[string]string{"AWS": "*"},
		Actions: []string{action}, Resources: resources,
		Conditions: []condition{{"Bool", "aws:SecureTransport", "false"}},
	}
}
