package check

import (
	"fmt"
	"strings"

	"github.com/ecsgen/ecsgen/generators"
	"github.com/ecsgen/ecsgen/schema"
)

// The rules of ../shared/rules.md that apply to what ecsgen generates today. Each reports the
// catalogue id, the spec path, and how to fix the spec. Rules that the generators satisfy by
// construction are noted where they are satisfied, not here: R17 (log group declared and
// depended on), R25 (network configuration iff awsvpc), R26 (never a launch type beside a
// strategy), R39 (scale-in protection follows managed termination protection), R43 (no
// DesiredCapacity), R44 (no launch configurations), R46 (instance profile by ARN; an existing
// one is checked in iamrules.go), R47
// (userdata shebang and ECS_CLUSTER), R57 (capabilities in the deploy script).

func init() {
	rules = append(rules,
		checkNames,
		checkCapacities,
		checkStrategies,
		checkTaskDefinitions,
		checkPorts,
		checkPlacement,
	)
}

// checkNames: names that CloudFormation cannot tell apart. The AWS limits on generated names
// (R30, R31 load balancers and target groups, R41 capacity providers, R56 roles, R61 stacks)
// hold by construction: generators shorten long names with a hash and prefix reserved ones.
func checkNames(c *checker) {
	s := c.spec
	// Logical ids drop hyphens: "web-1" and "web1" would both become "Web1".
	seen := map[string]string{}
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		id := strings.ToLower(strings.ReplaceAll(name, "-", ""))
		if other, ok := seen[id]; ok {
			c.errorf("", "cluster.capacity.ec2."+name, "rename one of them",
				"capacity %q and capacity %q differ only in hyphens, which CloudFormation logical ids cannot hold", other, name)
		}
		seen[id] = name
	}
	// Explicit names may collide with each other or with generated ones.
	lbs := map[string]string{}
	for _, name := range sortedKeys(s.LoadBalancers) {
		n := strings.ToLower(generators.LoadBalancerName(s, name))
		if other, ok := lbs[n]; ok {
			c.errorf("R30", "loadBalancers."+name+".name", "give each load balancer its own name", "load balancers %s and %s would both be named %q", other, name, generators.LoadBalancerName(s, name))
		}
		lbs[n] = name
	}
	groups := map[string]string{}
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		n := generators.AutoScalingGroupName(s, name)
		if other, ok := groups[n]; ok {
			c.errorf("", "cluster.capacity.ec2."+name+".autoScalingGroupName", "give each capacity its own group name", "capacities %s and %s would both have Auto Scaling group %q", other, name, n)
		}
		groups[n] = name
	}
}

// checkCapacities: Auto Scaling group and capacity provider settings that deploy but misbehave.
func checkCapacities(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		cap := s.Cluster.Capacity.EC2[name]
		p := "cluster.capacity.ec2." + name
		if cap.Size.Min > cap.Size.Max {
			c.errorf("R43", p+".size.min", "", "min %d is above max %d", cap.Size.Min, cap.Size.Max)
		}
		if cap.ManagedTerminationProtection && !cap.ManagedScaling.Enabled {
			c.errorf("R40", p+".managedTerminationProtection",
				"enable managedScaling, or set managedTerminationProtection: false",
				"managed termination protection needs managed scaling; without it protected instances are never scaled in and stack deletion hangs")
		}
		ms := cap.ManagedScaling
		if ms.Enabled && ms.MinimumStep > ms.MaximumStep {
			c.errorf("", p+".managedScaling.minimumStep", "", "minimumStep %d is above maximumStep %d", ms.MinimumStep, ms.MaximumStep)
		}
		for i, r := range cap.Ingress {
			if r.FromPort > r.ToPort && r.Protocol != "icmp" {
				c.errorf("", fmt.Sprintf("%s.ingress[%d].fromPort", p, i), "", "fromPort %d is above toPort %d", r.FromPort, r.ToPort)
			}
		}
		c.rootDevice(p, cap)
		for i, it := range cap.InstanceTypes {
			if a, want := generators.Architecture(it), generators.Architecture(cap.InstanceType); a != want {
				c.errorf("", fmt.Sprintf("%s.instanceTypes[%d]", p, i), "use "+want+" instance types only, or a capacity of its own for "+a,
					"%s is %s, but instanceType %s is %s: one launch template boots one AMI, for one architecture", it, a, cap.InstanceType, want)
			}
		}
		if cap.AMI != "" && strings.HasPrefix(cap.AMI, "/") {
			arch := generators.Architecture(cap.InstanceType)
			amiArm := strings.Contains(cap.AMI, "arm64")
			if amiArm != (arch == "arm64") {
				c.errorf("R45", p+".ami", "leave ami out to get the AMI that matches the instance type",
					"the AMI parameter is for %s, but %s is %s: instances would not boot the right image", map[bool]string{true: "arm64", false: "x86_64"}[amiArm], cap.InstanceType, arch)
			}
			if strings.Contains(cap.AMI, "/amazon-linux-2/") {
				c.warnf("R45", p+".ami", "use the amazon-linux-2023 parameter (or leave ami out)",
					"the ECS-optimized Amazon Linux 2 AMI reached end of life on 2026-06-30")
			}
		}
	}
}

// rootDevice: a block device mapping that names a device other than the AMI's root device
// attaches an extra volume that nothing uses, and leaves the root volume unmanaged: the AMI's
// size, and encrypted only if the account encrypts EBS by default (R45).
func (c *checker) rootDevice(p string, cap schema.EC2Capacity) {
	dev := cap.RootVolume.DeviceName
	legacy := dev == "/dev/xvdcz"
	if dev == "" || dev == generators.ECSOptimizedRootDevice || (!legacy && !generators.ECSOptimizedAMI(cap.AMI)) {
		return
	}
	why := fmt.Sprintf("%s is not the root device of the ECS-optimized AMI (%s)", dev, generators.ECSOptimizedRootDevice)
	if legacy {
		why = dev + " was the Docker volume of the old Amazon Linux 1 ECS-optimized AMI; current ECS-optimized AMIs keep images and containers on the root device " + generators.ECSOptimizedRootDevice
	}
	c.warnf("R45", p+".rootVolume.deviceName",
		fmt.Sprintf("leave deviceName out, and set rootVolume.size (e.g. %d) for the root volume", max(cap.RootVolume.Size, 30)),
		"%s: instances would get an extra, unused %d GiB volume, while the root volume keeps the AMI's size and is encrypted only if the account encrypts EBS by default", why, cap.RootVolume.Size)
}

// checkStrategies: every capacity provider strategy must name providers of this cluster (R29),
// have at most one base (R28) and some weight (R28).
func checkStrategies(c *checker) {
	s := c.spec
	if s.Cluster.DefaultStrategy != nil {
		c.strategy("cluster.defaultStrategy", s.Cluster.DefaultStrategy)
	}
	for _, name := range sortedKeys(s.Services) {
		if svc := s.Services[name]; svc.Capacity != nil {
			c.strategy("services."+name+".capacity", svc.Capacity)
		}
	}
}

func (c *checker) strategy(path string, st map[string]schema.StrategyItem) {
	if len(st) == 0 {
		c.errorf("R28", path, "name at least one capacity, e.g. {general: {weight: 1}}", "the capacity provider strategy is empty")
		return
	}
	var withBase []string
	weight, unknown := 0, false
	var fargate, ec2 []string
	for _, name := range sortedKeys(st) {
		if schema.IsFargateProvider(name) {
			fargate = append(fargate, name)
		} else if _, ok := c.spec.Cluster.Capacity.EC2[name]; ok {
			ec2 = append(ec2, name)
		} else {
			unknown = true
			c.errorf("R29", path+"."+name, fmt.Sprintf("use one of: %s", strings.Join(append(sortedKeys(c.spec.Cluster.Capacity.EC2), schema.Fargate, schema.FargateSpot), ", ")),
				"%q is not a capacity of this cluster", name)
			continue
		}
		if st[name].Base > 0 {
			withBase = append(withBase, name)
		}
		weight += st[name].Weight
	}
	if len(withBase) > 1 {
		c.errorf("R28", path+"."+withBase[1]+".base", "keep base on one capacity provider only",
			"only one capacity provider of a strategy may have a base; %s have one", strings.Join(withBase, " and "))
	}
	if len(fargate) > 0 && len(ec2) > 0 {
		c.errorf("R27", path, "use either Fargate or EC2 capacity in one strategy",
			"the strategy mixes Fargate (%s) with Auto Scaling group capacity (%s), which ECS refuses", strings.Join(fargate, ", "), strings.Join(ec2, ", "))
	}
	if weight == 0 && !unknown {
		c.errorf("R28", path, "give at least one capacity provider a weight above 0", "every weight of the strategy is 0, so no task beyond the base is placed")
	}
}

// checkTaskDefinitions: container and task resources that RegisterTaskDefinition rejects
// (R08, R09, R10) or that no instance of the cluster can place (R42).
func checkTaskDefinitions(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		p := "services." + name
		if len(svc.Containers) == 0 {
			c.errorf("R10", p+".containers", "", "the task has no containers")
			continue
		}
		essential, memSum, cpuSum := false, 0, 0
		for _, cname := range sortedKeys(svc.Containers) {
			ct := svc.Containers[cname]
			cp := p + ".containers." + cname
			essential = essential || ct.Essential
			if svc.Memory == 0 && ct.Memory == nil && ct.MemoryReservation == nil && !s.OnFargate(svc) {
				c.errorf("R08", cp, "set memory or memoryReservation on the container, or memory on the service",
					"without task memory, every container needs memory or memoryReservation")
			}
			if ct.Memory != nil && ct.MemoryReservation != nil && *ct.MemoryReservation > *ct.Memory {
				c.errorf("R09", cp+".memoryReservation", "", "memoryReservation %d is above the hard limit memory %d", *ct.MemoryReservation, *ct.Memory)
			}
			switch {
			case ct.Memory != nil:
				memSum += *ct.Memory
			case ct.MemoryReservation != nil:
				memSum += *ct.MemoryReservation
			}
			if ct.CPU != nil {
				cpuSum += *ct.CPU
			}
		}
		if !essential {
			c.errorf("R10", p+".containers", "mark at least one container essential: true", "the task has no essential container")
		}
		if svc.Memory > 0 && memSum > svc.Memory {
			c.errorf("R09", p+".memory", "", "the containers reserve %d MiB, more than the task's %d MiB", memSum, svc.Memory)
		}
		if svc.CPU > 0 && cpuSum > svc.CPU {
			c.errorf("R09", p+".cpu", "", "the containers reserve %d CPU units, more than the task's %d", cpuSum, svc.CPU)
		}
		mem, cpu := memSum, cpuSum
		if svc.Memory > 0 {
			mem = svc.Memory
		}
		if svc.CPU > 0 {
			cpu = svc.CPU
		}
		if !s.OnFargate(svc) {
			c.fits(p, name, svc, mem, cpu)
		}
	}
}

// fits reports a task that no instance type of its capacity can hold (R42).
func (c *checker) fits(path, service string, svc schema.Service, mem, cpu int) {
	for _, capName := range c.capacitiesOf(svc) {
		cap, ok := c.spec.Cluster.Capacity.EC2[capName]
		if !ok {
			continue
		}
		// The group may launch any of its types: the task must fit each.
		for _, it := range cap.AllInstanceTypes() {
			size, known := lookupInstance(it)
			if !known {
				continue
			}
			if reg := registeredMemory(size, c.spec.AgentSettings(capName)); mem > reg {
				c.errorf("R42", path+".memory", "use a larger instance type or less memory",
					"the task needs %d MiB, but a %s registers only about %d MiB with ECS (capacity %s): it would stay PROVISIONING",
					mem, it, reg, capName)
			}
			if cpu > size.VCPU*1024 {
				c.errorf("R42", path+".cpu", "use a larger instance type or fewer CPU units",
					"the task needs %d CPU units, but a %s has %d (capacity %s)", cpu, it, size.VCPU*1024, capName)
			}
		}
	}
}

// capacitiesOf are the EC2 capacities a service's tasks may land on.
func (c *checker) capacitiesOf(svc schema.Service) []string {
	st := c.spec.Strategy(svc)
	var out []string
	for _, name := range sortedKeys(st) {
		if _, ok := c.spec.Cluster.Capacity.EC2[name]; ok && (st[name].Weight > 0 || st[name].Base > 0) {
			out = append(out, name)
		}
	}
	return out
}

// reservedPorts are host ports the ECS agent and Docker use on every instance (R13).
var reservedPorts = map[int]bool{22: true, 2375: true, 2376: true, 51678: true, 51679: true, 51680: true}

// checkPorts: host port rules of each network mode (R11, R13) and fixed host ports that block
// a rolling deployment (R12).
func checkPorts(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		p := "services." + name
		network := s.NetworkMode(svc)
		fixed := false
		used := map[string]string{}
		for _, cname := range sortedKeys(svc.Containers) {
			for i, pm := range svc.Containers[cname].Ports {
				pp := fmt.Sprintf("%s.containers.%s.ports[%d]", p, cname, i)
				host := pm.Container
				switch {
				case network != "bridge":
					if pm.Host != nil && *pm.Host != pm.Container {
						c.errorf("R11", pp+".host", "leave host out: it is the container port",
							"in %s network mode the host port must equal the container port %d", network, pm.Container)
					}
				case pm.Host == nil || *pm.Host == 0:
					continue // dynamic host port
				default:
					host = *pm.Host
				}
				fixed = true
				if network != "awsvpc" && reservedPorts[host] {
					c.errorf("R13", pp+".host", "use another host port, or a dynamic one (leave host out)",
						"host port %d is reserved on ECS container instances (SSH, Docker, the ECS agent)", host)
				}
				key := fmt.Sprintf("%d/%s", host, pm.Protocol)
				if other, ok := used[key]; ok {
					c.errorf("", pp, "", "host port %s is already mapped by %s", key, other)
				}
				used[key] = pp
			}
		}
		if fixed && network != "awsvpc" && !s.OnFargate(svc) {
			c.fixedPorts(p, svc)
		}
	}
}

// fixedPorts: with a fixed host port only one task fits on an instance, so a rolling deployment
// needs room for the new tasks beside the old ones, or must stop old tasks first (R12).
func (c *checker) fixedPorts(path string, svc schema.Service) {
	d := svc.Deployment
	if d.MaximumPercent <= 100 && d.MinimumHealthyPercent < 100 {
		return // old tasks stop before new ones start
	}
	needed := (svc.InitialDesiredCount()*d.MaximumPercent + 99) / 100
	maxInstances, known := 0, false
	for _, capName := range c.capacitiesOf(svc) {
		if cap, ok := c.spec.Cluster.Capacity.EC2[capName]; ok {
			maxInstances += cap.Size.Max
			known = true
		}
	}
	// Without a known capacity the strategy rules already report the problem.
	if known && needed > maxInstances {
		c.errorf("R12", path+".deployment",
			"leave host out for dynamic ports, raise the capacity's size.max, or set maximumPercent: 100 with minimumHealthyPercent below 100",
			"a fixed host port fits one task per instance: a deployment runs up to %d tasks, but the capacity has at most %d instances, so the deployment would never finish",
			needed, maxInstances)
	}
}

// checkPlacement: placement strategies and constraints that CreateService rejects.
func checkPlacement(c *checker) {
	for _, name := range sortedKeys(c.spec.Services) {
		svc := c.spec.Services[name]
		for i, st := range svc.Placement.Strategies {
			p := fmt.Sprintf("services.%s.placement.strategies[%d]", name, i)
			switch st.Type {
			case "random":
				if st.Field != "" {
					c.errorf("", p+".field", "remove field", "a random placement strategy takes no field")
				}
			case "binpack":
				if st.Field != "cpu" && st.Field != "memory" {
					c.errorf("", p+".field", `use field: "cpu" or "memory"`, "a binpack placement strategy packs by cpu or memory, got %q", st.Field)
				}
			case "spread":
				if st.Field == "" {
					c.errorf("", p+".field", `e.g. field: "attribute:ecs.availability-zone" or "instanceId"`, "a spread placement strategy needs a field")
				}
			}
		}
		for i, pc := range svc.Placement.Constraints {
			p := fmt.Sprintf("services.%s.placement.constraints[%d]", name, i)
			if pc.Type == "memberOf" && pc.Expression == "" {
				c.errorf("", p+".expression", `e.g. expression: "attribute:ecs.instance-type =~ t3.*"`, "a memberOf constraint needs an expression")
			}
			if pc.Type == "distinctInstance" && pc.Expression != "" {
				c.errorf("", p+".expression", "remove expression", "a distinctInstance constraint takes no expression")
			}
		}
	}
}
