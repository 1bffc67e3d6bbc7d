package generators

import (
	"container/heap"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/ec2"
	"github.com/awslabs/goformation/v7/cloudformation/ecs"
	"github.com/awslabs/goformation/v7/cloudformation/servicediscovery"

	"github.com/ecsgen/ecsgen/schema"
)

// Service-to-service traffic: the cluster's Cloud Map namespace (cluster stack), each
// service's Service Connect configuration and Cloud Map service (service stack), and the
// security groups derived from which services call which.
//
// The security groups never make one service stack import from another: the cluster stack,
// deployed before every service stack, creates one empty "client" security group per calling
// service and exports it; the caller's tasks carry it, and each callee's task security group
// admits it on the callee's ports. Services that call each other therefore deploy in any order,
// and a cycle of calls is no cycle of stacks. Removing a caller removes its group's export
// only after the service stacks that import it stopped importing it: deploy.sh then deploys
// the existing service stacks before the cluster stack (see deploy.sh.tmpl).

const discoveryServiceID = "DiscoveryService"

// Exported values of the cluster stack for service-to-service traffic.
const (
	ExportNamespaceArn = "NamespaceArn"
	ExportNamespaceID  = "NamespaceId"
)

// ExportClientSecurityGroup is the export of a calling service's client security group id.
func ExportClientSecurityGroup(service string) string { return service + ":ClientSecurityGroupId" }

func clientSecurityGroupID(service string) string { return logicalID(service) + "ClientSecurityGroup" }

// NamespaceName is the name of the Cloud Map namespace ecsgen creates: the spec's, or
// {system}-{env}.internal (the first label within DNS's 63 characters).
func NamespaceName(s *schema.Spec) string {
	if n := s.Cluster.Namespace; n != nil && n.Name != "" {
		return n.Name
	}
	return Fit(Prefix(s), 63) + ".internal"
}

// namespace adds the cluster's Cloud Map namespace to the cluster stack (unless the spec names
// an existing one), exports its ARN and id, and makes it the cluster's Service Connect default.
func (e *env) namespace(t *cloudformation.Template, st *stack, cluster *ecs.Cluster) {
	s := e.spec
	ns := s.Cluster.Namespace
	if ns == nil {
		return
	}
	if ns.ARN != "" {
		cluster.ServiceConnectDefaults = &ecs.Cluster_ServiceConnectDefaults{Namespace: ptr(ns.ARN)}
		return
	}
	description := ptr("Service Connect and service discovery of ECS cluster " + ClusterName(s))
	// One logical id per type: CloudFormation cannot change a resource's type in place, so
	// another type is another resource (whose new exports the plan shows as blocked while
	// service stacks import the old ones).
	namespaceID := "HttpNamespace"
	switch ns.Type {
	case schema.NamespacePrivateDNS:
		namespaceID = "PrivateDnsNamespace"
		t.Resources[namespaceID] = &servicediscovery.PrivateDnsNamespace{
			Name:        NamespaceName(s),
			Vpc:         e.vpcRef(t, st, vpcParam, "VPC of the cluster"),
			Description: description,
			Tags:        e.tags(nil),
		}
	default:
		t.Resources[namespaceID] = &servicediscovery.HttpNamespace{
			Name:        NamespaceName(s),
			Description: description,
			Tags:        e.tags(nil),
		}
	}
	cluster.ServiceConnectDefaults = &ecs.Cluster_ServiceConnectDefaults{Namespace: ptr(GetAtt(namespaceID, "Arn"))}
	e.export(t, "NamespaceArn", "ARN of the Cloud Map namespace "+NamespaceName(s), GetAtt(namespaceID, "Arn"), ExportNamespaceArn)
	e.export(t, "NamespaceId", "Id of the Cloud Map namespace "+NamespaceName(s), GetAtt(namespaceID, "Id"), ExportNamespaceID)
}

// clientSecurityGroups adds to the cluster stack the security group of each calling service:
// it admits nothing itself; the caller's tasks carry it and the services it calls admit it.
func (e *env) clientSecurityGroups(t *cloudformation.Template, st *stack) {
	s := e.spec
	for _, name := range s.CallingServices() {
		id := clientSecurityGroupID(name)
		t.Resources[id] = &ec2.SecurityGroup{
			GroupDescription: "Calls from the tasks of ECS service " + ServiceName(s, name),
			VpcId:            ptr(e.vpcRef(t, st, vpcParam, "VPC of the cluster")),
			Tags:             e.tags(nameTag(s, Name(s, name+"-client"))),
		}
		e.export(t, id+"Id", "Security group the tasks of ECS service "+ServiceName(s, name)+" carry, which the services it calls admit",
			Ref(id), ExportClientSecurityGroup(name))
	}
}

// namespaceArn is the namespace's ARN in a service stack: the spec's, or the cluster stack's
// export.
func (e *env) namespaceArn() string {
	if arn := e.spec.Cluster.Namespace.ARN; arn != "" {
		return arn
	}
	return ImportValue(exportName(e.spec, ExportNamespaceArn))
}

// namespaceID is the namespace's id in a service stack: the last part of the spec's ARN, or
// the cluster stack's export.
func (e *env) namespaceID() string {
	if arn := e.spec.Cluster.Namespace.ARN; arn != "" {
		return arn[strings.LastIndex(arn, "/")+1:]
	}
	return ImportValue(exportName(e.spec, ExportNamespaceID))
}

// serviceConnect is a service's Service Connect configuration: the namespace, the endpoints
// it offers, and its proxy's log, written to the service's default log group.
func (e *env) serviceConnect(name string, svc schema.Service, service *ecs.Service) {
	sc := svc.ServiceConnect
	if sc == nil {
		return
	}
	cfg := &ecs.Service_ServiceConnectConfiguration{Enabled: true, Namespace: ptr(e.namespaceArn())}
	for _, es := range sc.Services {
		out := ecs.Service_ServiceConnectService{PortName: es.PortName}
		if es.DiscoveryName != "" {
			out.DiscoveryName = ptr(es.DiscoveryName)
		}
		for _, a := range es.ClientAliases {
			alias := ecs.Service_ServiceConnectClientAlias{Port: a.Port}
			if a.DNSName != "" {
				alias.DnsName = ptr(a.DNSName)
			}
			out.ClientAliases = append(out.ClientAliases, alias)
		}
		if es.IngressPortOverride != 0 {
			out.IngressPortOverride = ptr(es.IngressPortOverride)
		}
		cfg.Services = append(cfg.Services, out)
	}
	if sc.Log {
		cfg.LogConfiguration = &ecs.Service_LogConfiguration{
			LogDriver: ptr("awslogs"),
			Options: map[string]string{
				"awslogs-group":         LogGroupName(e.spec, name),
				"awslogs-region":        e.spec.Region,
				"awslogs-stream-prefix": "service-connect",
			},
		}
	}
	service.ServiceConnectConfiguration = cfg
}

// serviceDiscovery creates the Cloud Map service a service's tasks are registered in as DNS
// records, with ECS reporting their health (a custom health check), and registers them.
func (e *env) serviceDiscovery(t *cloudformation.Template, name string, svc schema.Service, service *ecs.Service) {
	sd := svc.ServiceDiscovery
	if sd == nil {
		return
	}
	t.Resources[discoveryServiceID] = &servicediscovery.Service{
		Name:        ptr(sd.ServiceName(name)),
		Description: ptr("Tasks of ECS service " + ServiceName(e.spec, name)),
		NamespaceId: ptr(e.namespaceID()),
		DnsConfig: &servicediscovery.Service_DnsConfig{
			DnsRecords:    []servicediscovery.Service_DnsRecord{{Type: sd.Records, TTL: float64(sd.TTL)}},
			RoutingPolicy: ptr("MULTIVALUE"),
		},
		HealthCheckCustomConfig: &servicediscovery.Service_HealthCheckCustomConfig{FailureThreshold: ptr(float64(1))},
		Tags:                    e.tags(nil),
	}
	reg := ecs.Service_ServiceRegistry{RegistryArn: ptr(GetAtt(discoveryServiceID, "Arn"))}
	if sd.Records == "SRV" {
		reg.ContainerName, reg.ContainerPort = ptr(sd.Container), ptr(sd.Port)
	}
	service.ServiceRegistries = []ecs.Service_ServiceRegistry{reg}
}

// callerSecurityGroups are the security groups the service's tasks carry because they call
// other services: the client security group of the cluster stack.
func (e *env) callerSecurityGroups(name string, svc schema.Service) []string {
	if len(svc.Calls) == 0 {
		return nil
	}
	return []string{ImportValue(exportName(e.spec, ExportClientSecurityGroup(name)))}
}

// admitCallers lets the services that call this one reach its tasks on its ports: their client
// security groups, nothing broader.
func (e *env) admitCallers(name string, svc schema.Service, sg *ec2.SecurityGroup) {
	s := e.spec
	for _, caller := range e.callers[name] {
		for _, p := range svc.CalleePorts() {
			sg.SecurityGroupIngress = append(sg.SecurityGroupIngress, ec2.SecurityGroup_Ingress{
				IpProtocol:            p.Protocol,
				FromPort:              ptr(p.Port),
				ToPort:                ptr(p.Port),
				SourceSecurityGroupId: ptr(ImportValue(exportName(s, ExportClientSecurityGroup(caller)))),
				Description:           ptr("Calls from ECS service " + ServiceName(s, caller)),
			})
		}
	}
}

// callOrder reorders the service stacks' deploy order (names) so that a service that others
// call comes before its callers, since a task resolves only the Service Connect endpoints that
// exist when it starts; otherwise, and within a cycle of calls, the order stays.
//
// Each step takes the first service of names whose callees are all placed, or, when none is (a
// cycle), the first service not placed yet. It keeps a count of each service's callees still
// to place and a heap of the ready ones by position: scanning names from the start at each
// step made the order quadratic (5 * 10^7 look-ups at 10 000 services).
func callOrder(s *schema.Spec, names []string) []string {
	index := make(map[string]int, len(names))
	for i, n := range names {
		index[n] = i
	}
	waiting := make([]int, len(names))   // callees of each service not placed yet
	callers := make([][]int, len(names)) // the services that wait for each one
	for i, n := range names {
		counted := map[int]bool{}
		for _, c := range s.Services[n].Calls {
			if j, ok := index[c]; ok && j != i && !counted[j] {
				counted[j] = true
				waiting[i]++
				callers[j] = append(callers[j], i)
			}
		}
	}
	ready := &positions{}
	for i := range names {
		if waiting[i] == 0 {
			heap.Push(ready, i)
		}
	}
	placed := make([]bool, len(names))
	first := 0 // no service before it is left to place
	out := make([]string, 0, len(names))
	for len(out) < len(names) {
		var next int
		if ready.Len() > 0 {
			next = heap.Pop(ready).(int)
		} else { // a cycle: its first service by position
			for placed[first] {
				first++
			}
			next = first
		}
		if placed[next] {
			continue // placed in a cycle before its callees all were
		}
		placed[next] = true
		out = append(out, names[next])
		for _, k := range callers[next] {
			if waiting[k]--; waiting[k] == 0 && !placed[k] {
				heap.Push(ready, k)
			}
		}
	}
	return out
}

// positions is a min-heap of positions in a list (container/heap).
type positions []int

func (p positions) Len() int           { return len(p) }
func (p positions) Less(i, j int) bool { return p[i] < p[j] }
func (p positions) Swap(i, j int)      { p[i], p[j] = p[j], p[i] }
func (p *positions) Push(x any)        { *p = append(*p, x.(int)) }
func (p *positions) Pop() any {
	old := *p
	x := old[len(old)-1]
	*p = old[:len(old)-1]
	return x
}
