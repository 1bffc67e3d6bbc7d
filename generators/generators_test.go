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
	want := "ECS_CLUSTER=demo-dev\nECS_AVAILABLE_LOGGING_DRIVERS=[\"json-file\",\"awslogs\"]\nECS_DYNAMIC_HOST_PORT_RANGE=32768-65535\nECS_RESERVED_MEMORY=" + hostile + "\n"
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
