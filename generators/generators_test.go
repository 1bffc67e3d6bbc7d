package generators

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	_ "github.com/ecsgen/ecsgen/internal/golden" // defines -update for this package
	"github.com/ecsgen/ecsgen/schema"
)

func intp(v int) *int { return &v }

// spec is a spec with defaults applied, as the loader would hand it over, touching most fields.
func spec() *schema.Spec {
	return &schema.Spec{
		System: "demo", Env: "dev", Region: "ap-northeast-1",
		Tags:    map[string]string{"team": "platform"},
		Network: schema.Network{VPC: "vpc-0123456789abcdef0", Subnets: []string{"subnet-0123456789abcdef0"}, SecurityGroups: []string{"sg-0123456789abcdef0"}},
		Cluster: schema.Cluster{
			ContainerInsights: "enabled",
			Capacity: schema.Capacity{EC2: map[string]schema.EC2Capacity{
				"general": {
					InstanceType:   "t4g.small",
					RootVolume:     schema.RootVolume{Size: 30, Type: "gp3", DeviceName: "/dev/xvda"},
					Size:           schema.Size{Min: 0, Max: 2},
					HealthCheck:    schema.HealthCheck{Type: "EC2", GracePeriod: 300},
					ManagedScaling: schema.ManagedScaling{Enabled: true, TargetCapacity: 100, MinimumStep: 1, MaximumStep: 100, InstanceWarmup: 300},
				},
			}},
			Agent: schema.Agent{LoggingDrivers: []string{"json-file", "awslogs"}, ImageCleanup: schema.ImageCleanup{Enabled: true}},
		},
		Services: map[string]schema.Service{
			"web": {
				DesiredCount: 2, NetworkMode: "awsvpc", CPU: 256, Memory: 512,
				RuntimePlatform: schema.RuntimePlatform{OperatingSystemFamily: "LINUX", CPUArchitecture: "X86_64"},
				Containers: map[string]schema.Container{
					"app": {
						Image: "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web:1", Essential: true,
						CPU: intp(128), Memory: intp(256), MemoryReservation: intp(128),
						Ports:       []schema.PortMapping{{Container: 8080, Protocol: "tcp"}},
						Environment: map[string]string{"B": "2", "A": "1"},
						Command:     []string{"serve"}, EntryPoint: []string{"/app"}, WorkingDirectory: "/srv",
						Log: schema.Log{Driver: "awslogs"},
					},
					"sidecar": {Image: "busybox", Essential: false, Memory: intp(64), Log: schema.Log{Driver: "awslogs"}},
				},
				TaskRole: schema.TaskRole{Statements: []schema.Statement{{
					Effect: "Allow", Actions: []string{"s3:GetObject"},
					Resources: []string{"arn:${AWS::Partition}:s3:::bucket/${aws:username}/*"},
				}}},
				Deployment:       schema.Deployment{MinimumHealthyPercent: 100, MaximumPercent: 200},
				LogRetentionDays: 30,
			},
		},
	}
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// lowerKeys normalizes the two spellings of a task definition (CloudFormation's PascalCase, the
// API's camelCase) so they can be compared.
func lowerKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, val := range x {
			out[strings.ToLower(k)] = lowerKeys(val)
		}
		return out
	case []any:
		for i := range x {
			x[i] = lowerKeys(x[i])
		}
	}
	return v
}

// The task definition in the stack and the one for the AWS CLI are two encodings of one value.
func TestTaskDefinitionEncodingsAgree(t *testing.T) {
	files, err := Generate(spec())
	if err != nil {
		t.Fatal(err)
	}
	stack := decode(t, files["dev/stacks/demo-dev-svc-web.json"])
	cfn := stack["Resources"].(map[string]any)["TaskDefinition"].(map[string]any)["Properties"].(map[string]any)
	cfn["TaskRoleArn"] = "demo-dev-web-task"
	cfn["ExecutionRoleArn"] = "demo-dev-web-execution"
	cli := decode(t, files["dev/taskdefs/web.json"])
	if a, b := lowerKeys(cfn), lowerKeys(cli); !reflect.DeepEqual(a, b) {
		t.Errorf("the encodings disagree\nstack: %v\ncli:   %v", a, b)
	}
	// The CLI form keeps user-keyed maps as written and camel-cases field names.
	raw := string(files["dev/taskdefs/web.json"])
	for _, want := range []string{`"awslogs-group": "/ecs/demo-dev/web"`, `"containerDefinitions"`, `"memoryReservation": 128`, `"networkMode": "awsvpc"`} {
		if !strings.Contains(raw, want) {
			t.Errorf("CLI task definition lacks %s", want)
		}
	}
	for _, banned := range []string{"revision", "status", "compatibilities\"", "Fn::", "Ref"} {
		if strings.Contains(raw, banned) {
			t.Errorf("CLI task definition holds %q, which register-task-definition rejects", banned)
		}
	}
}

// Intrinsics in free-form fields (policy documents) must come out as written, never evaluated.
func TestPolicyIntrinsicsAreKept(t *testing.T) {
	files, err := Generate(spec())
	if err != nil {
		t.Fatal(err)
	}
	tpl := string(files["dev/stacks/demo-dev-svc-web.json"])
	for _, want := range []string{
		`"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/ecs/demo-dev/web:*"`,
		// The user's IAM policy variable stays literal; the pseudo parameter is substituted.
		`"Fn::Sub": "arn:${AWS::Partition}:s3:::bucket/${!aws:username}/*"`,
	} {
		if !strings.Contains(tpl, want) {
			t.Errorf("template lacks %s", want)
		}
	}
	if strings.Contains(tpl, "us-east-1") {
		t.Error("an intrinsic was evaluated")
	}
	// The policy files resolve what the spec knows; the account is unknown here.
	task := string(files["dev/policies/web-task.json"])
	if !strings.Contains(task, `"arn:aws:s3:::bucket/${aws:username}/*"`) {
		t.Errorf("policy file: %s", task)
	}
	exec := string(files["dev/policies/web-execution.json"])
	for _, want := range []string{`"arn:aws:logs:ap-northeast-1:*:log-group:/ecs/demo-dev/web:*"`, `"arn:aws:ecr:ap-northeast-1:123456789012:repository/web"`} {
		if !strings.Contains(exec, want) {
			t.Errorf("execution policy lacks %s:\n%s", want, exec)
		}
	}
}

func TestLaunchTemplateIsSecureByDefault(t *testing.T) {
	files, err := Generate(spec())
	if err != nil {
		t.Fatal(err)
	}
	tpl := decode(t, files["dev/stacks/demo-dev-cluster.json"])
	res := tpl["Resources"].(map[string]any)
	data := res["GeneralLaunchTemplate"].(map[string]any)["Properties"].(map[string]any)["LaunchTemplateData"].(map[string]any)
	if got := data["MetadataOptions"].(map[string]any)["HttpTokens"]; got != "required" {
		t.Errorf("IMDSv2 not required: %v", got)
	}
	ebs := data["BlockDeviceMappings"].([]any)[0].(map[string]any)["Ebs"].(map[string]any)
	if ebs["Encrypted"] != true {
		t.Error("root volume not encrypted")
	}
	if _, ok := data["NetworkInterfaces"]; ok {
		t.Error("public IP requested by default")
	}
	// Graviton instance type: the arm64 AMI.
	param := tpl["Parameters"].(map[string]any)["GeneralImageId"].(map[string]any)
	if param["Default"] != "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id" {
		t.Errorf("AMI parameter: %v", param["Default"])
	}
	asg := res["GeneralAutoScalingGroup"].(map[string]any)["Properties"].(map[string]any)
	if _, ok := asg["DesiredCapacity"]; ok {
		t.Error("DesiredCapacity set under managed scaling (R43)")
	}
	// The extra security group list parameter is spliced after the instance group.
	groups, _ := json.Marshal(data["SecurityGroupIds"])
	if string(groups) != `{"Fn::Split":[",",{"Fn::Join":[",",[{"Ref":"GeneralSecurityGroup"},{"Fn::Join":[",",{"Ref":"ExtraSecurityGroups"}]}]]}]}` {
		t.Errorf("SecurityGroupIds = %s", groups)
	}
}

// Values from the spec reach the instance exactly as written and are never run as code.
func TestUserDataWritesValuesVerbatim(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	hostile := `$(touch pwned) ` + "`touch pwned`" + ` "q" 'q' ${HOME} \n; touch pwned`
	s := spec()
	s.Cluster.Agent.Settings = map[string]string{"ECS_RESERVED_MEMORY": hostile}
	files, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	script := string(files["dev/userdata/general.sh"])
	dir := t.TempDir()
	config := filepath.Join(dir, "ecs.config")
	script = strings.Replace(script, "/etc/ecs/ecs.config", config, 1)
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("userdata failed: %v\n%s", err, out)
	}
	got, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	want := "ECS_CLUSTER=demo-dev\nECS_DYNAMIC_HOST_PORT_RANGE=32768-65535\nECS_RESERVED_MEMORY=" + hostile + "\n"
	if string(got) != want {
		t.Errorf("ecs.config:\n%s\nwant:\n%s", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Error("a value was executed")
	}
	// The launch template embeds the same script.
	tpl := decode(t, files["dev/stacks/demo-dev-cluster.json"])
	data := tpl["Resources"].(map[string]any)["GeneralLaunchTemplate"].(map[string]any)["Properties"].(map[string]any)["LaunchTemplateData"].(map[string]any)
	if data["UserData"].(map[string]any)["Fn::Base64"] != string(files["dev/userdata/general.sh"]) {
		t.Error("the launch template's userdata differs from userdata/general.sh")
	}
}

// The instances keep every log driver the ECS-optimized AMI offers, so that task definitions
// of other workloads on the cluster (syslog, fluentd, none) still place; drivers the spec adds
// come after them.
func TestUserDataKeepsTheAMILoggingDrivers(t *testing.T) {
	for _, tc := range []struct {
		spec []string
		want string // the ECS_AVAILABLE_LOGGING_DRIVERS line, "" for none
	}{
		{nil, ""},
		{[]string{"json-file", "awslogs"}, ""},
		{[]string{"json-file", "syslog", "fluentd", "awslogs"}, ""},
		{[]string{"splunk", "awslogs", "gelf"}, `ECS_AVAILABLE_LOGGING_DRIVERS=["json-file","syslog","awslogs","fluentd","none","splunk","gelf"]`},
	} {
		s := spec()
		s.Cluster.Agent.LoggingDrivers = tc.spec
		files, err := Generate(s)
		if err != nil {
			t.Fatal(err)
		}
		script := string(files["dev/userdata/general.sh"])
		line := regexp.MustCompile(`(?m)^ECS_AVAILABLE_LOGGING_DRIVERS=.*$`).FindString(script)
		if line != tc.want {
			t.Errorf("loggingDrivers %q: ecs.config has %q, want %q", tc.spec, line, tc.want)
		}
	}
}

func TestCapabilitiesAndPlan(t *testing.T) {
	files, err := Generate(spec())
	if err != nil {
		t.Fatal(err)
	}
	var plan deployPlan
	if err := json.Unmarshal(files["dev/deploy-plan.json"], &plan); err != nil {
		t.Fatal(err)
	}
	if len(plan.Stacks) != 2 || plan.Stacks[0].Name != "demo-dev-cluster" || plan.Stacks[1].Name != "demo-dev-svc-web" {
		t.Fatalf("stacks out of order: %+v", plan.Stacks)
	}
	for _, st := range plan.Stacks {
		if !reflect.DeepEqual(st.Capabilities, []string{"CAPABILITY_NAMED_IAM"}) {
			t.Errorf("%s: capabilities %v", st.Name, st.Capabilities)
		}
	}
	if got := plan.Stacks[1].Parameters["Subnets"]; got != "subnet-0123456789abcdef0" {
		t.Errorf("awsvpc service subnets parameter: %q", got)
	}
	script := string(files["dev/deploy.sh"])
	if strings.Index(script, "--stack-name demo-dev-cluster") > strings.Index(script, "--stack-name demo-dev-svc-web") {
		t.Error("deploy.sh deploys the service before the cluster")
	}
}

func TestArchitecture(t *testing.T) {
	for typ, want := range map[string]string{
		"t3.small": "x86_64", "t4g.small": "arm64", "m7g.large": "arm64", "c7gn.xlarge": "arm64",
		"r8gd.large": "arm64", "a1.medium": "arm64", "m7i.large": "x86_64", "g5.xlarge": "x86_64",
		"m5d.large": "x86_64",
	} {
		if got := Architecture(typ); got != want {
			t.Errorf("%s: %s, want %s", typ, got, want)
		}
	}
}

// Long system, env and service names (40+ characters) still give valid, distinct names within
// every AWS limit; short names stay as the convention writes them.
func TestLongNamesFitAndStayDistinct(t *testing.T) {
	long := func(prefix string) string { return prefix + strings.Repeat("x", 48-len(prefix)) }
	s := spec()
	s.System, s.Env = long("system"), long("environment")
	svcA, svcB := long("service-a"), long("service-b")
	s.Services = map[string]schema.Service{svcA: s.Services["web"], svcB: s.Services["web"]}
	names := map[string]string{}
	add := func(kind string, limit int, name string) {
		t.Helper()
		if len(name) > limit {
			t.Errorf("%s %q is %d characters, over %d", kind, name, len(name), limit)
		}
		if !regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`).MatchString(name) {
			t.Errorf("%s %q is not letters, digits and inner hyphens", kind, name)
		}
		if other, ok := names[name]; ok {
			t.Errorf("%s and %s are both %q", other, kind, name)
		}
		names[name] = kind
	}
	for _, svc := range []string{svcA, svcB} {
		add("execution role of "+svc, MaxRoleName, RoleName(s, svc+"-execution"))
		add("task role of "+svc, MaxRoleName, RoleName(s, svc+"-task"))
		add("stack of "+svc, MaxStackName, ServiceStackName(s, svc))
		add("service "+svc, MaxName, ServiceName(s, svc))
		add("LB-sized name of "+svc, MaxLBName, Fit(Name(s, svc), MaxLBName))
	}
	add("cluster stack", MaxStackName, ClusterStackName(s))
	add("instance role", MaxRoleName, RoleName(s, "instance"))
	if got := RoleName(s, svcA+"-task"); got != RoleName(s, svcA+"-task") || !strings.HasPrefix(got, s.System[:20]) || !strings.HasSuffix(got, "-task") {
		t.Errorf("not deterministic or lost its start: %q", got)
	}

	short := spec()
	if got := RoleName(short, "web-task"); got != "demo-dev-web-task" {
		t.Errorf("short names are not shortened: %q", got)
	}
	short.System = "ecsdemo"
	if got := CapacityProviderName(short, "general"); got != "cp-ecsdemo-dev-general" {
		t.Errorf("reserved prefix: %q", got)
	}
	short.Naming = "{env}-{system}-{name}"
	if ClusterName(short) != "dev-ecsdemo" || ServiceName(short, "web") != "dev-ecsdemo-web" || LogGroupName(short, "web") != "/ecs/dev-ecsdemo/web" {
		t.Errorf("naming: %s %s %s", ClusterName(short), ServiceName(short, "web"), LogGroupName(short, "web"))
	}
}

// A template over the 51,200 bytes CloudFormation takes inline is still generated: the plan
// marks it, and the deploy script uploads it through --s3-bucket and says why. Realistic specs
// stay under the limit (the examples, judged by the artifacts gate).
func TestLargeTemplateDeploysThroughS3(t *testing.T) {
	s := spec()
	s.Cluster.UserData = nil
	for i := 0; i < 600; i++ {
		s.Cluster.UserData = append(s.Cluster.UserData, fmt.Sprintf("echo 'tuning step %d of the instances, a long line to make the template large' >/dev/null", i))
	}
	files, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	var plan deployPlan
	if err := json.Unmarshal(files["dev/deploy-plan.json"], &plan); err != nil {
		t.Fatal(err)
	}
	cluster := plan.Stacks[0]
	if cluster.Bytes <= MaxInlineTemplateBytes || !cluster.S3Bucket || plan.Stacks[1].S3Bucket {
		t.Fatalf("plan: %+v", plan.Stacks)
	}
	script := string(files["dev/deploy.sh"])
	want := `--s3-bucket "${ECSGEN_TEMPLATE_BUCKET:?set ECSGEN_TEMPLATE_BUCKET to an S3 bucket for templates over 51200 bytes}"`
	if strings.Count(script, want) != 1 || !strings.Contains(script, "over the 51200 bytes that CloudFormation accepts") {
		t.Errorf("deploy.sh:\n%s", script)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "deploy.sh")
	if err := os.WriteFile(p, files["dev/deploy.sh"], 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("bash", "-n", p).CombinedOutput(); err != nil {
		t.Errorf("bash -n: %v\n%s", err, out)
	}
	if _, err := exec.LookPath("shellcheck"); err == nil {
		if out, err := exec.Command("shellcheck", "--norc", p).CombinedOutput(); err != nil {
			t.Errorf("shellcheck: %v\n%s", err, out)
		}
	}
}

// The README beside the artifacts draws the deployment and lists the deploy commands in the
// order deploy.sh runs them.
func TestReadme(t *testing.T) {
	files, err := Generate(spec())
	if err != nil {
		t.Fatal(err)
	}
	readme := string(files["dev/README.md"])
	for _, want := range []string{
		"```mermaid\nflowchart LR\n",
		`cp_xgeneral -->|"launches instances"| asg_xgeneral`,
		// Containers are drawn inside their service, the service inside the cluster.
		"  subgraph cluster[\"ECS cluster demo-dev\"]\n    subgraph svc_xweb[",
		"\n      ctr_xweb_xapp[\"container app<br>",
		`svc_xweb -->|"base 0, weight 1"| cp_xgeneral`,
		"| `demo-dev-web` | `app`: `123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web:1`<br>`sidecar`: `busybox` | 256 / 512 MiB | app 8080/tcp | 2 tasks |",
		"| `demo-dev-general` | `t4g.small` (arm64) | 0–2 | target 100 % | `demo-dev-general` |",
	} {
		if !strings.Contains(readme, want) {
			t.Errorf("README lacks %q:\n%s", want, readme)
		}
	}
	if strings.Index(readme, "--stack-name demo-dev-cluster") > strings.Index(readme, "--stack-name demo-dev-svc-web") {
		t.Error("the README deploys the service before the cluster")
	}
}

// encodeTree must write exactly what encoding/json would, for every string.
func TestEncodeTreeMatchesEncodingJSON(t *testing.T) {
	strs := []string{"", "plain", "quote\" back\\slash", "\x00\x01\x1f\x7f", "\n\r\t\b\f", "<>&", "日本語 ☃",
		"\u2028\u2029", "bad \xff utf8 \xc3", "${AWS::Region} `x` $(y)", strings.Repeat("é", 300)}
	tree := map[string]any{"b": []any{}, "a": map[string]any{}, "n": json.Number("1.50"), "t": true, "z": nil}
	var list []any
	for i, s := range strs {
		tree[s] = s
		list = append(list, s, json.Number(fmt.Sprint(i)), false)
	}
	tree["list"] = list
	got, err := encodeTree(tree)
	if err != nil {
		t.Fatal(err)
	}
	want, err := marshalIndent(tree)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("encodeTree:\n%s\nencoding/json:\n%s", got, want)
	}
}

// instancePolicy is the instance role's inline policy in the cluster stack.
func instancePolicy(t *testing.T, s *schema.Spec) []map[string]any {
	t.Helper()
	files, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	tpl := decode(t, files["dev/stacks/demo-dev-cluster.json"])
	role := tpl["Resources"].(map[string]any)["InstanceRole"].(map[string]any)["Properties"].(map[string]any)
	doc := role["Policies"].([]any)[0].(map[string]any)["PolicyDocument"].(map[string]any)
	var out []map[string]any
	for _, st := range doc["Statement"].([]any) {
		out = append(out, st.(map[string]any))
	}
	return out
}

// grants reports the statements of a policy that allow an action.
func grants(policy []map[string]any, action string) []map[string]any {
	var out []map[string]any
	for _, st := range policy {
		actions := st["Action"]
		if a, ok := actions.(string); ok {
			actions = []any{a}
		}
		for _, a := range actions.([]any) {
			if a == action {
				out = append(out, st)
			}
		}
	}
	return out
}

// The instance role is the least-privilege equivalent of the current managed policy
// AmazonEC2ContainerServiceforEC2Role (v10, 2026-02-12, from the AWS managed policy reference):
// every action of it is granted, scoped to the cluster, unless the role's doc comment says why
// ecsgen's deployments never need it; and agent settings add what they need.
func TestInstanceRoleMatchesTheManagedPolicy(t *testing.T) {
	managed := []string{ // v10's actions, with ecs:Submit* spelled out
		"ec2:DescribeTags", "ecs:CreateCluster", "ecs:DeregisterContainerInstance", "ecs:DiscoverPollEndpoint",
		"ecs:Poll", "ecs:RegisterContainerInstance", "ecs:StartTelemetrySession", "ecs:UpdateContainerInstancesState",
		"ecs:SubmitAttachmentStateChanges", "ecs:SubmitContainerStateChange", "ecs:SubmitTaskStateChange",
		"ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage",
		"logs:CreateLogStream", "logs:PutLogEvents", "ecs:TagResource", "ecs:ListTagsForResource",
	}
	notNeeded := map[string]string{
		"ecs:CreateCluster":                 "the stack creates the cluster",
		"ecr:GetAuthorizationToken":         "execution roles pull images",
		"ecr:BatchCheckLayerAvailability":   "execution roles pull images",
		"ecr:GetDownloadUrlForLayer":        "execution roles pull images",
		"ecr:BatchGetImage":                 "execution roles pull images",
		"logs:CreateLogStream":              "execution roles write logs",
		"logs:PutLogEvents":                 "execution roles write logs",
		"ec2:DescribeTags":                  "only with ECS_CONTAINER_INSTANCE_PROPAGATE_TAGS_FROM=ec2_instance",
		"ecs:TagResource":                   "only when the instance registers with tags",
		"ecs:UpdateContainerInstancesState": "only with ECS_ENABLE_SPOT_INSTANCE_DRAINING",
	}
	policy := instancePolicy(t, spec())
	for _, a := range managed {
		got := grants(policy, a)
		if _, skip := notNeeded[a]; skip {
			if len(got) > 0 {
				t.Errorf("%s is granted by default: %s", a, notNeeded[a])
			}
			continue
		}
		if len(got) == 0 {
			t.Errorf("the instance role lacks %s, which AmazonEC2ContainerServiceforEC2Role grants", a)
		}
		for _, st := range got {
			if r := fmt.Sprint(st["Resource"]); r == "*" && a != "ecs:DiscoverPollEndpoint" {
				t.Errorf("%s is granted on every resource, not on the cluster's", a)
			}
		}
	}

	// Instance tags propagated to the container instance: the agent reads them from EC2 and
	// registers with them.
	s := spec()
	s.Cluster.Agent.Settings = map[string]string{"ECS_CONTAINER_INSTANCE_PROPAGATE_TAGS_FROM": "ec2_instance"}
	policy = instancePolicy(t, s)
	if len(grants(policy, "ec2:DescribeTags")) != 1 {
		t.Error("tag propagation needs ec2:DescribeTags")
	}
	tag := grants(policy, "ecs:TagResource")
	if len(tag) != 1 {
		t.Fatal("tag propagation needs ecs:TagResource")
	}
	cond, _ := json.Marshal(tag[0]["Condition"])
	if string(cond) != `{"StringEquals":{"ecs:CreateAction":["RegisterContainerInstance"]}}` {
		t.Errorf("ecs:TagResource condition = %s, want tagging at registration only", cond)
	}
	res, _ := json.Marshal(tag[0]["Resource"])
	if !strings.Contains(string(res), ":container-instance/demo-dev/*") {
		t.Errorf("ecs:TagResource on %s, want the cluster's container instances", res)
	}
	// Tags given to the agent directly need the same permission, and no EC2 access.
	s.Cluster.Agent.Settings = map[string]string{"ECS_CONTAINER_INSTANCE_TAGS": `{"team":"platform"}`}
	policy = instancePolicy(t, s)
	if len(grants(policy, "ecs:TagResource")) != 1 || len(grants(policy, "ec2:DescribeTags")) != 0 {
		t.Error("ECS_CONTAINER_INSTANCE_TAGS needs ecs:TagResource at registration, and no ec2:DescribeTags")
	}
}

// An alarm on a metric of the whole load balancer (seed 001's RequestCount) gets the
// LoadBalancer dimension of the generated load balancer: imported in a service stack, read
// with GetAtt in the cluster stack.
func TestLoadBalancerMetricDimension(t *testing.T) {
	s := spec()
	s.LoadBalancers = map[string]schema.LoadBalancer{"web": {Type: "application", Scheme: "internal", AllowFrom: []string{"10.0.0.0/8"},
		Listeners: map[string]schema.Listener{"http": {Port: 80, Protocol: "HTTP"}}}}
	requests := schema.StepScaling{
		Alarm: schema.ScalingAlarm{Metric: schema.Metric{Custom: &schema.CustomMetric{Namespace: "AWS/ApplicationELB", Name: "RequestCount", Statistic: "Sum", LoadBalancer: "web"}},
			Statistic: "Sum", Period: 60, EvaluationPeriods: 1, Comparison: ">=", Threshold: 100},
		AdjustmentType: "ChangeInCapacity", Steps: []schema.Step{{Adjustment: 1}},
	}
	svc := s.Services["web"]
	svc.Autoscaling = &schema.ServiceAutoscaling{Min: 1, Max: 4, StepScaling: map[string]schema.StepScaling{"requests": requests}}
	s.Services["web"] = svc
	general := s.Cluster.Capacity.EC2["general"]
	general.ManagedScaling.Enabled = false
	general.Scaling.StepScaling = map[string]schema.StepScaling{"requests": requests}
	s.Cluster.Capacity.EC2["general"] = general
	files, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ stack, alarm, want string }{
		{"dev/stacks/demo-dev-svc-web.json", "RequestsAlarm", `[{"Name":"LoadBalancer","Value":{"Fn::ImportValue":"demo-dev-cluster:web:LoadBalancerFullName"}}]`},
		{"dev/stacks/demo-dev-cluster.json", "GeneralRequestsAlarm", `[{"Name":"LoadBalancer","Value":{"Fn::GetAtt":["WebLoadBalancer","LoadBalancerFullName"]}}]`},
	} {
		tpl := decode(t, files[tc.stack])
		alarm, ok := tpl["Resources"].(map[string]any)[tc.alarm].(map[string]any)
		if !ok {
			t.Fatalf("%s has no %s", tc.stack, tc.alarm)
		}
		dims, _ := json.Marshal(alarm["Properties"].(map[string]any)["Dimensions"])
		if string(dims) != tc.want {
			t.Errorf("%s %s dimensions = %s, want %s", tc.stack, tc.alarm, dims, tc.want)
		}
	}
}

// Existing roles named by ARN: the stacks create no role for them and use the ARNs as they
// are; policies/ says what each must allow, and checklist.md how to check it in the account.
func TestExistingRoles(t *testing.T) {
	const (
		profile = "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole"
		exec    = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"
		task    = "arn:aws:iam::123456789012:role/app/ecsTaskRole"
	)
	s := spec()
	general := s.Cluster.Capacity.EC2["general"]
	general.InstanceProfile = profile
	s.Cluster.Capacity.EC2["general"] = general
	s.ExecutionRole.ARN = exec
	svc := s.Services["web"]
	svc.TaskRole = schema.TaskRole{ARN: task}
	svc.EnableExecuteCommand = true
	s.Services["web"] = svc
	files, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	cluster := decode(t, files["dev/stacks/demo-dev-cluster.json"])["Resources"].(map[string]any)
	for _, id := range []string{"InstanceRole", "InstanceProfile"} {
		if _, ok := cluster[id]; ok {
			t.Errorf("the cluster stack creates %s although every capacity names an instance profile", id)
		}
	}
	lt, _ := json.Marshal(cluster["GeneralLaunchTemplate"].(map[string]any)["Properties"].(map[string]any)["LaunchTemplateData"].(map[string]any)["IamInstanceProfile"])
	if string(lt) != `{"Arn":"`+profile+`"}` {
		t.Errorf("IamInstanceProfile = %s", lt)
	}
	svcStack := decode(t, files["dev/stacks/demo-dev-svc-web.json"])["Resources"].(map[string]any)
	for id, r := range svcStack {
		if r.(map[string]any)["Type"] == "AWS::IAM::Role" {
			t.Errorf("the service stack creates role %s", id)
		}
	}
	td := svcStack["TaskDefinition"].(map[string]any)["Properties"].(map[string]any)
	if td["TaskRoleArn"] != task || td["ExecutionRoleArn"] != exec {
		t.Errorf("task definition roles = %v, %v", td["TaskRoleArn"], td["ExecutionRoleArn"])
	}
	cli := decode(t, files["dev/taskdefs/web.json"])
	if cli["taskRoleArn"] != task || cli["executionRoleArn"] != exec {
		t.Errorf("CLI task definition roles = %v, %v", cli["taskRoleArn"], cli["executionRoleArn"])
	}
	// What the roles must allow, in the roles' account.
	for _, f := range []string{"instance", "instance-trust", "web-execution", "web-execution-trust", "web-task", "web-task-trust"} {
		if _, ok := files["dev/policies/"+f+".json"]; !ok {
			t.Errorf("policies/%s.json is missing", f)
		}
	}
	if !strings.Contains(string(files["dev/policies/web-execution.json"]), "arn:aws:logs:ap-northeast-1:123456789012:log-group:/ecs/demo-dev/web:*") {
		t.Errorf("policies/web-execution.json does not name the log group in the role's account:\n%s", files["dev/policies/web-execution.json"])
	}
	checklist := string(files["dev/checklist.md"])
	for _, want := range []string{
		"aws iam get-instance-profile --instance-profile-name ecsInstanceRole --query 'InstanceProfile.Roles[].AssumeRolePolicyDocument.Statement[].Principal.Service'",
		"aws iam get-role --role-name ecsTaskExecutionRole --query",
		"aws iam get-role --role-name ecsTaskRole --query",
		"aws iam simulate-principal-policy --policy-source-arn " + exec + " --action-names logs:CreateLogStream logs:PutLogEvents --resource-arns 'arn:aws:logs:ap-northeast-1:123456789012:log-group:/ecs/demo-dev/web:*'",
		"aws iam simulate-principal-policy --policy-source-arn " + task + " --action-names ssmmessages:CreateControlChannel",
		`--policy-source-arn "$(aws iam get-instance-profile --instance-profile-name ecsInstanceRole --query 'InstanceProfile.Roles[0].Arn' --output text)" --action-names ecs:DeregisterContainerInstance`,
	} {
		if !strings.Contains(checklist, want) {
			t.Errorf("checklist.md lacks %q:\n%s", want, checklist)
		}
	}
}
