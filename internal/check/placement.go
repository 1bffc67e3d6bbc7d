package check

import (
	"fmt"
	"strings"

	"github.com/ecsgen/ecsgen/schema"
)

// Placement that can never succeed on EC2 capacity: more tasks than the capacity can hold at
// its maximum size (R42), no room for a rolling deployment's extra task (R12), and a fixed host
// port that services sharing a capacity both need (R12).

func init() {
	rules = append(rules, checkRoom, checkSharedHostPorts)
}

// taskSize is the memory and CPU a service's task reserves on an instance.
func taskSize(s *schema.Spec, svc schema.Service) (mem, cpu int) {
	for _, ct := range svc.Containers {
		switch {
		case ct.Memory != nil:
			mem += *ct.Memory
		case ct.MemoryReservation != nil:
			mem += *ct.MemoryReservation
		}
		if ct.CPU != nil {
			cpu += *ct.CPU
		}
	}
	if svc.Memory > 0 {
		mem = svc.Memory
	}
	if svc.CPU > 0 {
		cpu = svc.CPU
	}
	return mem, cpu
}

// slots is how many of a service's tasks its capacities hold at their maximum size, and false
// when an instance type is unknown.
func (c *checker) slots(svc schema.Service) (int, bool) {
	mem, cpu := taskSize(c.spec, svc)
	total := 0
	for _, name := range c.capacitiesOf(svc) {
		cp := c.spec.Cluster.Capacity.EC2[name]
		per := -1
		for _, it := range cp.AllInstanceTypes() { // the smallest type the group may launch
			size, ok := lookupInstance(it)
			if !ok || mem <= 0 {
				return 0, false
			}
			n := registeredMemory(size, c.spec.AgentSettings(name)) / mem
			if cpu > 0 {
				n = min(n, size.VCPU*1024/cpu)
			}
			if per < 0 || n < per {
				per = n
			}
		}
		if per == 0 {
			return 0, false // the task fits on no instance: fits (R42) reports it
		}
		total += per * cp.Size.Max
	}
	return total, len(c.capacitiesOf(svc)) > 0
}

// checkRoom: a service whose tasks do not all fit on its capacity at its maximum size, or whose
// rolling deployment may stop no task and has no room to start one more.
func checkRoom(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		if s.OnFargate(svc) || svc.Autoscaling != nil {
			continue // autoscaling counts are judged by R53
		}
		slots, ok := c.slots(svc)
		if !ok {
			continue
		}
		p := "services." + name
		caps := strings.Join(c.capacitiesOf(svc), ", ")
		d := svc.Deployment
		switch {
		case svc.InitialDesiredCount() > slots:
			c.errorf("R42", p+".desiredCount", "raise size.max of the capacity, use a larger instance type, or run fewer or smaller tasks",
				"%d tasks do not fit: capacity %s holds at most %d of this task at its maximum size", svc.InitialDesiredCount(), caps, slots)
		case svc.InitialDesiredCount() > 0 && d.MinimumHealthyPercent >= 100 && d.MaximumPercent > 100 && svc.InitialDesiredCount()+1 > slots && !c.fixedHostPort(svc):
			c.errorf("R12", p+".deployment", "raise size.max of the capacity, or set minimumHealthyPercent below 100 so that old tasks stop first",
				"a deployment starts new tasks beside the %d running ones, but capacity %s holds at most %d of this task: the deployment would never finish", svc.InitialDesiredCount(), caps, slots)
		}
	}
}

// fixedHostPort reports whether the service maps a fixed host port on its instances (R12's
// host port rule judges those).
func (c *checker) fixedHostPort(svc schema.Service) bool {
	if c.spec.NetworkMode(svc) == "awsvpc" {
		return false
	}
	for _, ct := range svc.Containers {
		for _, pm := range ct.Ports {
			if c.spec.NetworkMode(svc) == "host" || (pm.Host != nil && *pm.Host != 0) {
				return true
			}
		}
	}
	return false
}

// checkSharedHostPorts: services that map the same fixed host port can never share an instance;
// on a shared capacity, their tasks together (plus a deployment's extra task) need that many
// instances.
func checkSharedHostPorts(c *checker) {
	s := c.spec
	type user struct {
		service, path string
		tasks         int
	}
	byPort := map[string][]user{}
	var order []string
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		network := s.NetworkMode(svc)
		if s.OnFargate(svc) || network == "awsvpc" {
			continue
		}
		seen := map[string]bool{}
		for _, cname := range sortedKeys(svc.Containers) {
			for i, pm := range svc.Containers[cname].Ports {
				host := pm.Container
				if network == "bridge" {
					if pm.Host == nil || *pm.Host == 0 {
						continue
					}
					host = *pm.Host
				}
				key := fmt.Sprintf("%d/%s", host, pm.Protocol)
				if seen[key] {
					continue
				}
				seen[key] = true
				if byPort[key] == nil {
					order = append(order, key)
				}
				byPort[key] = append(byPort[key], user{name, fmt.Sprintf("services.%s.containers.%s.ports[%d]", name, cname, i), svc.InitialDesiredCount()})
			}
		}
	}
	for _, key := range order {
		users := byPort[key]
		if len(users) < 2 {
			continue
		}
		// The instances the services could share: the capacities they have in common.
		shared := map[string]bool{}
		for _, cp := range c.capacitiesOf(s.Services[users[0].service]) {
			shared[cp] = true
		}
		var names []string
		tasks := 0
		for _, u := range users {
			caps := map[string]bool{}
			for _, cp := range c.capacitiesOf(s.Services[u.service]) {
				caps[cp] = true
			}
			for cp := range shared {
				if !caps[cp] {
					delete(shared, cp)
				}
			}
			names = append(names, u.service)
			tasks += u.tasks
		}
		if len(shared) == 0 {
			continue
		}
		instances := 0
		var capNames []string
		for _, cp := range sortedKeys(shared) {
			instances += s.Cluster.Capacity.EC2[cp].Size.Max
			capNames = append(capNames, cp)
		}
		// A deployment that may not stop a task first needs one instance more.
		surge, plus := 0, ""
		for _, u := range users {
			if d := s.Services[u.service].Deployment; d.MaximumPercent > 100 || d.MinimumHealthyPercent >= 100 {
				surge, plus = 1, " plus one for a deployment"
			}
		}
		if tasks+surge > instances {
			last := users[len(users)-1]
			c.errorf("R12", last.path, "use dynamic host ports (leave host out) behind a load balancer, another host port, or raise size.max",
				"host port %s is mapped by services %s on capacity %s: an instance holds one task of them, and %d tasks%s need more than its %d instances",
				key, strings.Join(names, " and "), strings.Join(capNames, ", "), tasks, plus, instances)
		}
	}
}
