package schema

import (
	"maps"
	"slices"
)

// Values the spec leaves to ecsgen, derived from the rest of the spec. Checks and generators
// both use these, so that they agree on what the spec means.

// Fargate capacity providers: always available, associated with the cluster when used.
const (
	Fargate     = "FARGATE"
	FargateSpot = "FARGATE_SPOT"
)

// IsFargateProvider reports whether a strategy key names a Fargate capacity provider.
func IsFargateProvider(name string) bool { return name == Fargate || name == FargateSpot }

// DefaultStrategy is the cluster's default capacity provider strategy: the spec's, or every
// EC2 capacity with weight 1, or FARGATE when the cluster has no EC2 capacity.
func (s *Spec) DefaultStrategy() map[string]StrategyItem {
	if s.Cluster.DefaultStrategy != nil {
		return s.Cluster.DefaultStrategy
	}
	out := map[string]StrategyItem{}
	for name := range s.Cluster.Capacity.EC2 {
		out[name] = StrategyItem{Weight: 1}
	}
	if len(out) == 0 {
		out[Fargate] = StrategyItem{Weight: 1}
	}
	return out
}

// Strategy is the capacity provider strategy a service's tasks are placed by.
func (s *Spec) Strategy(svc Service) map[string]StrategyItem {
	if svc.Capacity != nil {
		return svc.Capacity
	}
	return s.DefaultStrategy()
}

// OnFargate reports whether a service runs on Fargate: its strategy names Fargate providers
// only. (A strategy that mixes Fargate and EC2 providers is an error of its own, R27.)
func (s *Spec) OnFargate(svc Service) bool {
	st := s.Strategy(svc)
	if len(st) == 0 {
		return false
	}
	for name := range st {
		if !IsFargateProvider(name) {
			return false
		}
	}
	return true
}

// NetworkMode is the task's network mode: the spec's, or awsvpc on Fargate and bridge on EC2.
func (s *Spec) NetworkMode(svc Service) string {
	switch {
	case svc.NetworkMode != "":
		return svc.NetworkMode
	case s.OnFargate(svc):
		return "awsvpc"
	}
	return "bridge"
}

// FargateProvidersUsed are the Fargate capacity providers any strategy of the spec names, sorted.
func (s *Spec) FargateProvidersUsed() []string {
	used := map[string]bool{}
	add := func(st map[string]StrategyItem) {
		for name := range st {
			if IsFargateProvider(name) {
				used[name] = true
			}
		}
	}
	add(s.DefaultStrategy())
	for _, svc := range s.Services {
		add(svc.Capacity)
	}
	return slices.Sorted(maps.Keys(used))
}

// PlatformVersion is the Fargate platform version a service pins: the spec's, or 1.4.0 when
// the task mounts EFS, or LATEST.
func (s *Spec) PlatformVersion(svc Service) string {
	if svc.PlatformVersion != "" {
		return svc.PlatformVersion
	}
	for _, v := range svc.Volumes {
		if v.EFS != nil {
			return "1.4.0"
		}
	}
	return "LATEST"
}

// Target is the container and port a service's load balancer sends traffic to: the spec's, or
// the first container (by name) with ports, and its first port.
func (s *Spec) Target(svc Service) (container string, port int) {
	lb := svc.LoadBalancer
	if lb == nil {
		return "", 0
	}
	container, port = lb.Container, lb.Port
	if container == "" {
		for _, name := range slices.Sorted(maps.Keys(svc.Containers)) {
			if len(svc.Containers[name].Ports) > 0 {
				container = name
				break
			}
		}
	}
	if port == 0 {
		if c, ok := svc.Containers[container]; ok && len(c.Ports) > 0 {
			port = c.Ports[0].Container
		}
	}
	return container, port
}

// ExecutionRoleARN is the existing role a service's tasks start with: the service's, or the
// spec's shared one; empty when ecsgen creates the service's execution role.
func (s *Spec) ExecutionRoleARN(svc Service) string {
	if svc.ExecutionRole.ARN != "" {
		return svc.ExecutionRole.ARN
	}
	return s.ExecutionRole.ARN
}

// CreatesInstanceRole reports whether some EC2 capacity uses the instance role ecsgen creates
// (it names no instance profile of its own).
func (s *Spec) CreatesInstanceRole() bool {
	for _, c := range s.Cluster.Capacity.EC2 {
		if c.InstanceProfile == "" {
			return true
		}
	}
	return false
}

// NativeBlueGreen reports whether a service deploys with an ECS-native blue/green strategy
// (all at once, canary or linear traffic shifting).
func (d Deployment) NativeBlueGreen() bool {
	return d.Strategy == BlueGreen || d.Strategy == CanaryDeployment || d.Strategy == LinearDeployment
}

// DedicatedListeners maps each (load balancer, listener) that forwards all of its traffic to one
// service to that service: every listener of a network load balancer, and the listeners of a
// service deployed through CodeDeploy (CodeDeploy shifts traffic by rewriting the listener's
// default action). Other listeners are shared: services attach to them with rules. A dedicated
// listener is created in its service's stack. (When two services claim one listener, a rule
// reports it; the first by name is kept here.)
func (s *Spec) DedicatedListeners() map[[2]string]string {
	out := map[[2]string]string{}
	for _, name := range slices.Sorted(maps.Keys(s.Services)) {
		svc := s.Services[name]
		slb := svc.LoadBalancer
		if slb == nil {
			continue
		}
		lb, ok := s.LoadBalancers[slb.Name]
		if !ok || (lb.Type != "network" && svc.Deployment.Strategy != CodeDeployBlueGreen) {
			continue
		}
		for _, l := range []string{slb.Listener, slb.TestListener} {
			key := [2]string{slb.Name, l}
			if _, taken := out[key]; l != "" && !taken {
				out[key] = name
			}
		}
	}
	return out
}

// AccessLogsOn reports whether a load balancer writes access logs: as the spec says, or by
// default unless the environment is ephemeral.
func (s *Spec) AccessLogsOn(lb LoadBalancer) bool {
	if lb.AccessLogs.Enabled != nil {
		return *lb.AccessLogs.Enabled
	}
	return !s.Ephemeral
}

// UsesAutoScalingNotifications reports whether an Auto Scaling group sends its events to the
// notifications topic (they publish through Auto Scaling's service-linked role).
func (s *Spec) UsesAutoScalingNotifications() bool {
	for _, c := range s.Cluster.Capacity.EC2 {
		if c.Notifications {
			return true
		}
	}
	return false
}

// UsesNotificationsTopic reports whether anything in the spec sends to the notifications topic.
func (s *Spec) UsesNotificationsTopic() bool {
	for _, c := range s.Cluster.Capacity.EC2 {
		if c.Notifications {
			return true
		}
		for _, p := range c.Scaling.StepScaling {
			if p.Notify {
				return true
			}
		}
	}
	for _, svc := range s.Services {
		if svc.Autoscaling == nil {
			continue
		}
		for _, p := range svc.Autoscaling.StepScaling {
			if p.Notify {
				return true
			}
		}
	}
	return false
}

// InitialDesiredCount is the number of tasks the service starts with: desiredCount as the spec
// writes it; without it 1, or with autoscaling 1 brought into the scaling's range (the count
// Application Auto Scaling would move it to at once).
func (svc Service) InitialDesiredCount() int {
	if svc.DesiredCount != nil {
		return *svc.DesiredCount
	}
	if a := svc.Autoscaling; a != nil && a.Min <= a.Max {
		return max(a.Min, min(1, a.Max))
	}
	return 1
}

// Where subnets come from (SubnetPlacement.From).
const (
	OwnSubnets     = "own"            // the resource's own subnets field
	NetworkSubnets = "subnets"        // network.subnets
	PublicSubnets  = "publicSubnets"  // network.publicSubnets
	PrivateSubnets = "privateSubnets" // network.privateSubnets
)

// SubnetPlacement is the subnets a resource is placed in, and the spec field they come from.
type SubnetPlacement struct {
	Subnets []string
	From    string
}

// place picks a resource's subnets: its own, or the network's of the kind it needs (public or
// private), or network.subnets, or, last, the network's of the other kind (which the rules
// report as a placement that cannot work).
//
// In a network ecsgen creates, the kind alone decides, and the subnets are the created ones,
// known only at deploy time (Subnets is empty); a resource's own subnets are refused (R65).
func (s *Spec) place(own []string, public bool) SubnetPlacement {
	n := s.Network
	if s.CreatesNetwork() {
		if public {
			return SubnetPlacement{From: PublicSubnets}
		}
		return SubnetPlacement{From: PrivateSubnets}
	}
	want, other := SubnetPlacement{n.PrivateSubnets, PrivateSubnets}, SubnetPlacement{n.PublicSubnets, PublicSubnets}
	if public {
		want, other = other, want
	}
	for _, p := range []SubnetPlacement{{own, OwnSubnets}, want, {n.Subnets, NetworkSubnets}, other} {
		if len(p.Subnets) > 0 {
			return p
		}
	}
	return SubnetPlacement{From: NetworkSubnets}
}

// LoadBalancerPlacement: internet-facing load balancers in public subnets, internal ones in
// private subnets.
func (s *Spec) LoadBalancerPlacement(lb LoadBalancer) SubnetPlacement {
	return s.place(lb.Subnets, lb.Scheme == "internet-facing")
}

// TaskPlacement is where an awsvpc service's tasks run: private subnets unless they get a
// public IP.
func (s *Spec) TaskPlacement(svc Service) SubnetPlacement {
	return s.place(svc.Subnets, svc.AssignPublicIP)
}

// InstancePlacement is where an Auto Scaling group launches instances: private subnets unless
// they get a public IP.
func (s *Spec) InstancePlacement(c EC2Capacity) SubnetPlacement {
	return s.place(c.Subnets, c.AssociatePublicIP)
}
