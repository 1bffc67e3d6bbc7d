package schema

import (
	"cmp"
	"maps"
	"slices"
)

// Service-to-service traffic: the cluster's Cloud Map namespace, Service Connect, Cloud Map
// service discovery, and which services call which (spec.cue documents each field).

// Namespace types (cluster.namespace.type).
const (
	NamespaceHTTP       = "http"
	NamespacePrivateDNS = "privateDns"
)

// Namespace is the cluster's Cloud Map namespace: an existing one (ARN) or one ecsgen creates.
type Namespace struct {
	ARN  string `json:"arn,omitempty"`
	Name string `json:"name,omitempty"`
	Type string `json:"type"`
}

// ServiceConnect is a service's Service Connect configuration.
type ServiceConnect struct {
	Services []ServiceConnectService `json:"services"`
	Log      bool                    `json:"log"`
}

// ServiceConnectService is one endpoint a service offers.
type ServiceConnectService struct {
	PortName            string        `json:"portName"`
	DiscoveryName       string        `json:"discoveryName,omitempty"`
	ClientAliases       []ClientAlias `json:"clientAliases"`
	IngressPortOverride int           `json:"ingressPortOverride,omitempty"`
}

// ClientAlias is a name and port Service Connect clients connect to.
type ClientAlias struct {
	Port    int    `json:"port"`
	DNSName string `json:"dnsName,omitempty"`
}

// ServiceDiscovery registers a service's tasks as DNS records of a Cloud Map service.
type ServiceDiscovery struct {
	Name      string `json:"name,omitempty"`
	Records   string `json:"records"`
	Container string `json:"container,omitempty"`
	Port      int    `json:"port,omitempty"`
	TTL       int    `json:"ttl"`
}

// Discovery is the Cloud Map service name of a Service Connect endpoint: its discoveryName,
// or its port name.
func (c ServiceConnectService) Discovery() string {
	if c.DiscoveryName != "" {
		return c.DiscoveryName
	}
	return c.PortName
}

// ServiceName is the name of the Cloud Map service a service's serviceDiscovery
// registers its tasks in: the spec's, or the service's key.
func (d ServiceDiscovery) ServiceName(service string) string {
	if d.Name != "" {
		return d.Name
	}
	return service
}

// NamedPort finds the port mapping of a service's task named name, and its container.
func (svc Service) NamedPort(name string) (container string, port PortMapping, ok bool) {
	for _, cname := range sortedNames(svc.Containers) {
		for _, p := range svc.Containers[cname].Ports {
			if p.Name == name {
				return cname, p, true
			}
		}
	}
	return "", PortMapping{}, false
}

// CalleePort is a port a service's tasks admit its callers on.
type CalleePort struct {
	Protocol string
	Port     int
}

// CalleePorts are the ports a service admits the services that call it on: its Service
// Connect endpoints' ports (the proxy's ingress port), the port its SRV records hold, or, when
// it offers neither, every port of its containers. Sorted, without duplicates.
func (svc Service) CalleePorts() []CalleePort {
	seen := map[CalleePort]bool{}
	var out []CalleePort
	add := func(p CalleePort) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	if sc := svc.ServiceConnect; sc != nil {
		for _, e := range sc.Services {
			if e.IngressPortOverride != 0 {
				add(CalleePort{"tcp", e.IngressPortOverride})
			} else if _, p, ok := svc.NamedPort(e.PortName); ok {
				add(CalleePort{"tcp", p.Container})
			}
		}
	}
	if sd := svc.ServiceDiscovery; sd != nil {
		if sd.Records == "SRV" && sd.Port != 0 {
			proto := "tcp"
			if c, ok := svc.Containers[sd.Container]; ok {
				for _, p := range c.Ports {
					if p.Container == sd.Port {
						proto = p.Protocol
					}
				}
			}
			add(CalleePort{proto, sd.Port})
		} else {
			for _, cname := range sortedNames(svc.Containers) {
				for _, p := range svc.Containers[cname].Ports {
					add(CalleePort{p.Protocol, p.Container})
				}
			}
		}
	}
	sortCalleePorts(out)
	return out
}

// CallingServices are the services that call at least one other, sorted. Each gets a client
// security group in the cluster stack.
func (s *Spec) CallingServices() []string {
	var out []string
	for _, name := range sortedNames(s.Services) {
		if len(s.Services[name].Calls) > 0 {
			out = append(out, name)
		}
	}
	return out
}

func sortedNames[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func sortCalleePorts(ps []CalleePort) {
	slices.SortFunc(ps, func(a, b CalleePort) int {
		return cmp.Or(cmp.Compare(a.Port, b.Port), cmp.Compare(a.Protocol, b.Protocol))
	})
}
