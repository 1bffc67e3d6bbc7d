package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/schema"
)

// Rules on tasks and their containers: Fargate sizes and platform (R01–R06, R24), EFS (R07),
// container dependencies (R14), FireLens (R15) and secrets (R20), plus the fields one launch
// type has and the other does not.

func init() {
	rules = append(rules, checkLaunchType, checkContainers, checkVolumes, checkIntrinsicKeys)
}

// checkIntrinsicKeys: maps whose keys are the user's (Docker labels, log options, a Docker
// volume's driver options and labels) go into the template as JSON objects, and CloudFormation
// reads any object with the one key Ref or Fn::… as an intrinsic function: {"Ref": "x"}
// fails the deploy with an unresolved reference, and the task definition's file for the AWS
// CLI cannot be written at all. A second key makes it data.
func checkIntrinsicKeys(c *checker) {
	one := func(path string, m map[string]string) {
		if len(m) != 1 {
			return
		}
		for k := range m {
			if generators.IsIntrinsicName(k) {
				c.errorf("", path+"."+k, "rename the key, or give the map a second key",
					"CloudFormation would read a map whose only key is %q as an intrinsic function, not as data", k)
			}
		}
	}
	for _, name := range sortedKeys(c.spec.Services) {
		svc := c.spec.Services[name]
		p := "services." + name
		for _, cname := range sortedKeys(svc.Containers) {
			ct := svc.Containers[cname]
			one(p+".containers."+cname+".dockerLabels", ct.DockerLabels)
			if ct.Log.Driver == "awsfirelens" { // the only driver whose options reach the template
				one(p+".containers."+cname+".log.options", ct.Log.Options)
			}
		}
		for _, vname := range sortedKeys(svc.Volumes) {
			if d := svc.Volumes[vname].Docker; d != nil {
				one(p+".volumes."+vname+".docker.driverOpts", d.DriverOpts)
				one(p+".volumes."+vname+".docker.labels", d.Labels)
			}
		}
	}
}

// fargateMemory lists, for each Fargate task CPU size, the memory sizes it accepts (R01).
var fargateMemory = map[int]struct{ min, max, step int }{
	256:   {512, 2048, 512}, // 512, 1024, 2048: checked specially below
	512:   {1024, 4096, 1024},
	1024:  {2048, 8192, 1024},
	2048:  {4096, 16384, 1024},
	4096:  {8192, 30720, 1024},
	8192:  {16384, 61440, 4096},
	16384: {32768, 122880, 8192},
}

func validFargateSize(cpu, memory int) bool {
	r, ok := fargateMemory[cpu]
	if !ok {
		return false
	}
	if cpu == 256 {
		return memory == 512 || memory == 1024 || memory == 2048
	}
	return memory >= r.min && memory <= r.max && (memory-r.min)%r.step == 0
}

func fargateMemoryChoices(cpu int) string {
	if cpu == 256 {
		return "512, 1024 or 2048"
	}
	r := fargateMemory[cpu]
	return fmt.Sprintf("%d to %d in steps of %d", r.min, r.max, r.step)
}

// checkLaunchType: what a task needs, or may not have, on Fargate and on EC2.
func checkLaunchType(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		p := "services." + name
		if !s.OnFargate(svc) {
			if svc.PlatformVersion != "" {
				c.errorf("R05", p+".platformVersion", "remove platformVersion", "a platform version applies to Fargate only; this service runs on EC2 capacity")
			}
			if svc.EphemeralStorage > 0 {
				c.errorf("", p+".ephemeralStorage", "remove ephemeralStorage, or run the service on FARGATE", "ephemeral storage is a Fargate setting; on EC2 the instance's volume holds the task's storage")
			}
			for _, cname := range sortedKeys(svc.Containers) {
				if svc.Containers[cname].GPU == nil {
					continue
				}
				for _, capName := range c.capacitiesOf(svc) {
					if it := s.Cluster.Capacity.EC2[capName].InstanceType; !generators.HasGPU(it) {
						c.errorf("", p+".containers."+cname+".gpu", "place the service on a capacity of GPU instances (g5, g6, p4d, …)",
							"capacity %s runs %s, which has no NVIDIA GPU: the task would never be placed", capName, it)
					}
				}
			}
			if svc.RuntimePlatform.CPUArchitecture == "ARM64" {
				for _, capName := range c.capacitiesOf(svc) {
					if it := s.Cluster.Capacity.EC2[capName].InstanceType; generators.Architecture(it) != "arm64" {
						c.errorf("", p+".runtimePlatform.cpuArchitecture", "use Graviton instance types (t4g, m7g, …) for that capacity, or X86_64",
							"the task needs ARM64, but capacity %s runs %s (x86_64): its tasks would never be placed", capName, it)
					}
				}
			}
			continue
		}
		network := s.NetworkMode(svc)
		if network != "awsvpc" {
			c.errorf("R02", p+".networkMode", "remove networkMode (Fargate uses awsvpc)", "Fargate supports only the awsvpc network mode, not %s", network)
		}
		switch {
		case svc.CPU == 0 || svc.Memory == 0:
			c.errorf("R02", p, "set cpu and memory on the service, e.g. cpu: 512, memory: 1024", "a Fargate task needs task-level cpu and memory")
		case !validFargateSize(svc.CPU, svc.Memory):
			if _, ok := fargateMemory[svc.CPU]; !ok {
				c.errorf("R01", p+".cpu", "use 256, 512, 1024, 2048, 4096, 8192 or 16384", "%d is not a Fargate CPU size", svc.CPU)
			} else {
				c.errorf("R01", p+".memory", fmt.Sprintf("with cpu %d use memory %s", svc.CPU, fargateMemoryChoices(svc.CPU)),
					"Fargate has no task size of %d CPU and %d MiB", svc.CPU, svc.Memory)
			}
		}
		pv := s.PlatformVersion(svc)
		if pv == "1.3.0" && svc.CPU >= 8192 {
			c.errorf("R04", p+".platformVersion", `use "1.4.0" or "LATEST"`, "%d CPU units need Fargate platform version 1.4.0 or later", svc.CPU)
		}
		if pv == "1.3.0" {
			for _, v := range sortedKeys(svc.Volumes) {
				if svc.Volumes[v].EFS != nil {
					c.errorf("R06", p+".platformVersion", `use "1.4.0" or "LATEST"`, "EFS volumes need Fargate platform version 1.4.0 or later (volume %s)", v)
					break
				}
			}
		}
		if _, spot := s.Strategy(svc)[schema.FargateSpot]; spot && svc.RuntimePlatform.CPUArchitecture == "ARM64" {
			c.errorf("R24", p+".runtimePlatform.cpuArchitecture", "use X86_64, or drop FARGATE_SPOT from the strategy",
				"FARGATE_SPOT runs only X86_64 tasks; the ARM64 tasks on its share would never start")
		}
		if len(svc.Placement.Strategies) > 0 || len(svc.Placement.Constraints) > 0 {
			c.errorf("R02", p+".placement", "remove placement: Fargate places tasks itself", "placement strategies and constraints apply to EC2 capacity only")
		}
		for _, cname := range sortedKeys(svc.Containers) {
			ct := svc.Containers[cname]
			cp := p + ".containers." + cname
			if ct.GPU != nil {
				c.errorf("", cp+".gpu", "run the service on EC2 capacity with GPU instances", "Fargate has no GPUs")
			}
			if f := ct.Firelens; f != nil && f.ConfigFile != nil && f.ConfigFile.Type == "s3" {
				c.errorf("", cp+".firelens.configFile.type", `build the file into the router's image and use type: "file"`, "Fargate tasks read FireLens configuration from a file only, not from S3")
			}
			if lp := ct.LinuxParameters; lp != nil {
				if lp.SharedMemorySize != nil {
					c.errorf("", cp+".linuxParameters.sharedMemorySize", "remove it", "Fargate does not support sharedMemorySize")
				}
				if lp.Capabilities != nil {
					for _, add := range lp.Capabilities.Add {
						if add != "SYS_PTRACE" {
							c.errorf("", cp+".linuxParameters.capabilities.add", "Fargate can add SYS_PTRACE only", "Fargate cannot add the %s capability", add)
						}
					}
				}
			}
		}
		for _, v := range sortedKeys(svc.Volumes) {
			vol := svc.Volumes[v]
			if vol.Docker != nil {
				c.errorf("", p+".volumes."+v+".docker", "use an EFS volume, or a bind mount without sourcePath", "Fargate has no Docker volumes")
			}
			if vol.Host != nil && vol.Host.SourcePath != "" {
				c.errorf("", p+".volumes."+v+".host.sourcePath", "remove sourcePath: a Fargate bind mount is a directory of the task", "Fargate tasks cannot mount a directory of the host")
			}
		}
	}
}

// checkContainers: dependencies (R14), FireLens (R15), secrets (R20) and logging options.
func checkContainers(c *checker) {
	for _, name := range sortedKeys(c.spec.Services) {
		svc := c.spec.Services[name]
		p := "services." + name
		var routers, firelensUsers []string
		accountWarned := false
		for _, cname := range sortedKeys(svc.Containers) {
			ct := svc.Containers[cname]
			cp := p + ".containers." + cname
			for _, dep := range sortedKeys(ct.DependsOn) {
				dp := cp + ".dependsOn." + dep
				target, ok := svc.Containers[dep]
				switch cond := ct.DependsOn[dep]; {
				case dep == cname:
					c.errorf("R14", dp, "remove it", "a container cannot depend on itself")
				case !ok:
					c.errorf("R14", dp, fmt.Sprintf("use one of: %s", strings.Join(sortedKeys(svc.Containers), ", ")), "%q is not a container of this task", dep)
				case cond == "HEALTHY" && target.HealthCheck == nil:
					c.errorf("R14", dp, "give "+dep+" a healthCheck, or depend on START", "%s has no health check, so it never becomes HEALTHY and the task stays PENDING", dep)
				case (cond == "SUCCESS" || cond == "COMPLETE") && target.Essential:
					c.errorf("R14", dp, "set essential: false on "+dep, "a %s dependency must not be essential: when it exits, an essential container stops the task", cond)
				}
			}
			if ct.Firelens != nil {
				routers = append(routers, cname)
				if cf := ct.Firelens.ConfigFile; cf != nil && cf.Type == "s3" {
					if _, ok := schema.S3Object(cf.Value); !ok {
						c.errorf("", cp+".firelens.configFile.value", `e.g. "arn:aws:s3:::my-bucket/fluent-bit/extra.conf"`, "an s3 config file is given by its object ARN, got %q", cf.Value)
					}
				}
			}
			switch ct.Log.Driver {
			case "awsfirelens":
				firelensUsers = append(firelensUsers, cname)
				if ct.Log.Group != "" || ct.Log.StreamPrefix != "" {
					c.errorf("", cp+".log", "set the destination in log.options", "group and streamPrefix are awslogs settings; this container logs through FireLens")
				}
			default:
				if len(ct.Log.Options) > 0 {
					c.errorf("", cp+".log.options", "remove options, or use driver \"awsfirelens\"", "options configure the FireLens output; this container logs with %s", ct.Log.Driver)
				}
				if ct.Log.Driver == "none" && (ct.Log.Group != "" || ct.Log.StreamPrefix != "") {
					c.errorf("", cp+".log", "remove group and streamPrefix", "the container has no logging (driver none)")
				}
			}
			for _, k := range sortedKeys(ct.Secrets) {
				sec := ct.Secrets[k]
				ref, err := sec.Ref()
				switch {
				case err != nil:
					hint := ""
					if sec.ByName != nil {
						hint = "give the secret's full ARN (…:secret:name-AbCdEf) instead"
					}
					c.errorf("R20", cp+".secrets."+k, hint, "%v", err)
				case sec.Selects() && c.spec.OnFargate(svc) && c.spec.PlatformVersion(svc) == "1.3.0":
					c.errorf("R20", cp+".secrets."+k, `use platformVersion "1.4.0" or "LATEST", or read the whole secret`,
						"a JSON key or version of a Secrets Manager secret needs Fargate platform version 1.4.0 or later")
				case ref.ByName && c.spec.Account == "" && !accountWarned:
					accountWarned = true
					c.warnf("R89", cp+".secrets."+k, "set account, or fill in the account before registering that file by hand, then waive R89 with the reason",
						"taskdefs/%s.json names Secrets Manager secrets by partial ARN, which needs the account: the spec has none, so the file holds \"%s\" in its place (the stack's task definition has the account)", name, schema.AccountPlaceholder)
				}
			}
			if ct.RepositoryCredentials != "" {
				if ref, err := schema.ParseSecretRef(ct.RepositoryCredentials); err != nil || ref.Source != schema.SecretsManager {
					c.errorf("R20", cp+".repositoryCredentials", "give the full ARN, ending in -AbCdEf", "repositoryCredentials must be a complete Secrets Manager secret ARN")
				}
			}
		}
		if cycle := dependencyCycle(svc); cycle != nil {
			c.errorf("R14", p+".containers."+cycle[0]+".dependsOn", "break the cycle", "the containers depend on each other in a cycle: %s", strings.Join(cycle, " → "))
		}
		switch {
		case len(routers) > 1:
			c.errorf("R15", p+".containers."+routers[1]+".firelens", "keep firelens on one container", "a task has one FireLens log router, but %s are", strings.Join(routers, " and "))
		case len(firelensUsers) > 0 && len(routers) == 0:
			c.errorf("R15", p+".containers."+firelensUsers[0]+".log.driver",
				`add a log router container with firelens: {type: "fluentbit"} (image public.ecr.aws/aws-observability/aws-for-fluent-bit)`,
				"the awsfirelens log driver needs a FireLens log router container in the task")
		case len(routers) == 1 && len(firelensUsers) == 0:
			c.errorf("R15", p+".containers."+routers[0]+".firelens", `set log: driver: "awsfirelens" on the containers whose logs it routes`,
				"the task has a FireLens log router but no container logs through it")
		case len(routers) == 1 && slices.Contains(firelensUsers, routers[0]):
			c.errorf("R15", p+".containers."+routers[0]+".log.driver", `log the router itself with awslogs`, "the FireLens log router cannot send its own logs through itself")
		}
	}
}

// dependencyCycle returns the containers of a dependency cycle, or nil.
func dependencyCycle(svc schema.Service) []string {
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(string) []string
	visit = func(n string) []string {
		state[n] = active
		stack = append(stack, n)
		for _, dep := range sortedKeys(svc.Containers[n].DependsOn) {
			if _, ok := svc.Containers[dep]; !ok || dep == n {
				continue // reported on its own
			}
			switch state[dep] {
			case active:
				i := slices.Index(stack, dep)
				return append(slices.Clone(stack[i:]), dep)
			case unseen:
				if cyc := visit(dep); cyc != nil {
					return cyc
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
		return nil
	}
	for _, n := range sortedKeys(svc.Containers) {
		if state[n] == unseen {
			if cyc := visit(n); cyc != nil {
				return cyc
			}
		}
	}
	return nil
}

// checkVolumes: each volume is one kind, EFS settings are consistent (R07), mounts name
// volumes that exist.
func checkVolumes(c *checker) {
	for _, name := range sortedKeys(c.spec.Services) {
		svc := c.spec.Services[name]
		p := "services." + name
		for _, vname := range sortedKeys(svc.Volumes) {
			v := svc.Volumes[vname]
			vp := p + ".volumes." + vname
			kinds := 0
			for _, set := range []bool{v.EFS != nil, v.Host != nil, v.Docker != nil, v.EBS != nil} {
				if set {
					kinds++
				}
			}
			if kinds != 1 {
				c.errorf("", vp, "e.g. efs: {fileSystemId: \"fs-…\"}, host: {}, docker: {}, or ebs: {sizeInGiB: 20}", "a volume is exactly one of efs, host, docker or ebs, got %d", kinds)
				continue
			}
			if e := v.EFS; e != nil {
				if !e.TransitEncryption && (e.IAM || e.AccessPointID != "") {
					c.errorf("R07", vp+".efs.transitEncryption", "set transitEncryption: true", "IAM authorization and access points need transit encryption")
				}
				if !e.TransitEncryption && e.TransitEncryptionPort > 0 {
					c.errorf("R07", vp+".efs.transitEncryptionPort", "remove it, or set transitEncryption: true", "a transit encryption port needs transit encryption")
				}
				if e.AccessPointID != "" && e.RootDirectory != "" && e.RootDirectory != "/" {
					c.errorf("R07", vp+".efs.rootDirectory", "set the directory on the access point instead", "with an access point, the root directory is the access point's; rootDirectory must be left out")
				}
			}
		}
		for _, cname := range sortedKeys(svc.Containers) {
			for i, m := range svc.Containers[cname].MountPoints {
				if _, ok := svc.Volumes[m.Volume]; !ok {
					c.errorf("", fmt.Sprintf("%s.containers.%s.mountPoints[%d].volume", p, cname, i), "declare it under the service's volumes",
						"%q is not a volume of this service", m.Volume)
				}
			}
			for i, v := range svc.Containers[cname].VolumesFrom {
				vp := fmt.Sprintf("%s.containers.%s.volumesFrom[%d].container", p, cname, i)
				if _, ok := svc.Containers[v.Container]; !ok || v.Container == cname {
					c.errorf("", vp, "use one of: "+strings.Join(otherKeys(svc.Containers, cname), ", "),
						"%q is not another container of this task", v.Container)
				}
			}
		}
	}
}

// otherKeys are the keys of m but one, sorted.
func otherKeys[V any](m map[string]V, but string) []string {
	var out []string
	for _, k := range sortedKeys(m) {
		if k != but {
			out = append(out, k)
		}
	}
	return out
}
