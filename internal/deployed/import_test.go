package deployed

import (
	"context"

	"cuelang.org/go/cue/format"
	"github.com/aws/aws-sdk-go-v2/aws"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecsgen/ecsgen/internal/build"
	"github.com/ecsgen/ecsgen/internal/load"
	"github.com/ecsgen/ecsgen/internal/textdiff"
)

// The round trip is the test of import: a service runs in the account (registered with the
// real aws CLI in moto), `import` writes its spec, the spec builds, and the generated task
// definition equals the running one once both are normalised — but for what import says it
// could not express, and the roles, which ecsgen creates itself.
func TestImportRoundTrip(t *testing.T) {
	a, m := account(t)
	net := network(t, m)
	arn := awsCLI(t, m, "ecs", "register-task-definition", "--cli-input-json", "file://testdata/import-taskdef.json", "--query", "taskDefinition.taskDefinitionArn")
	// moto 5.2.1 fails CreateService (500, KeyError) without securityGroups; AWS would use the
	// VPC's default group.
	sg := awsCLI(t, m, "ec2", "create-security-group", "--group-name", "shop-api", "--description", "shop api", "--vpc-id", net["VPC_ID"], "--query", "GroupId")
	awsCLI(t, m, "ecs", "create-cluster", "--cluster-name", "legacy", "--query", "cluster.clusterName")
	awsCLI(t, m, "ecs", "create-service", "--cluster", "legacy", "--service-name", "shop-prod-api", "--task-definition", arn,
		"--desired-count", "3", "--launch-type", "FARGATE", "--platform-version", "1.4.0",
		"--network-configuration", "awsvpcConfiguration={subnets=["+net["SUBNET_A"]+","+net["SUBNET_B"]+"],securityGroups=["+sg+"],assignPublicIp=DISABLED}",
		"--deployment-configuration", "maximumPercent=200,minimumHealthyPercent=50,deploymentCircuitBreaker={enable=true,rollback=true}",
		"--health-check-grace-period-seconds", "0", "--query", "service.serviceName")
	awsCLI(t, m, "application-autoscaling", "register-scalable-target", "--service-namespace", "ecs",
		"--resource-id", "service/legacy/shop-prod-api", "--scalable-dimension", "ecs:service:DesiredCount",
		"--min-capacity", "3", "--max-capacity", "12")
	awsCLI(t, m, "application-autoscaling", "put-scaling-policy", "--service-namespace", "ecs",
		"--resource-id", "service/legacy/shop-prod-api", "--scalable-dimension", "ecs:service:DesiredCount",
		"--policy-name", "cpu-60", "--policy-type", "TargetTrackingScaling",
		"--target-tracking-scaling-policy-configuration", `{"TargetValue":60,"PredefinedMetricSpecification":{"PredefinedMetricType":"ECSServiceAverageCPUUtilization"},"ScaleInCooldown":300,"ScaleOutCooldown":60}`,
		"--query", "PolicyARN")

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	im, err := a.Import(ctx, ImportOptions{Cluster: "legacy", Service: "shop-prod-api", VPC: net["VPC_ID"]})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("imported spec:\n%s", im.Spec)
	if im.Key != "api" {
		t.Errorf("service key %q, want api (system shop, env prod from the service's name)", im.Key)
	}
	for _, want := range []string{"pseudoTerminal", sg} {
		if !strings.Contains(strings.Join(im.Unexpressed, "\n"), want) {
			t.Errorf("import does not say that %s was not imported: %q", want, im.Unexpressed)
		}
		if !strings.Contains(string(im.Spec), want) {
			t.Errorf("the spec has no comment about %s", want)
		}
	}

	file := filepath.Join(t.TempDir(), "spec.cue")
	if err := os.WriteFile(file, im.Spec, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := build.Files([]string{file}, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		t.Logf("finding: %s", f)
	}
	if res.Findings.HasErrors() {
		t.Fatalf("the imported spec does not build")
	}
	generated, err := normalizeGenerated(res.Files["prod/taskdefs/api.json"])
	if err != nil {
		t.Fatal(err)
	}
	running, err := a.runningTaskDefinition(ctx, "legacy", "shop-prod-api")
	if err != nil {
		t.Fatal(err)
	}
	imported, err := normalizeDeployed(running)
	if err != nil {
		t.Fatal(err)
	}
	// What import reported it could not express, and the tags ecsgen adds.
	for _, td := range []map[string]any{generated, imported} {
		delete(td, "tags")
		for _, c := range td["containerDefinitions"].([]any) {
			delete(c.(map[string]any), "pseudoTerminal")
		}
	}
	if d := textdiff.Unified("running", "built from the imported spec", canonicalJSON(imported), canonicalJSON(generated)); d != "" {
		t.Errorf("the imported spec builds a different task definition:\n%s", d)
	}

	// The service's settings came along too (moto 5.2.1 drops a service's
	// deploymentConfiguration, so TestImportDeployment covers that part without it).
	spec := strings.Join(strings.Fields(string(im.Spec)), " ")
	for _, want := range []string{"desiredCount: 3", `platformVersion: "1.4.0"`, "min: 3", "max: 12", "target: 60", `metric: "cpu"`, "scaleInCooldown: 300"} {
		if !strings.Contains(spec, want) {
			t.Errorf("the imported spec lacks %q", want)
		}
	}
}

func TestImportDeployment(t *testing.T) {
	svc := &ecstypes.Service{
		DeploymentConfiguration: &ecstypes.DeploymentConfiguration{
			MinimumHealthyPercent:    aws.Int32(50),
			MaximumPercent:           aws.Int32(200),
			DeploymentCircuitBreaker: &ecstypes.DeploymentCircuitBreaker{Enable: true, Rollback: false},
			Alarms:                   &ecstypes.DeploymentAlarms{Enable: true, Rollback: true, AlarmNames: []string{"api-5xx"}},
		},
	}
	im := &importer{key: "api"}
	got, err := format.Node(im.deployment("services.api", svc), format.Simplify())
	if err != nil {
		t.Fatal(err)
	}
	want := `{
	minimumHealthyPercent: 50
	circuitBreaker: rollback: false
	alarms: names: ["api-5xx"]
}`
	if string(got) != want {
		t.Errorf("deployment:\n%s\nwant:\n%s", got, want)
	}

	// No circuit breaker: said, since ecsgen turns it on by default.
	svc.DeploymentConfiguration = &ecstypes.DeploymentConfiguration{MinimumHealthyPercent: aws.Int32(100), MaximumPercent: aws.Int32(200)}
	got, _ = format.Node(im.deployment("services.api", svc), format.Simplify())
	if !strings.Contains(string(got), "enabled: false") {
		t.Errorf("a service without the circuit breaker imports as:\n%s", got)
	}
	svc.DeploymentController = &ecstypes.DeploymentController{Type: ecstypes.DeploymentControllerTypeExternal}
	im.deployment("services.api", svc)
	if len(im.skipped) != 1 || !strings.Contains(im.skipped[0], "EXTERNAL") {
		t.Errorf("the EXTERNAL controller is not reported: %q", im.skipped)
	}
}

// A volume configured at launch is imported as the managed EBS volume the service's primary
// deployment configures, with its existing infrastructure role; one the deployment does not
// configure is said to be unexpressed, never taken for a bind mount.
func TestImportEBSVolume(t *testing.T) {
	im := &importer{}
	vs := []ecstypes.Volume{{Name: aws.String("data"), ConfiguredAtLaunch: aws.Bool(true)}}
	launched := []ecstypes.ServiceVolumeConfiguration{{Name: aws.String("data"), ManagedEBSVolume: &ecstypes.ServiceManagedEBSVolumeConfiguration{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/ecsInfrastructureRole"), SizeInGiB: aws.Int32(100), VolumeType: aws.String("io2"),
		Iops: aws.Int32(4000), Encrypted: aws.Bool(true), FilesystemType: ecstypes.TaskFilesystemTypeExt4,
		TagSpecifications: []ecstypes.EBSTagSpecification{{ResourceType: ecstypes.EBSResourceTypeVolume, PropagateTags: ecstypes.PropagateTagsService,
			Tags: []ecstypes.Tag{{Key: aws.String("backup"), Value: aws.String("daily")}, {Key: aws.String("ecsgen:env"), Value: aws.String("prod")}}}},
	}}}
	got, err := format.Node(im.volumes(vs, launched))
	if err != nil {
		t.Fatal(err)
	}
	want := `{
	data: {
		ebs: {
			sizeInGiB:      100
			type:           "io2"
			iops:           4000
			filesystemType: "ext4"
			propagateTags:  "service"
			tags: {
				backup: "daily"
			}
			infrastructureRole: "arn:aws:iam::123456789012:role/ecsInfrastructureRole"
		}
	}
}`
	if string(got) != want {
		t.Errorf("imported volumes:\n%s\nwant\n%s", got, want)
	}

	im = &importer{}
	out := &object{}
	out.set("volumes", im.volumes(vs, nil))
	if len(im.skipped) != 1 || !strings.Contains(im.skipped[0], "volumes.data") {
		t.Errorf("a volume configured at launch without its configuration: unexpressed %q", im.skipped)
	}
}

// A partial Secrets Manager ARN of the region is imported as a secret by name; a full ARN, a
// parameter and another region's partial ARN stay as they are.
func TestImportSecretByName(t *testing.T) {
	cases := map[string]string{
		"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db":               `{secretsManager: "prod/db"}`,
		"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db:password::":    `{secretsManager: "prod/db", key: "password"}`,
		"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db::AWSPREVIOUS:": `{secretsManager: "prod/db", versionStage: "AWSPREVIOUS"}`,
		"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf":        "",
		"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db":               "",
		"/prod/db-password": "",
	}
	// Compared field by field, whatever the layout cue/format chooses.
	flat := func(s string) string {
		return strings.Join(strings.Fields(strings.NewReplacer("{", " ", "}", " ", ",", " ").Replace(s)), " ")
	}
	for valueFrom, want := range cases {
		got := ""
		if e := secretByName(valueFrom, "eu-west-1"); e != nil {
			b, err := format.Node(e)
			if err != nil {
				t.Fatal(err)
			}
			got = string(b)
		}
		if flat(got) != flat(want) {
			t.Errorf("%s: got %s, want %s", valueFrom, got, want)
		}
	}
}
