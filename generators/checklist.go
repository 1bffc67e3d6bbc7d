package generators

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/ecsgen/ecsgen/schema"
	"github.com/ecsgen/ecsgen/templates"
)

// The pre-deploy checklist: what only the target account can answer (the catalogue's R44,
// R48, certificate status, the existence of secrets, parameters, images, keys, functions and
// alarms the spec names), each with the command that answers it. ecsgen cannot check these
// offline, so it says exactly what to check instead of failing.

// ChecklistItem is one thing to verify before the first deploy.
type ChecklistItem struct {
	Rule    string // catalogue id, if any
	What    string
	Command string // an aws command that answers it, if any
}

var ecrRepo = regexp.MustCompile(`^[0-9]{12}\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([a-z0-9._/-]+?)(?::([\w.-]+)|@(sha256:[0-9a-f]{64}))?$`)

// Checklist lists what to verify in the account before deploying the spec.
func Checklist(s *schema.Spec) []ChecklistItem {
	r := func(args ...string) string {
		q := make([]string, len(args))
		for i, a := range args {
			q[i] = templates.ShellQuote(a)
		}
		return "aws " + strings.Join(q, " ") + " --region " + templates.ShellQuote(s.Region)
	}
	var out []ChecklistItem
	seen := map[ChecklistItem]bool{} // each item once, in the order first added
	add := func(rule, what, cmd string) {
		it := ChecklistItem{rule, what, cmd}
		if !seen[it] {
			seen[it] = true
			out = append(out, it)
		}
	}
	add("R48", "The ECS service-linked role exists (new accounts may lack it; creating it again is harmless)",
		"aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com")
	for _, it := range existingRoleChecks(s) {
		add(it.Rule, it.What, it.Command)
	}
	if len(s.Cluster.Capacity.EC2) > 0 {
		add("R44", "Nothing to do: ecsgen uses launch templates, so the account's launch-configuration restrictions do not apply", "")
	}
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		if k := s.Cluster.Capacity.EC2[name].RootVolume.KMSKey; k != "" {
			add("", fmt.Sprintf("The key policy of %s lets the Auto Scaling service-linked role (AWSServiceRoleForAutoScaling) use it for the root volumes of %s (kms:CreateGrant, kms:Decrypt, kms:DescribeKey, kms:Encrypt, kms:GenerateDataKey*, kms:ReEncrypt*); otherwise instances terminate at launch", k, name),
				r("kms", "get-key-policy", "--key-id", k, "--policy-name", "default", "--output", "text"))
		}
	}
	for _, lbName := range sortedKeys(s.LoadBalancers) {
		lb := s.LoadBalancers[lbName]
		for _, ln := range sortedKeys(lb.Listeners) {
			for _, cert := range lb.Listeners[ln].Certificates {
				add("R35", fmt.Sprintf("Certificate of listener %s/%s is ISSUED", lbName, ln),
					r("acm", "describe-certificate", "--certificate-arn", cert, "--query", "Certificate.Status"))
			}
		}
	}
	for _, lbName := range sortedKeys(s.LoadBalancers) {
		lb := s.LoadBalancers[lbName]
		if b := lb.AccessLogs.Bucket; b != "" && s.AccessLogsOn(lb) {
			who := "logdelivery.elasticloadbalancing.amazonaws.com"
			if p := ELBLogDeliveryPrincipal(s.Region); p["AWS"] != "" {
				who = p["AWS"]
			}
			if lb.Type == "network" {
				who = "delivery.logs.amazonaws.com"
			}
			add("", fmt.Sprintf("Bucket %s (access logs of load balancer %s) is in %s, encrypted with SSE-S3, and its policy lets %s write (s3:PutObject)", b, lbName, s.Region, who),
				r("s3api", "get-bucket-policy", "--bucket", b))
		}
	}
	if k := s.Notifications.KMSKey; k != "" && s.Notifications.Topic == "" && usesNotifications(s) {
		add("", "The key policy of "+k+" lets cloudwatch.amazonaws.com (and, for Auto Scaling notifications, the AWSServiceRoleForAutoScaling role) use kms:Decrypt and kms:GenerateDataKey*",
			r("kms", "get-key-policy", "--key-id", k, "--policy-name", "default"))
	}
	if s.Notifications.Topic == "" && len(s.Notifications.Emails) > 0 && usesNotifications(s) {
		add("", "Each address confirmed its subscription to the alarms topic "+Name(s, "alarms")+" (AWS sends a confirmation mail after the first deploy)", "")
	}
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		for _, cname := range sortedKeys(svc.Containers) {
			c := svc.Containers[cname]
			if m := ecrRepo.FindStringSubmatch(c.Image); m != nil {
				id := "imageTag=" + m[3]
				if m[3] == "" && m[4] == "" {
					id = "imageTag=latest"
				} else if m[4] != "" {
					id = "imageDigest=" + m[4]
				}
				add("", "Image of "+name+"/"+cname+" is in ECR",
					"aws ecr describe-images --repository-name "+templates.ShellQuote(m[2])+" --image-ids "+templates.ShellQuote(id)+" --region "+templates.ShellQuote(m[1]))
			}
			var refs []schema.Secret
			for _, k := range sortedKeys(c.Secrets) {
				refs = append(refs, c.Secrets[k])
			}
			if c.RepositoryCredentials != "" {
				refs = append(refs, schema.Secret{ValueFrom: c.RepositoryCredentials})
			}
			for _, v := range refs {
				ref, err := v.Ref()
				if err != nil {
					continue
				}
				switch {
				case ref.ByName:
					// The account's secret of that name (describe-secret takes a name).
					add("R21", "Secret read by "+name+"/"+cname+" exists", r("secretsmanager", "describe-secret", "--secret-id", v.ByName.SecretsManager, "--query", "ARN"))
				case ref.Source == schema.SecretsManager:
					add("R21", "Secret read by "+name+"/"+cname+" exists", r("secretsmanager", "describe-secret", "--secret-id", ref.ARN, "--query", "ARN"))
				default:
					add("R21", "Parameter read by "+name+"/"+cname+" exists", r("ssm", "get-parameter", "--name", v.ValueFrom, "--query", "Parameter.ARN"))
				}
			}
		}
		var placeholders []string
		for _, cname := range sortedKeys(svc.Containers) {
			c := svc.Containers[cname]
			for _, k := range sortedKeys(c.DeployTimeEnvironment) {
				v := c.DeployTimeEnvironment[k]
				switch {
				case v.Import != "":
					add("", fmt.Sprintf("Export %s, which %s/%s imports as %s, exists (the service stack cannot deploy without it)", v.Import, name, cname, k),
						r("cloudformation", "list-exports", "--query", "Exports[?Name=='"+v.Import+"'].Value"))
				case v.SSMParameter != "":
					ref := strings.TrimSuffix(strings.TrimPrefix(ssmReference(v), "{{resolve:ssm:"), "}}")
					add("", fmt.Sprintf("Parameter %s, read by %s/%s as %s when the stack deploys, exists and is a String", ref, name, cname, k),
						r("ssm", "get-parameter", "--name", ref, "--query", "Parameter.Type"))
				}
				placeholders = append(placeholders, cname+"."+k)
			}
		}
		if len(placeholders) > 0 {
			add("", fmt.Sprintf("taskdefs/%s.json holds \"<deploy-time: …>\" placeholders for %s: the stack registers the values itself; replace them (aws cloudformation list-exports, aws ssm get-parameter) before registering the file by hand", name, strings.Join(placeholders, ", ")), "")
		}
		for _, k := range svc.KMSKeys {
			add("R21", fmt.Sprintf("The key policy of %s lets the execution role of %s decrypt (kms:Decrypt)", k, name), "")
		}
		if svc.LogKMSKey != "" {
			add("", fmt.Sprintf("The key policy of %s lets the CloudWatch Logs service principal of %s use it", svc.LogKMSKey, s.Region), "")
		}
		if s.NetworkMode(svc) == "awsvpc" && !svc.AssignPublicIP && !s.CreatesNetwork() { // a created network has NAT gateways
			add("R21", "The subnets of "+name+" route to ECR, CloudWatch Logs and Secrets Manager/SSM (NAT gateway or VPC endpoints)", "")
		}
		for _, cname := range sortedKeys(svc.Containers) {
			if f := svc.Containers[cname].Firelens; f != nil && f.ConfigFile != nil {
				add("R17", fmt.Sprintf("The FireLens configuration file of %s/%s (%s) writes to no CloudWatch log group the stack lacks, and sets no auto_create_group: ecsgen creates only the groups named in log.options", name, cname, f.ConfigFile.Value), "")
			}
		}
		for _, v := range sortedKeys(svc.Volumes) {
			if efs := svc.Volumes[v].EFS; efs != nil {
				add("", fmt.Sprintf("File system %s has mount targets in the subnets of %s, and their security group admits NFS (2049) from its tasks", efs.FileSystemID, name),
					r("efs", "describe-mount-targets", "--file-system-id", efs.FileSystemID))
			}
		}
		for _, h := range svc.Deployment.LifecycleHooks {
			add("", fmt.Sprintf("Lifecycle hook function of %s exists", name), r("lambda", "get-function", "--function-name", h.Lambda, "--query", "Configuration.State"))
		}
		if a := svc.Deployment.Alarms; a != nil {
			for _, n := range a.Names {
				add("", fmt.Sprintf("Deployment alarm %s of %s exists", n, name), r("cloudwatch", "describe-alarms", "--alarm-names", n, "--query", "MetricAlarms[].AlarmName"))
			}
		}
	}
	return out
}

// renderChecklist is the checklist as Markdown, written beside deploy.sh.
// It is appended into one slice of its exact size, counted first: the checklist of a large spec
// has megabytes of items.
func renderChecklist(s *schema.Spec, items []ChecklistItem) []byte {
	const (
		intro   = "ecsgen checked the spec offline. These depend on the account, so check them once before\n" + "the first deploy (and after changing what they name). Generated by ecsgen.\n\n"
		item    = "- [ ] "
		openSh  = "\n  ```sh\n  "
		closeSh = "\n  ```\n\n"
	)
	title := "# Before deploying " + s.System + "-" + s.Env + "\n\n"
	n := len(title) + len(intro)
	for _, it := range items {
		n += len(item) + len(it.What) + 1
		if it.Rule != "" {
			n += len(it.Rule) + 3
		}
		if it.Command != "" {
			n += len(openSh) + len(it.Command) + len(closeSh)
		}
	}
	b := make([]byte, 0, n)
	b = append(append(b, title...), intro...)
	for _, it := range items {
		b = append(b, item...)
		if it.Rule != "" {
			b = append(append(append(b, '['), it.Rule...), "] "...)
		}
		b = append(append(b, it.What...), '\n')
		if it.Command != "" {
			b = append(append(append(b, openSh...), it.Command...), closeSh...)
		}
	}
	return b
}
