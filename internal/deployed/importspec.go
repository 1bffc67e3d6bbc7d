package deployed

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"github.com/aws/aws-sdk-go-v2/aws"
	aas "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling"
	aastypes "github.com/aws/aws-sdk-go-v2/service/applicationautoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsgen/ecsgen/schema"
)

// `ecsgen import` reads a running service — its task definition, its load balancer target
// groups and its scaling — and writes a spec that builds into an equivalent task definition and
// service. What a spec cannot say is written as a comment at the place it belongs, never
// dropped silently; the same list is returned in Imported.Unexpressed.

// ImportOptions name the service to read and the names the spec gets.
type ImportOptions struct {
	Cluster, Service string
	// System and Env of the spec; by default read from a service named {system}-{env}-{name}.
	System, Env string
	// VPC of the service's subnets, when no target group tells it (the spec needs it).
	VPC string
}

// Imported is the written spec and what it could not express.
type Imported struct {
	Spec        []byte
	Key         string // the service's name in the spec
	Unexpressed []string
}

var labelPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// Import reads the service and writes its spec.
func (a *Account) Import(ctx context.Context, o ImportOptions) (*Imported, error) {
	svc, err := a.describeService(ctx, o.Cluster, o.Service)
	if err != nil {
		return nil, err
	}
	tdOut, err := a.ecs.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: svc.TaskDefinition, Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
	if err != nil {
		return nil, wrap(err, "describe task definition %s", aws.ToString(svc.TaskDefinition))
	}
	system, env, key, err := names(o, aws.ToString(svc.ServiceName))
	if err != nil {
		return nil, err
	}
	im := &importer{account: a, ctx: ctx, key: key}
	var groups []elbtypes.TargetGroup
	if len(svc.LoadBalancers) > 0 {
		var arns []string
		for _, lb := range svc.LoadBalancers {
			if lb.TargetGroupArn != nil {
				arns = append(arns, *lb.TargetGroupArn)
			}
		}
		if len(arns) > 0 {
			out, err := a.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: arns})
			if err != nil {
				return nil, wrap(err, "describe the target groups of service %s", o.Service)
			}
			groups = out.TargetGroups
		}
	}
	vpc := o.VPC
	for _, g := range groups {
		if vpc == "" && g.VpcId != nil {
			vpc = *g.VpcId
		}
	}

	spec := &object{}
	spec.set("system", str(system))
	spec.set("env", str(env))
	spec.set("region", str(a.Region))
	network := &object{}
	var subnets []string
	if nc := svc.NetworkConfiguration; nc != nil && nc.AwsvpcConfiguration != nil {
		subnets = nc.AwsvpcConfiguration.Subnets
	}
	if vpc != "" {
		network.set("vpc", str(vpc))
	} else {
		network.note("vpc: the VPC of the service's subnets could not be read (no target group names it): pass --vpc to ecsgen import, or write it here")
		im.unexpressed("network.vpc", "not read: pass --vpc")
	}
	network.set("subnets", strings_(subnets))
	if network.empty() {
		network.note("subnets: the service has no awsvpc network configuration; name the subnets of the cluster's instances here")
	}
	spec.set("network", network.expr())
	cluster := &object{}
	cluster.note(fmt.Sprintf("The service ran in cluster %s. ecsgen creates a cluster of its own ({system}-{env}); its capacity is not imported.", o.Cluster))
	spec.set("cluster", cluster.expr())

	service, err := im.service(svc, tdOut.TaskDefinition, groups)
	if err != nil {
		return nil, err
	}
	spec.set("services", ast.NewStruct(&ast.Field{Label: ast.NewStringLabel(key), Value: service}))

	doc := []string{
		fmt.Sprintf("Imported by `ecsgen import` from service %s in cluster %s (%s), task definition %s.", o.Service, o.Cluster, a.Region, aws.ToString(tdOut.TaskDefinition.TaskDefinitionArn)),
		"Build it with `ecsgen build`; the comments below say what a spec cannot express and was not imported.",
	}
	text, err := file(doc, spec)
	if err != nil {
		return nil, fmt.Errorf("formatting the imported spec: %w", err)
	}
	return &Imported{Spec: text, Key: key, Unexpressed: im.skipped}, nil
}

func (a *Account) describeService(ctx context.Context, cluster, name string) (*ecstypes.Service, error) {
	out, err := a.ecs.DescribeServices(ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: []string{name}})
	if err != nil && !notFound(err) {
		return nil, wrap(err, "describe service %s in cluster %s", name, cluster)
	}
	if err != nil || len(out.Services) == 0 || aws.ToString(out.Services[0].Status) == "INACTIVE" {
		return nil, &Error{Op: "import service " + name, Err: fmt.Errorf("no active service %s in cluster %s — check the names with `aws ecs list-services --cluster %s`", name, cluster, cluster)}
	}
	return &out.Services[0], nil
}

// names gives the spec's system, env and service key: from the options, or from a service
// named {system}-{env}-{name}.
func names(o ImportOptions, service string) (system, env, key string, err error) {
	system, env = o.System, o.Env
	if system == "" || env == "" {
		parts := strings.SplitN(service, "-", 3)
		if len(parts) != 3 {
			return "", "", "", &Error{Op: "name the spec", Err: fmt.Errorf("service %s is not named {system}-{env}-{name}: pass --system and --env", service)}
		}
		if system == "" {
			system = parts[0]
		}
		if env == "" {
			env = parts[1]
		}
	}
	key = strings.TrimPrefix(service, system+"-"+env+"-")
	for _, l := range []struct{ what, v string }{{"system", system}, {"env", env}, {"service name", key}} {
		if !labelPattern.MatchString(l.v) {
			return "", "", "", &Error{Op: "name the spec", Err: fmt.Errorf("%s %q is not a spec label (lower-case letters, digits and inner hyphens): pass --system and --env", l.what, l.v)}
		}
	}
	return system, env, key, nil
}

type importer struct {
	account *Account
	ctx     context.Context
	key     string
	skipped []string
}

// unexpressed records what the spec cannot say, with the path it belongs to.
func (im *importer) unexpressed(path, what string) string {
	line := path + ": " + what
	im.skipped = append(im.skipped, line)
	return "not imported: " + line
}

func (im *importer) service(svc *ecstypes.Service, td *ecstypes.TaskDefinition, groups []elbtypes.TargetGroup) (ast.Expr, error) {
	o := &object{}
	p := "services." + im.key
	o.set("desiredCount", integer(int64(svc.DesiredCount)))
	if len(svc.CapacityProviderStrategy) > 0 {
		capacity := &object{}
		for _, it := range svc.CapacityProviderStrategy {
			name := aws.ToString(it.CapacityProvider)
			item := &object{}
			if it.Base > 0 {
				item.set("base", integer(int64(it.Base)))
			}
			item.set("weight", integer(int64(it.Weight)))
			if name != "FARGATE" && name != "FARGATE_SPOT" {
				capacity.note(im.unexpressed(p+".capacity", fmt.Sprintf("capacity provider %s (base %d, weight %d): declare its Auto Scaling group under cluster.capacity.ec2 and name that key here", name, it.Base, it.Weight)))
				continue
			}
			capacity.set(name, item.expr())
		}
		o.set("capacity", capacity.expr())
	} else if svc.LaunchType == ecstypes.LaunchTypeFargate {
		o.set("capacity", ast.NewStruct("FARGATE", ast.NewStruct("weight", integer(1))), "launch type FARGATE, as a capacity provider strategy")
	} else if svc.LaunchType != "" {
		o.note(im.unexpressed(p+".capacity", "launch type "+string(svc.LaunchType)+": declare the instances under cluster.capacity.ec2 and name them in capacity"))
	}
	o.set("family", str(aws.ToString(td.Family)))
	o.set("networkMode", str(string(td.NetworkMode)))
	if nc := svc.NetworkConfiguration; nc != nil && nc.AwsvpcConfiguration != nil {
		if nc.AwsvpcConfiguration.AssignPublicIp == ecstypes.AssignPublicIpEnabled {
			o.set("assignPublicIp", boolean(true))
		}
		if sgs := nc.AwsvpcConfiguration.SecurityGroups; len(sgs) > 0 {
			o.note(im.unexpressed(p+".securityGroups", "the tasks' security groups "+strings.Join(sgs, ", ")+": ecsgen gives the tasks a group of their own that admits their load balancer; add shared groups under network.securityGroups"))
		}
	}
	o.set("platformVersion", str(platformVersion(aws.ToString(svc.PlatformVersion))))
	if rp := td.RuntimePlatform; rp != nil {
		rt := &object{}
		if rp.CpuArchitecture != "" && rp.CpuArchitecture != ecstypes.CPUArchitectureX8664 {
			rt.set("cpuArchitecture", str(string(rp.CpuArchitecture)))
		}
		if f := rp.OperatingSystemFamily; f != "" && f != ecstypes.OSFamilyLinux {
			rt.note(im.unexpressed(p+".runtimePlatform.operatingSystemFamily", string(f)+": ecsgen builds Linux tasks only"))
		}
		o.set("runtimePlatform", rt.expr())
	}
	if es := td.EphemeralStorage; es != nil && es.SizeInGiB > 0 {
		o.set("ephemeralStorage", integer(int64(es.SizeInGiB)))
	}
	if svc.EnableExecuteCommand {
		o.set("enableExecuteCommand", boolean(true))
	}
	// A volume configured at launch is configured by the service's primary deployment.
	var launched []ecstypes.ServiceVolumeConfiguration
	for _, d := range svc.Deployments {
		if aws.ToString(d.Status) == "PRIMARY" {
			launched = d.VolumeConfigurations
		}
	}
	o.set("volumes", im.volumes(td.Volumes, launched))
	if n, err := strconv.Atoi(aws.ToString(td.Cpu)); err == nil && n > 0 {
		o.set("cpu", integer(int64(n)))
	}
	if n, err := strconv.Atoi(aws.ToString(td.Memory)); err == nil && n > 0 {
		o.set("memory", integer(int64(n)))
	}
	containers := &object{}
	for _, c := range sorted(td.ContainerDefinitions, func(c ecstypes.ContainerDefinition) string { return aws.ToString(c.Name) }) {
		containers.set(aws.ToString(c.Name), im.container(p+".containers."+aws.ToString(c.Name), c, string(td.NetworkMode)))
	}
	o.set("containers", containers.expr())
	// The roles the service runs with, as existing roles: ecsgen then creates none. Delete
	// the arn to have ecsgen create least-privilege roles of its own instead.
	if arn := roleARN(aws.ToString(td.TaskRoleArn)); arn != "" {
		o.set("taskRole", ast.NewStruct("arn", ast.NewString(arn)), "the role the service runs with; without it, ecsgen creates a task role with taskRole.statements")
	}
	if arn := roleARN(aws.ToString(td.ExecutionRoleArn)); arn != "" {
		o.set("executionRole", ast.NewStruct("arn", ast.NewString(arn)), "without it, ecsgen creates an execution role with exactly what the spec names (images, log groups, secrets)")
	}
	for _, what := range unsupportedTask(td) {
		o.note(im.unexpressed(p, what))
	}
	im.loadBalancer(o, p, svc, groups)
	if err := im.autoscaling(o, p, svc); err != nil {
		return nil, err
	}
	if g := svc.HealthCheckGracePeriodSeconds; g != nil && *g > 0 {
		o.set("healthCheckGracePeriod", integer(int64(*g)))
	}
	o.set("deployment", im.deployment(p, svc))
	o.set("placement", im.placement(svc))
	return o.expr(), nil
}

// platformVersion keeps the versions a spec takes; anything else ("1.4") is left to the
// default (LATEST), which the rules report if it matters.
func platformVersion(v string) string {
	if v == "1.4.0" || v == "1.3.0" {
		return v
	}
	return ""
}

func (im *importer) volumes(vs []ecstypes.Volume, launched []ecstypes.ServiceVolumeConfiguration) ast.Expr {
	out := &object{}
	for _, v := range sorted(vs, func(v ecstypes.Volume) string { return aws.ToString(v.Name) }) {
		name := aws.ToString(v.Name)
		vol := &object{}
		switch {
		case aws.ToBool(v.ConfiguredAtLaunch):
			ebs := managedEBSVolume(name, launched)
			if ebs == nil {
				out.note(im.unexpressed("volumes."+name, "a volume configured at launch that the service's deployment does not configure as a managed EBS volume"))
				continue
			}
			vol.set("ebs", ebs)
		case v.EfsVolumeConfiguration != nil:
			e := v.EfsVolumeConfiguration
			efs := &object{}
			efs.set("fileSystemId", str(aws.ToString(e.FileSystemId)))
			if e.AuthorizationConfig != nil {
				efs.set("accessPointId", str(aws.ToString(e.AuthorizationConfig.AccessPointId)))
			}
			if r := aws.ToString(e.RootDirectory); r != "" && r != "/" {
				efs.set("rootDirectory", str(r))
			}
			if e.TransitEncryption != ecstypes.EFSTransitEncryptionEnabled {
				efs.set("transitEncryption", boolean(false))
			}
			efs.set("transitEncryptionPort", intPtr(e.TransitEncryptionPort))
			if e.AuthorizationConfig == nil || e.AuthorizationConfig.Iam != ecstypes.EFSAuthorizationConfigIAMEnabled {
				efs.set("iam", boolean(false))
			}
			vol.set("efs", efs.expr())
		case v.DockerVolumeConfiguration != nil:
			d := v.DockerVolumeConfiguration
			docker := &object{}
			docker.set("scope", str(string(d.Scope)))
			if d.Autoprovision != nil {
				docker.set("autoprovision", boolean(*d.Autoprovision))
			}
			docker.set("driver", str(aws.ToString(d.Driver)))
			docker.set("driverOpts", stringMap(d.DriverOpts))
			docker.set("labels", stringMap(d.Labels))
			vol.set("docker", docker.expr())
		case v.FsxWindowsFileServerVolumeConfiguration != nil:
			out.note(im.unexpressed("volumes."+name, "an FSx for Windows File Server volume"))
			continue
		default:
			host := &object{}
			if v.Host != nil {
				host.set("sourcePath", str(aws.ToString(v.Host.SourcePath)))
			}
			if host.empty() {
				vol.set("host", ast.NewStruct())
			} else {
				vol.set("host", host.expr())
			}
		}
		out.set(name, vol.expr())
	}
	return out.expr()
}

// partialSecretARN is a Secrets Manager ARN without the six random characters, as a task
// definition may name a secret of its own account and region.
var partialSecretARN = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):[0-9]{12}:secret:([A-Za-z0-9/_+=.@-]+)(?::([^:]*):([^:]*):([^:]*))?$`)

// secretByName is {secretsManager: …} for a valueFrom that is a partial ARN of a secret in the
// region, or nil (a full ARN or a parameter stays as it is).
func secretByName(valueFrom, region string) ast.Expr {
	if _, err := schema.ParseSecretRef(valueFrom); err == nil {
		return nil
	}
	m := partialSecretARN.FindStringSubmatch(valueFrom)
	if m == nil || m[1] != region {
		return nil
	}
	o := &object{}
	o.set("secretsManager", str(m[2]))
	o.set("key", str(m[3]))
	o.set("versionStage", str(m[4]))
	o.set("versionId", str(m[5]))
	return o.expr()
}

// managedEBSVolume is the ebs of the volume name as the service's deployment configures it, or
// nil.
func managedEBSVolume(name string, launched []ecstypes.ServiceVolumeConfiguration) ast.Expr {
	for _, vc := range launched {
		m := vc.ManagedEBSVolume
		if aws.ToString(vc.Name) != name || m == nil {
			continue
		}
		ebs := &object{}
		ebs.set("sizeInGiB", intPtr(m.SizeInGiB))
		if t := aws.ToString(m.VolumeType); t != "" && t != "gp3" {
			ebs.set("type", str(t))
		}
		ebs.set("iops", intPtr(m.Iops))
		ebs.set("throughput", intPtr(m.Throughput))
		if m.Encrypted != nil && !*m.Encrypted {
			ebs.set("encrypted", boolean(false))
		}
		ebs.set("kmsKey", str(aws.ToString(m.KmsKeyId)))
		ebs.set("filesystemType", str(string(m.FilesystemType)))
		ebs.set("snapshotId", str(aws.ToString(m.SnapshotId)))
		tags := map[string]string{}
		for _, ts := range m.TagSpecifications {
			for _, t := range ts.Tags {
				if k := aws.ToString(t.Key); !strings.HasPrefix(k, "ecsgen:") && !strings.HasPrefix(k, "aws:") {
					tags[k] = aws.ToString(t.Value)
				}
			}
			switch ts.PropagateTags {
			case ecstypes.PropagateTagsService:
				ebs.set("propagateTags", str("service"))
			case ecstypes.PropagateTagsTaskDefinition:
				ebs.set("propagateTags", str("taskDefinition"))
			}
		}
		ebs.set("tags", stringMap(tags))
		ebs.set("infrastructureRole", str(aws.ToString(m.RoleArn)))
		return ebs.expr()
	}
	return nil
}

func (im *importer) container(p string, c ecstypes.ContainerDefinition, networkMode string) ast.Expr {
	o := &object{}
	o.set("image", str(aws.ToString(c.Image)))
	if c.Essential != nil && !*c.Essential {
		o.set("essential", boolean(false))
	}
	if c.Cpu > 0 {
		o.set("cpu", integer(int64(c.Cpu)))
	}
	o.set("memory", intPtr(c.Memory))
	o.set("memoryReservation", intPtr(c.MemoryReservation))
	var ports []ast.Expr
	for _, pm := range c.PortMappings {
		port := &object{}
		port.set("container", intPtr(pm.ContainerPort))
		if networkMode == "bridge" && pm.HostPort != nil && *pm.HostPort > 0 {
			port.set("host", intPtr(pm.HostPort))
		}
		if pm.Protocol != "" && pm.Protocol != ecstypes.TransportProtocolTcp {
			port.set("protocol", str(string(pm.Protocol)))
		}
		if pm.Name != nil || pm.AppProtocol != "" || pm.ContainerPortRange != nil {
			port.note(im.unexpressed(p+".ports", "the port's name, app protocol or port range (Service Connect)"))
		}
		ports = append(ports, port.expr())
	}
	if len(ports) > 0 {
		o.set("ports", ast.NewList(ports...))
	}
	env := map[string]string{}
	for _, kv := range c.Environment {
		env[aws.ToString(kv.Name)] = aws.ToString(kv.Value)
	}
	o.set("environment", stringMap(env))
	o.set("command", strings_(c.Command))
	o.set("entryPoint", strings_(c.EntryPoint))
	o.set("workingDirectory", str(aws.ToString(c.WorkingDirectory)))
	if hc := c.HealthCheck; hc != nil {
		h := &object{}
		h.set("command", strings_(hc.Command))
		if v := aws.ToInt32(hc.Interval); v != 0 && v != 30 {
			h.set("interval", integer(int64(v)))
		}
		if v := aws.ToInt32(hc.Timeout); v != 0 && v != 5 {
			h.set("timeout", integer(int64(v)))
		}
		if v := aws.ToInt32(hc.Retries); v != 0 && v != 3 {
			h.set("retries", integer(int64(v)))
		}
		if v := aws.ToInt32(hc.StartPeriod); v != 0 {
			h.set("startPeriod", integer(int64(v)))
		}
		o.set("healthCheck", h.expr())
	}
	deps := &object{}
	for _, d := range sorted(c.DependsOn, func(d ecstypes.ContainerDependency) string { return aws.ToString(d.ContainerName) }) {
		deps.set(aws.ToString(d.ContainerName), str(string(d.Condition)))
	}
	o.set("dependsOn", deps.expr())
	o.set("startTimeout", intPtr(c.StartTimeout))
	o.set("stopTimeout", intPtr(c.StopTimeout))
	ulimits := &object{}
	for _, u := range sorted(c.Ulimits, func(u ecstypes.Ulimit) string { return string(u.Name) }) {
		ulimits.set(string(u.Name), ast.NewStruct("soft", integer(int64(u.SoftLimit)), "hard", integer(int64(u.HardLimit))))
	}
	o.set("ulimits", ulimits.expr())
	if lp := c.LinuxParameters; lp != nil {
		l := &object{}
		if lp.InitProcessEnabled != nil {
			l.set("initProcessEnabled", boolean(*lp.InitProcessEnabled))
		}
		if caps := lp.Capabilities; caps != nil && (len(caps.Add) > 0 || len(caps.Drop) > 0) {
			cp := &object{}
			cp.set("add", strings_(caps.Add))
			cp.set("drop", strings_(caps.Drop))
			l.set("capabilities", cp.expr())
		}
		l.set("sharedMemorySize", intPtr(lp.SharedMemorySize))
		if len(lp.Devices) > 0 || len(lp.Tmpfs) > 0 || lp.MaxSwap != nil || lp.Swappiness != nil {
			l.note(im.unexpressed(p+".linuxParameters", "devices, tmpfs, maxSwap or swappiness"))
		}
		o.set("linuxParameters", l.expr())
	}
	if c.ReadonlyRootFilesystem != nil {
		o.set("readonlyRootFilesystem", boolean(*c.ReadonlyRootFilesystem))
	}
	o.set("user", str(aws.ToString(c.User)))
	var files []string
	for _, f := range c.EnvironmentFiles {
		files = append(files, aws.ToString(f.Value))
	}
	o.set("environmentFiles", strings_(files))
	secrets := &object{}
	for _, sec := range sorted(c.Secrets, func(s ecstypes.Secret) string { return aws.ToString(s.Name) }) {
		v := aws.ToString(sec.ValueFrom)
		if byName := secretByName(v, im.account.Region); byName != nil {
			secrets.set(aws.ToString(sec.Name), byName)
		} else {
			secrets.set(aws.ToString(sec.Name), str(v))
		}
	}
	if !secrets.empty() {
		o.set("secrets", secrets.expr())
	}
	o.set("dockerLabels", stringMap(c.DockerLabels))
	var mounts []ast.Expr
	for _, m := range c.MountPoints {
		mp := &object{}
		mp.set("volume", str(aws.ToString(m.SourceVolume)))
		mp.set("path", str(aws.ToString(m.ContainerPath)))
		if aws.ToBool(m.ReadOnly) {
			mp.set("readOnly", boolean(true))
		}
		mounts = append(mounts, mp.expr())
	}
	if len(mounts) > 0 {
		o.set("mountPoints", ast.NewList(mounts...))
	}
	if rc := c.RepositoryCredentials; rc != nil {
		o.set("repositoryCredentials", str(aws.ToString(rc.CredentialsParameter)))
	}
	for _, r := range c.ResourceRequirements {
		if r.Type == ecstypes.ResourceTypeGpu {
			if n, err := strconv.Atoi(aws.ToString(r.Value)); err == nil {
				o.set("gpu", integer(int64(n)))
			}
		} else {
			o.note(im.unexpressed(p+".resourceRequirements", string(r.Type)+" "+aws.ToString(r.Value)))
		}
	}
	if rp := c.RestartPolicy; rp != nil {
		r := &object{}
		if !aws.ToBool(rp.Enabled) {
			r.set("enabled", boolean(false))
		}
		var codes []ast.Expr
		for _, code := range rp.IgnoredExitCodes {
			codes = append(codes, integer(int64(code)))
		}
		if len(codes) > 0 {
			r.set("ignoredExitCodes", ast.NewList(codes...))
		}
		r.set("restartAttemptPeriod", intPtr(rp.RestartAttemptPeriod))
		if r.empty() {
			o.set("restartPolicy", ast.NewStruct())
		} else {
			o.set("restartPolicy", r.expr())
		}
	}
	o.set("log", im.log(p, c))
	if f := c.FirelensConfiguration; f != nil {
		fl := &object{}
		if f.Type != ecstypes.FirelensConfigurationTypeFluentbit {
			fl.set("type", str(string(f.Type)))
		}
		if t, v := f.Options["config-file-type"], f.Options["config-file-value"]; t != "" {
			fl.set("configFile", ast.NewStruct("type", ast.NewString(t), "value", ast.NewString(v)))
		}
		if m, ok := f.Options["enable-ecs-log-metadata"]; ok {
			fl.set("enableECSLogMetadata", boolean(m == "true"))
		}
		if fl.empty() {
			o.set("firelens", ast.NewStruct())
		} else {
			o.set("firelens", fl.expr())
		}
	}
	for _, what := range unsupportedContainer(c) {
		o.note(im.unexpressed(p, what))
	}
	return o.expr()
}

// log is the container's log configuration: awslogs with its group and stream prefix,
// awsfirelens with its options, or none.
func (im *importer) log(p string, c ecstypes.ContainerDefinition) ast.Expr {
	lc := c.LogConfiguration
	l := &object{}
	switch {
	case lc == nil:
		l.set("driver", str("none"))
	case lc.LogDriver == ecstypes.LogDriverAwslogs:
		l.set("group", str(lc.Options["awslogs-group"]))
		l.set("streamPrefix", str(lc.Options["awslogs-stream-prefix"]))
		for _, k := range sortedKeys(lc.Options) {
			switch k {
			case "awslogs-group", "awslogs-stream-prefix", "awslogs-region":
			default:
				l.note(im.unexpressed(p+".log", "awslogs option "+k+"="+lc.Options[k]))
			}
		}
	case lc.LogDriver == ecstypes.LogDriverAwsfirelens:
		l.set("driver", str("awsfirelens"))
		l.set("options", stringMap(lc.Options))
	default:
		l.set("driver", str("none"))
		l.note(im.unexpressed(p+".log", "log driver "+string(lc.LogDriver)+": a spec logs with awslogs or awsfirelens"))
	}
	if lc != nil && len(lc.SecretOptions) > 0 {
		l.note(im.unexpressed(p+".log", "the log configuration's secret options"))
	}
	return l.expr()
}

func (im *importer) loadBalancer(o *object, p string, svc *ecstypes.Service, groups []elbtypes.TargetGroup) {
	for _, lb := range svc.LoadBalancers {
		var g *elbtypes.TargetGroup
		for i := range groups {
			if aws.ToString(groups[i].TargetGroupArn) == aws.ToString(lb.TargetGroupArn) {
				g = &groups[i]
			}
		}
		desc := fmt.Sprintf("container %s port %d behind target group %s", aws.ToString(lb.ContainerName), aws.ToInt32(lb.ContainerPort), aws.ToString(lb.TargetGroupArn))
		if g != nil {
			desc += fmt.Sprintf(" (%s :%d, health check %s %s)", g.Protocol, aws.ToInt32(g.Port), g.HealthCheckProtocol, aws.ToString(g.HealthCheckPath))
		}
		o.note(im.unexpressed(p+".loadBalancer", desc+": ecsgen creates the load balancer, listener and target group; declare them under loadBalancers and attach the service with loadBalancer: {name, listener, container, port, healthCheck}"))
	}
}

func (im *importer) autoscaling(o *object, p string, svc *ecstypes.Service) error {
	a := im.account
	resource := "service/" + clusterName(aws.ToString(svc.ClusterArn)) + "/" + aws.ToString(svc.ServiceName)
	targets, err := a.autoscaling.DescribeScalableTargets(im.ctx, &aas.DescribeScalableTargetsInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceIds: []string{resource}, ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
	})
	if err != nil {
		return wrap(err, "read the scaling of service %s", aws.ToString(svc.ServiceName))
	}
	if len(targets.ScalableTargets) == 0 {
		return nil
	}
	st := targets.ScalableTargets[0]
	as := &object{}
	as.set("min", intPtr(st.MinCapacity))
	as.set("max", intPtr(st.MaxCapacity))
	if s := st.SuspendedState; s != nil {
		sus := &object{}
		if aws.ToBool(s.DynamicScalingInSuspended) {
			sus.set("scaleIn", boolean(true))
		}
		if aws.ToBool(s.DynamicScalingOutSuspended) {
			sus.set("scaleOut", boolean(true))
		}
		if aws.ToBool(s.ScheduledScalingSuspended) {
			sus.set("scheduled", boolean(true))
		}
		as.set("suspend", sus.expr())
	}
	policies, err := a.autoscaling.DescribeScalingPolicies(im.ctx, &aas.DescribeScalingPoliciesInput{
		ServiceNamespace: aastypes.ServiceNamespaceEcs, ResourceId: aws.String(resource), ScalableDimension: aastypes.ScalableDimensionECSServiceDesiredCount,
	})
	if err != nil {
		return wrap(err, "read the scaling policies of service %s", aws.ToString(svc.ServiceName))
	}
	tracking := &object{}
	for _, pol := range sorted(policies.ScalingPolicies, func(x aastypes.ScalingPolicy) string { return aws.ToString(x.PolicyName) }) {
		name := aws.ToString(pol.PolicyName)
		c := pol.TargetTrackingScalingPolicyConfiguration
		metric := ""
		if c != nil && c.PredefinedMetricSpecification != nil {
			metric = map[aastypes.MetricType]string{
				aastypes.MetricTypeECSServiceAverageCPUUtilization:    "cpu",
				aastypes.MetricTypeECSServiceAverageMemoryUtilization: "memory",
			}[c.PredefinedMetricSpecification.PredefinedMetricType]
		}
		label := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(name, "-"))
		label = strings.Trim(label, "-")
		if metric == "" || !labelPattern.MatchString(label) {
			tracking.note(im.unexpressed(p+".autoscaling", "scaling policy "+name+" ("+string(pol.PolicyType)+"): write it as targetTracking or stepScaling"))
			continue
		}
		t := &object{}
		t.set("metric", str(metric))
		t.set("target", number(aws.ToFloat64(c.TargetValue)))
		t.set("scaleInCooldown", intPtr(c.ScaleInCooldown))
		t.set("scaleOutCooldown", intPtr(c.ScaleOutCooldown))
		if aws.ToBool(c.DisableScaleIn) {
			t.set("disableScaleIn", boolean(true))
		}
		tracking.set(label, t.expr())
	}
	as.set("targetTracking", tracking.expr())
	o.set("autoscaling", as.expr())
	return nil
}

func (im *importer) deployment(p string, svc *ecstypes.Service) ast.Expr {
	d := &object{}
	if c := svc.DeploymentController; c != nil && c.Type == ecstypes.DeploymentControllerTypeCodeDeploy {
		d.set("strategy", str("codeDeploy"), "the CodeDeploy application and deployment group are created by ecsgen")
	} else if c != nil && c.Type == ecstypes.DeploymentControllerTypeExternal {
		d.note(im.unexpressed(p+".deployment", "the EXTERNAL deployment controller"))
	}
	dc := svc.DeploymentConfiguration
	if dc == nil {
		return d.expr()
	}
	if s := dc.Strategy; s == ecstypes.DeploymentStrategyBlueGreen {
		d.set("strategy", str("blueGreen"))
	} else if s == ecstypes.DeploymentStrategyCanary {
		d.set("strategy", str("canary"))
	} else if s == ecstypes.DeploymentStrategyLinear {
		d.set("strategy", str("linear"))
	}
	if v := aws.ToInt32(dc.MinimumHealthyPercent); dc.MinimumHealthyPercent != nil && v != 100 {
		d.set("minimumHealthyPercent", integer(int64(v)))
	}
	if v := aws.ToInt32(dc.MaximumPercent); dc.MaximumPercent != nil && v != 200 {
		d.set("maximumPercent", integer(int64(v)))
	}
	cb := &object{}
	if b := dc.DeploymentCircuitBreaker; b == nil || !b.Enable {
		cb.set("enabled", boolean(false), "the service runs without the deployment circuit breaker, which ecsgen turns on by default")
	} else if !b.Rollback {
		cb.set("rollback", boolean(false))
	}
	d.set("circuitBreaker", cb.expr())
	if al := dc.Alarms; al != nil && al.Enable && len(al.AlarmNames) > 0 {
		a := &object{}
		a.set("names", strings_(al.AlarmNames))
		if !al.Rollback {
			a.set("rollback", boolean(false))
		}
		d.set("alarms", a.expr())
	}
	d.set("bakeTime", intPtr(dc.BakeTimeInMinutes))
	return d.expr()
}

func (im *importer) placement(svc *ecstypes.Service) ast.Expr {
	pl := &object{}
	var strategies, constraints []ast.Expr
	for _, s := range svc.PlacementStrategy {
		x := &object{}
		x.set("type", str(string(s.Type)))
		x.set("field", str(aws.ToString(s.Field)))
		strategies = append(strategies, x.expr())
	}
	for _, c := range svc.PlacementConstraints {
		x := &object{}
		x.set("type", str(string(c.Type)))
		x.set("expression", str(aws.ToString(c.Expression)))
		constraints = append(constraints, x.expr())
	}
	if len(strategies) > 0 {
		pl.set("strategies", ast.NewList(strategies...))
	}
	if len(constraints) > 0 {
		pl.set("constraints", ast.NewList(constraints...))
	}
	return pl.expr()
}

// unsupportedTask lists the task definition's settings a spec has no field for.
func unsupportedTask(td *ecstypes.TaskDefinition) []string {
	var out []string
	if td.PidMode != "" {
		out = append(out, "pidMode "+string(td.PidMode))
	}
	if td.IpcMode != "" {
		out = append(out, "ipcMode "+string(td.IpcMode))
	}
	if td.ProxyConfiguration != nil {
		out = append(out, "the App Mesh proxy configuration")
	}
	if len(td.InferenceAccelerators) > 0 {
		out = append(out, "inference accelerators")
	}
	if len(td.PlacementConstraints) > 0 {
		out = append(out, "the task definition's placement constraints (write them as the service's placement.constraints)")
	}
	if td.EnableFaultInjection != nil && *td.EnableFaultInjection {
		out = append(out, "enableFaultInjection")
	}
	return out
}

// unsupportedContainer lists the container settings a spec has no field for.
func unsupportedContainer(c ecstypes.ContainerDefinition) []string {
	var out []string
	add := func(set bool, what string) {
		if set {
			out = append(out, what)
		}
	}
	add(len(c.Links) > 0, "links "+strings.Join(c.Links, ", "))
	add(len(c.VolumesFrom) > 0, "volumesFrom")
	add(c.Hostname != nil, "hostname "+aws.ToString(c.Hostname))
	add(aws.ToBool(c.DisableNetworking), "disableNetworking")
	add(aws.ToBool(c.Privileged), "privileged")
	add(len(c.DnsServers) > 0, "dnsServers "+strings.Join(c.DnsServers, ", "))
	add(len(c.DnsSearchDomains) > 0, "dnsSearchDomains "+strings.Join(c.DnsSearchDomains, ", "))
	add(len(c.ExtraHosts) > 0, "extraHosts")
	add(len(c.DockerSecurityOptions) > 0, "dockerSecurityOptions "+strings.Join(c.DockerSecurityOptions, ", "))
	add(aws.ToBool(c.Interactive), "interactive")
	add(aws.ToBool(c.PseudoTerminal), "pseudoTerminal")
	add(len(c.SystemControls) > 0, "systemControls")
	add(len(c.CredentialSpecs) > 0, "credentialSpecs")
	add(c.VersionConsistency == ecstypes.VersionConsistencyDisabled, "versionConsistency disabled")
	return out
}

func stringMap(m map[string]string) ast.Expr {
	if len(m) == 0 {
		return nil
	}
	o := &object{}
	for _, k := range sortedKeys(m) {
		o.set(k, ast.NewString(m[k]))
	}
	return o.expr()
}

// clusterName is the name in a cluster ARN (arn:aws:ecs:region:account:cluster/NAME).
func clusterName(arn string) string {
	return arn[strings.LastIndex(arn, "/")+1:]
}

func sorted[T any](list []T, key func(T) string) []T {
	out := slices.Clone(list)
	slices.SortStableFunc(out, func(a, b T) int { return strings.Compare(key(a), key(b)) })
	return out
}

// roleARN is a task definition's role as a spec names it: its ARN. ECS also accepts a bare
// role name at registration and then answers with it as registered.
func roleARN(v string) string {
	if v == "" || strings.HasPrefix(v, "arn:") {
		return v
	}
	return ""
}
