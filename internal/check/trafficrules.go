package check

import (
	"fmt"
	"strings"

	"github.com/ecsgen/ecsgen/schema"
)

// Service-to-service traffic (Service Connect, Cloud Map service discovery, calls):
//   - R72: a service with serviceConnect or serviceDiscovery needs the cluster's namespace;
//     service discovery's DNS records need a private DNS namespace; an existing namespace is
//     in the spec's region (and account).
//   - R73: a Service Connect task runs in awsvpc or bridge network mode, sets task-level
//     memory above what its containers' hard limits take (the proxy lives in the rest), and
//     on Fargate uses platform 1.4.0 or later.
//   - R74: port names are unique within a task; an application protocol is TCP's; a Service
//     Connect endpoint's portName names a TCP port of the task.
//   - R75: discovery names (Cloud Map services) and client aliases (endpoints) are unique in
//     the namespace.
//   - R76: Service Connect does not run under the CODE_DEPLOY deployment controller.
//   - R77: a call names another service of the spec that offers Service Connect endpoints (to
//     a caller with serviceConnect) or serviceDiscovery, both in awsvpc network mode (the
//     security groups ecsgen derives are the tasks' own).
//   - R78: A records need awsvpc; SRV records name a container and one of its ports.

func init() {
	rules = append(rules, checkNamespace, checkServiceConnect, checkDiscoveryNames, checkCalls, checkServiceDiscovery)
}

func checkNamespace(c *checker) {
	s := c.spec
	ns := s.Cluster.Namespace
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		p := "services." + name
		for _, f := range []struct {
			field string
			on    bool
		}{{"serviceConnect", svc.ServiceConnect != nil}, {"serviceDiscovery", svc.ServiceDiscovery != nil}} {
			if f.on && ns == nil {
				c.errorf("R72", p+"."+f.field, `give the cluster one: cluster: namespace: {} (ecsgen creates it), or cluster: namespace: arn: "arn:aws:servicediscovery:…"`,
					"%s needs the cluster's Cloud Map namespace, and cluster.namespace is not set", f.field)
			}
		}
		if svc.ServiceDiscovery != nil && ns != nil && ns.ARN == "" && ns.Type == schema.NamespaceHTTP {
			c.errorf("R72", p+".serviceDiscovery", `make it cluster: namespace: type: "privateDns" (replaces the namespace), or use serviceConnect`,
				"serviceDiscovery registers DNS records, and the cluster's namespace is an HTTP namespace, which has no DNS")
		}
	}
	if ns == nil {
		return
	}
	if ns.ARN != "" {
		if ns.Name != "" {
			c.errorf("R72", "cluster.namespace.name", "remove name: the existing namespace has its own",
				"name names the namespace ecsgen creates, and arn names an existing one")
		}
		parts := strings.Split(ns.ARN, ":")
		if len(parts) > 4 && parts[3] != s.Region {
			c.errorf("R72", "cluster.namespace.arn", "use a namespace of "+s.Region+", or let ecsgen create one (leave arn out)",
				"the namespace is in %s, but Service Connect and service discovery use a namespace of the cluster's region %s", parts[3], s.Region)
		}
		if len(parts) > 4 && s.Account != "" && parts[4] != s.Account {
			c.errorf("R72", "cluster.namespace.arn", "use a namespace of account "+s.Account,
				"the namespace belongs to account %s, not to the spec's account %s", parts[4], s.Account)
		}
	}
}

func checkServiceConnect(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		p := "services." + name
		// R74: port names and protocols, whether or not Service Connect uses them.
		seen := map[string]string{}
		for _, cname := range sortedKeys(svc.Containers) {
			for i, pm := range svc.Containers[cname].Ports {
				pp := fmt.Sprintf("%s.containers.%s.ports[%d]", p, cname, i)
				if pm.Name != "" {
					if other, dup := seen[pm.Name]; dup {
						c.errorf("R74", pp+".name", "give each port of the task its own name",
							"port name %q is also the name of %s: names are unique within a task", pm.Name, other)
					} else {
						seen[pm.Name] = pp
					}
				}
				if pm.AppProtocol != "" && pm.Protocol != "tcp" {
					c.errorf("R74", pp+".appProtocol", "remove appProtocol, or make the port protocol: \"tcp\"",
						"appProtocol %s runs over TCP, and the port is %s", pm.AppProtocol, pm.Protocol)
				}
			}
		}
		sc := svc.ServiceConnect
		if sc == nil {
			continue
		}
		scp := p + ".serviceConnect"
		switch mode := s.NetworkMode(svc); mode {
		case "awsvpc", "bridge":
		default:
			c.errorf("R73", p+".networkMode", `use networkMode: "awsvpc" (or "bridge")`,
				"Service Connect runs in awsvpc or bridge network mode, not %s", mode)
		}
		if svc.Memory == 0 {
			c.errorf("R73", scp, "set the task's memory: the containers' share plus at least 64 MiB for the Service Connect proxy",
				"Service Connect needs task-level memory: the proxy ECS adds to each task runs in what the containers leave of it")
		} else {
			hard := 0
			for _, ct := range svc.Containers {
				if ct.Memory != nil {
					hard += *ct.Memory
				}
			}
			if hard >= svc.Memory {
				c.errorf("R73", p+".memory", "raise memory above the containers' hard limits (at least 64 MiB more)",
					"the containers' hard memory limits take %d of the task's %d MiB, and the Service Connect proxy needs some of it", hard, svc.Memory)
			}
		}
		if s.OnFargate(svc) && s.PlatformVersion(svc) == "1.3.0" {
			c.errorf("R73", p+".platformVersion", `use platformVersion: "1.4.0" or "LATEST"`,
				"Service Connect needs Fargate platform version 1.4.0 or later")
		}
		if svc.Deployment.Strategy == schema.CodeDeployBlueGreen {
			c.errorf("R76", p+".deployment.strategy", `use an ECS-native strategy ("rolling", "blueGreen", "canary" or "linear")`,
				"Service Connect does not run under the CODE_DEPLOY deployment controller")
		}
		for i, es := range sc.Services {
			ep := fmt.Sprintf("%s.services[%d]", scp, i)
			_, pm, ok := svc.NamedPort(es.PortName)
			switch {
			case !ok:
				hint := "name a port: containers.<name>.ports: [{container: 8080, name: \"" + es.PortName + "\"}]"
				if len(seen) > 0 {
					hint = "the task's port names: " + strings.Join(sortedKeys(seen), ", ")
				}
				c.errorf("R74", ep+".portName", hint, "no port of the task is named %q", es.PortName)
			case pm.Protocol != "tcp":
				c.errorf("R74", ep+".portName", "Service Connect endpoints are TCP ports",
					"port %q is %s, and Service Connect proxies TCP", es.PortName, pm.Protocol)
			}
		}
	}
}

// checkDiscoveryNames (R75): every Cloud Map service of the namespace (a Service Connect
// endpoint's discovery name, a serviceDiscovery name) and every endpoint clients connect to (a
// client alias's DNS name and port) exists once.
func checkDiscoveryNames(c *checker) {
	s := c.spec
	names := map[string]string{}
	endpoints := map[string]string{}
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		if sc := svc.ServiceConnect; sc != nil {
			for i, es := range sc.Services {
				ep := fmt.Sprintf("services.%s.serviceConnect.services[%d]", name, i)
				d := es.Discovery()
				field := ".discoveryName"
				if es.DiscoveryName == "" {
					field = ".portName"
				}
				if other, dup := names[d]; dup {
					c.errorf("R75", ep+field, "give this endpoint its own discoveryName",
						"discovery name %q is also taken by %s: Cloud Map service names are unique in a namespace", d, other)
				} else {
					names[d] = ep
				}
				for j, a := range es.ClientAliases {
					dns := a.DNSName
					if dns == "" {
						dns = d
					}
					key := fmt.Sprintf("%s:%d", dns, a.Port)
					ap := fmt.Sprintf("%s.clientAliases[%d]", ep, j)
					if other, dup := endpoints[key]; dup {
						c.errorf("R75", ap, "give this alias another dnsName or port",
							"endpoint %s is also %s: endpoints are unique in a namespace", key, other)
					} else {
						endpoints[key] = ap
					}
				}
			}
		}
		if sd := svc.ServiceDiscovery; sd != nil {
			d := sd.ServiceName(name)
			p := "services." + name + ".serviceDiscovery"
			if other, dup := names[d]; dup {
				c.errorf("R75", p, "give it its own name (serviceDiscovery.name)",
					"Cloud Map service name %q is also taken by %s: names are unique in a namespace", d, other)
			} else {
				names[d] = p
			}
		}
	}
}

// checkCalls (R77).
func checkCalls(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		for i, callee := range svc.Calls {
			p := fmt.Sprintf("services.%s.calls[%d]", name, i)
			target, ok := s.Services[callee]
			switch {
			case callee == name:
				c.errorf("R77", p, "remove it: a service's tasks reach each other without it",
					"service %s calls itself", name)
				continue
			case !ok:
				c.errorf("R77", p, "the spec's services: "+strings.Join(sortedKeys(s.Services), ", "),
					"service %q is not a service of the spec", callee)
				continue
			}
			offersSC := target.ServiceConnect != nil && len(target.ServiceConnect.Services) > 0
			switch {
			case !offersSC && target.ServiceDiscovery == nil:
				c.errorf("R77", p, "give "+callee+" serviceConnect: services: [{portName: …}] or serviceDiscovery",
					"service %s offers no way to reach it: no Service Connect endpoint and no service discovery", callee)
				continue
			case target.ServiceDiscovery == nil && svc.ServiceConnect == nil:
				c.errorf("R77", p, "give "+name+" serviceConnect: {} (a client of the namespace)",
					"service %s is reached through Service Connect, and %s has no Service Connect proxy to reach it with", callee, name)
			}
			for _, end := range []struct{ svc, role string }{{name, "caller"}, {callee, "callee"}} {
				if mode := s.NetworkMode(s.Services[end.svc]); mode != "awsvpc" {
					c.errorf("R77", p, `run both in networkMode: "awsvpc", or leave calls out and open the capacity's ingress to the caller's instances`,
						"the %s %s runs in %s network mode: ecsgen derives the tasks' own security groups, which only awsvpc tasks have", end.role, end.svc, mode)
				}
			}
		}
	}
}

// checkServiceDiscovery (R78).
func checkServiceDiscovery(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		sd := svc.ServiceDiscovery
		if sd == nil {
			continue
		}
		p := "services." + name + ".serviceDiscovery"
		mode := s.NetworkMode(svc)
		if sd.Records == "A" {
			if mode != "awsvpc" {
				c.errorf("R78", p+".records", `use records: "SRV" with container and port`,
					"A records hold each task's own IP address, which only awsvpc tasks have (this one runs in %s network mode)", mode)
			}
			if sd.Container != "" || sd.Port != 0 {
				c.errorf("R78", p+".records", `use records: "SRV", or remove container and port`,
					"container and port are what SRV records hold, and the records are A records")
			}
			continue
		}
		if sd.Container == "" || sd.Port == 0 {
			c.errorf("R78", p, `e.g. serviceDiscovery: {records: "SRV", container: "app", port: 8080}`,
				"SRV records hold a container's port: give container and port")
			continue
		}
		ct, ok := svc.Containers[sd.Container]
		if !ok {
			c.errorf("R78", p+".container", "the service's containers: "+strings.Join(sortedKeys(svc.Containers), ", "),
				"container %q is not a container of the service", sd.Container)
			continue
		}
		found := false
		for _, pm := range ct.Ports {
			found = found || pm.Container == sd.Port
		}
		if !found {
			c.errorf("R78", p+".port", "use one of the container's ports (containers."+sd.Container+".ports)",
				"container %s has no port %d", sd.Container, sd.Port)
		}
	}
}
