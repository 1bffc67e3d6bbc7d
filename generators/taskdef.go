package generators

import (
	"strconv"

	"github.com/awslabs/goformation/v7/cloudformation/ecs"

	"github.com/ecsgen/ecsgen/schema"
)

// The task definition is built once, as goformation's typed AWS::ECS::TaskDefinition, and
// encoded twice: as the stack's resource, and by cliTaskDefinition as the input of
// `aws ecs register-task-definition --cli-input-json`. The CLI form is the same tree with
// camelCase keys and the intrinsics resolved to the values the CLI needs.

// taskDefinition builds a service's task definition. taskRole and executionRole are the roles'
// ARNs: GetAtt of a role in the same stack, or an existing role's ARN.
func (e *env) taskDefinition(name string, svc schema.Service, taskRole, executionRole string) *taskDefinition {
	s := e.spec
	family := svc.Family
	if family == "" {
		family = ServiceName(s, name)
	}
	fargate := s.OnFargate(svc)
	td := &ecs.TaskDefinition{
		Family:                  ptr(family),
		NetworkMode:             ptr(s.NetworkMode(svc)),
		RequiresCompatibilities: []string{"EC2"},
		TaskRoleArn:             ptr(taskRole),
		ExecutionRoleArn:        ptr(executionRole),
		Tags:                    e.tags(nil),
	}
	if fargate {
		td.RequiresCompatibilities = []string{"FARGATE"}
	}
	if svc.CPU > 0 {
		td.Cpu = ptr(strconv.Itoa(svc.CPU))
	}
	if svc.Memory > 0 {
		td.Memory = ptr(strconv.Itoa(svc.Memory))
	}
	// The runtime platform is stated on Fargate, where it selects the platform, and on EC2 only
	// when the spec asks for ARM64, so that placement on x86 instances is refused.
	if fargate || svc.RuntimePlatform.CPUArchitecture != "X86_64" {
		td.RuntimePlatform = &ecs.TaskDefinition_RuntimePlatform{
			OperatingSystemFamily: ptr(svc.RuntimePlatform.OperatingSystemFamily),
			CpuArchitecture:       ptr(svc.RuntimePlatform.CPUArchitecture),
		}
	}
	if svc.EphemeralStorage > 0 {
		td.EphemeralStorage = &ecs.TaskDefinition_EphemeralStorage{SizeInGiB: ptr(svc.EphemeralStorage)}
	}
	for _, vname := range sortedKeys(svc.Volumes) {
		td.Volumes = append(td.Volumes, volume(vname, svc.Volumes[vname]))
	}
	out := &taskDefinition{TaskDefinition: td}
	for _, cname := range sortedKeys(svc.Containers) {
		cd, extra := e.containerDefinition(name, cname, svc, svc.Containers[cname])
		td.ContainerDefinitions = append(td.ContainerDefinitions, cd)
		out.containerExtras = append(out.containerExtras, extra)
	}
	return out
}

func volume(name string, v schema.Volume) ecs.TaskDefinition_Volume {
	vol := ecs.TaskDefinition_Volume{Name: ptr(name)}
	switch {
	case v.EFS != nil:
		efs := &ecs.TaskDefinition_EFSVolumeConfiguration{
			FilesystemId:      v.EFS.FileSystemID,
			TransitEncryption: ptr(enabled(v.EFS.TransitEncryption)),
		}
		if v.EFS.RootDirectory != "" {
			efs.RootDirectory = ptr(v.EFS.RootDirectory)
		}
		if v.EFS.TransitEncryptionPort > 0 {
			efs.TransitEncryptionPort = ptr(v.EFS.TransitEncryptionPort)
		}
		if v.EFS.AccessPointID != "" || v.EFS.IAM {
			efs.AuthorizationConfig = &ecs.TaskDefinition_AuthorizationConfig{IAM: ptr(enabled(v.EFS.IAM))}
			if v.EFS.AccessPointID != "" {
				efs.AuthorizationConfig.AccessPointId = ptr(v.EFS.AccessPointID)
			}
		}
		vol.EFSVolumeConfiguration = efs
	case v.Host != nil:
		vol.Host = &ecs.TaskDefinition_HostVolumeProperties{}
		if v.Host.SourcePath != "" {
			vol.Host.SourcePath = ptr(v.Host.SourcePath)
		}
	case v.Docker != nil:
		d := &ecs.TaskDefinition_DockerVolumeConfiguration{Scope: ptr(v.Docker.Scope), Autoprovision: v.Docker.Autoprovision}
		if v.Docker.Driver != "" {
			d.Driver = ptr(v.Docker.Driver)
		}
		if len(v.Docker.DriverOpts) > 0 {
			d.DriverOpts = v.Docker.DriverOpts
		}
		if len(v.Docker.Labels) > 0 {
			d.Labels = v.Docker.Labels
		}
		vol.DockerVolumeConfiguration = d
	case v.EBS != nil:
		// The service's VolumeConfigurations say how ECS creates the volume for each task.
		vol.ConfiguredAtLaunch = ptr(true)
	}
	return vol
}

func enabled(b bool) string {
	if b {
		return "ENABLED"
	}
	return "DISABLED"
}

// LogGroupOf is the CloudWatch log group a container writes to with awslogs.
func LogGroupOf(s *schema.Spec, service string, c schema.Container) string {
	if c.Log.Group != "" {
		return c.Log.Group
	}
	return LogGroupName(s, service)
}

func (e *env) containerDefinition(service, name string, svc schema.Service, c schema.Container) (ecs.TaskDefinition_ContainerDefinition, containerExtras) {
	cd := ecs.TaskDefinition_ContainerDefinition{
		Name:                   name,
		Image:                  c.Image,
		Essential:              ptr(c.Essential),
		Cpu:                    c.CPU,
		Memory:                 c.Memory,
		MemoryReservation:      c.MemoryReservation,
		Command:                c.Command,
		EntryPoint:             c.EntryPoint,
		StartTimeout:           c.StartTimeout,
		StopTimeout:            c.StopTimeout,
		ReadonlyRootFilesystem: c.ReadonlyRootFilesystem,
	}
	if c.WorkingDirectory != "" {
		cd.WorkingDirectory = ptr(c.WorkingDirectory)
	}
	if c.User != "" {
		cd.User = ptr(c.User)
	}
	switch c.Log.Driver {
	case "awslogs":
		prefix := c.Log.StreamPrefix
		if prefix == "" {
			prefix = name
		}
		cd.LogConfiguration = &ecs.TaskDefinition_LogConfiguration{
			LogDriver: "awslogs",
			Options: map[string]string{
				"awslogs-group":         LogGroupOf(e.spec, service, c),
				"awslogs-region":        e.spec.Region,
				"awslogs-stream-prefix": prefix,
			},
		}
	case "awsfirelens":
		cd.LogConfiguration = &ecs.TaskDefinition_LogConfiguration{LogDriver: "awsfirelens"}
		if len(c.Log.Options) > 0 {
			cd.LogConfiguration.Options = c.Log.Options
		}
	}
	if f := c.Firelens; f != nil {
		cd.FirelensConfiguration = &ecs.TaskDefinition_FirelensConfiguration{Type: ptr(f.Type)}
		opts := map[string]string{}
		if f.ConfigFile != nil {
			opts["config-file-type"] = f.ConfigFile.Type
			opts["config-file-value"] = f.ConfigFile.Value
		}
		if f.EnableECSLogMetadata != nil {
			opts["enable-ecs-log-metadata"] = strconv.FormatBool(*f.EnableECSLogMetadata)
		}
		if len(opts) > 0 {
			cd.FirelensConfiguration.Options = opts
		}
	}
	network := e.spec.NetworkMode(svc)
	for _, p := range c.Ports {
		pm := ecs.TaskDefinition_PortMapping{ContainerPort: ptr(p.Container), Protocol: ptr(p.Protocol)}
		if p.Name != "" {
			pm.Name = ptr(p.Name)
		}
		if p.AppProtocol != "" {
			pm.AppProtocol = ptr(p.AppProtocol)
		}
		switch {
		case network != "bridge":
			// awsvpc and host: the host port is the container port (R11).
			pm.HostPort = ptr(p.Container)
		case p.Host != nil:
			pm.HostPort = ptr(*p.Host)
		default:
			// bridge without a host port: dynamic, stated explicitly so the intent is visible.
			pm.HostPort = ptr(0)
		}
		cd.PortMappings = append(cd.PortMappings, pm)
	}
	cd.Environment = e.environment(c)
	for _, f := range c.EnvironmentFiles {
		cd.EnvironmentFiles = append(cd.EnvironmentFiles, ecs.TaskDefinition_EnvironmentFile{Type: ptr("s3"), Value: ptr(f)})
	}
	for _, k := range sortedKeys(c.Secrets) {
		valueFrom := c.Secrets[k].ValueFrom
		if c.Secrets[k].ByName != nil {
			// A partial ARN in the stack's partition, region and account (the CLI form resolves
			// it with the spec's: cliPlaceholders).
			if ref, err := c.Secrets[k].Ref(); err == nil {
				valueFrom = userTemplate(ref.ValueFrom).cfn()
			}
		}
		cd.Secrets = append(cd.Secrets, ecs.TaskDefinition_Secret{Name: k, ValueFrom: valueFrom})
	}
	if len(c.DockerLabels) > 0 {
		cd.DockerLabels = c.DockerLabels
	}
	if hc := c.HealthCheck; hc != nil {
		cd.HealthCheck = &ecs.TaskDefinition_HealthCheck{
			Command: hc.Command, Interval: ptr(hc.Interval), Timeout: ptr(hc.Timeout),
			Retries: ptr(hc.Retries), StartPeriod: hc.StartPeriod,
		}
	}
	for _, dep := range sortedKeys(c.DependsOn) {
		cd.DependsOnProp = append(cd.DependsOnProp, ecs.TaskDefinition_ContainerDependency{ContainerName: ptr(dep), Condition: ptr(c.DependsOn[dep])})
	}
	for _, u := range sortedKeys(c.Ulimits) {
		cd.Ulimits = append(cd.Ulimits, ecs.TaskDefinition_Ulimit{Name: u, SoftLimit: c.Ulimits[u].Soft, HardLimit: c.Ulimits[u].Hard})
	}
	if lp := c.LinuxParameters; lp != nil {
		cd.LinuxParameters = &ecs.TaskDefinition_LinuxParameters{InitProcessEnabled: lp.InitProcessEnabled, SharedMemorySize: lp.SharedMemorySize}
		if lp.Capabilities != nil {
			cd.LinuxParameters.Capabilities = &ecs.TaskDefinition_KernelCapabilities{Add: lp.Capabilities.Add, Drop: lp.Capabilities.Drop}
		}
	}
	for _, v := range c.VolumesFrom {
		cd.VolumesFrom = append(cd.VolumesFrom, ecs.TaskDefinition_VolumeFrom{SourceContainer: ptr(v.Container), ReadOnly: ptr(v.ReadOnly)})
	}
	for _, m := range c.MountPoints {
		cd.MountPoints = append(cd.MountPoints, ecs.TaskDefinition_MountPoint{SourceVolume: ptr(m.Volume), ContainerPath: ptr(m.Path), ReadOnly: ptr(m.ReadOnly)})
	}
	if c.RepositoryCredentials != "" {
		cd.RepositoryCredentials = &ecs.TaskDefinition_RepositoryCredentials{CredentialsParameter: ptr(c.RepositoryCredentials)}
	}
	if c.GPU != nil {
		cd.ResourceRequirements = []ecs.TaskDefinition_ResourceRequirement{{Type: "GPU", Value: strconv.Itoa(*c.GPU)}}
	}
	var extra containerExtras
	if c.VersionConsistency != "" {
		extra.VersionConsistency = ptr(c.VersionConsistency)
	}
	if rp := c.RestartPolicy; rp != nil {
		extra.RestartPolicy = &containerRestartPolicy{Enabled: rp.Enabled, IgnoredExitCodes: rp.IgnoredExitCodes, RestartAttemptPeriod: rp.RestartAttemptPeriod}
	}
	return cd, extra
}
