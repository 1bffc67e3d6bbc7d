package check

import (
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// connected is a valid spec of two Fargate services in the cluster's namespace: web calls
// orders through Service Connect.
func connected() *schema.Spec {
	s := base()
	fargate(s)
	s.Cluster.Namespace = &schema.Namespace{Type: schema.NamespaceHTTP}
	web := s.Services["web"]
	web.ServiceConnect = &schema.ServiceConnect{Log: true}
	web.Calls = []string{"orders"}
	s.Services["web"] = web
	orders := web
	orders.Calls = nil
	orders.ServiceConnect = &schema.ServiceConnect{Log: true, Services: []schema.ServiceConnectService{
		{PortName: "http", ClientAliases: []schema.ClientAlias{{Port: 80, DNSName: "orders"}}},
	}}
	orders.Containers = map[string]schema.Container{"app": {Image: "orders:1", Essential: true,
		Ports: []schema.PortMapping{{Container: 8080, Protocol: "tcp", Name: "http", AppProtocol: "http"}}, Log: schema.Log{Driver: "awslogs"}}}
	s.Services["orders"] = orders
	return s
}

func TestConnectedIsClean(t *testing.T) {
	if f := run(connected()); len(f) > 0 {
		t.Fatalf("findings on a valid spec:\n%s", f)
	}
}

// Each case breaks one rule of service-to-service traffic and pins the messages.
func TestTrafficRules(t *testing.T) {
	edit := func(s *schema.Spec, name string, f func(*schema.Service)) {
		svc := s.Services[name]
		f(&svc)
		s.Services[name] = svc
	}
	cases := []struct {
		name string
		edit func(*schema.Spec)
		want []string
	}{
		{"R72 no namespace", func(s *schema.Spec) { s.Cluster.Namespace = nil }, []string{
			`services.orders.serviceConnect: [R72] serviceConnect needs the cluster's Cloud Map namespace, and cluster.namespace is not set`,
			`services.web.serviceConnect: [R72] serviceConnect needs the cluster's Cloud Map namespace`,
		}},
		{"R72 discovery in an HTTP namespace", func(s *schema.Spec) {
			edit(s, "orders", func(svc *schema.Service) { svc.ServiceDiscovery = &schema.ServiceDiscovery{Records: "A", TTL: 10} })
		}, []string{`services.orders.serviceDiscovery: [R72] serviceDiscovery registers DNS records, and the cluster's namespace is an HTTP namespace, which has no DNS`}},
		{"R72 namespace of another region", func(s *schema.Spec) {
			s.Cluster.Namespace.ARN = "arn:aws:servicediscovery:eu-west-1:123456789012:namespace/ns-abcdefghijklmnop"
		}, []string{`cluster.namespace.arn: [R72] the namespace is in eu-west-1, but Service Connect and service discovery use a namespace of the cluster's region ap-northeast-1`}},
		{"R73 host network mode and no task memory", func(s *schema.Spec) {
			edit(s, "orders", func(svc *schema.Service) {
				svc.Capacity = map[string]schema.StrategyItem{"general": {Weight: 1}}
				svc.NetworkMode, svc.Memory, svc.CPU = "host", 0, 0
				c := svc.Containers["app"]
				c.Memory = intp(256)
				svc.Containers = map[string]schema.Container{"app": c}
			})
		}, []string{
			`services.orders.networkMode: [R73] Service Connect runs in awsvpc or bridge network mode, not host`,
			`services.orders.serviceConnect: [R73] Service Connect needs task-level memory`,
			`[R77] the callee orders runs in host network mode`,
		}},
		{"R73 containers take the task's memory", func(s *schema.Spec) {
			edit(s, "orders", func(svc *schema.Service) {
				c := svc.Containers["app"]
				c.Memory = intp(1024)
				svc.Containers = map[string]schema.Container{"app": c}
			})
		}, []string{`services.orders.memory: [R73] the containers' hard memory limits take 1024 of the task's 1024 MiB`}},
		{"R73 platform 1.3.0", func(s *schema.Spec) {
			edit(s, "orders", func(svc *schema.Service) { svc.PlatformVersion = "1.3.0" })
		}, []string{`services.orders.platformVersion: [R73] Service Connect needs Fargate platform version 1.4.0 or later`}},
		{"R74 unknown port name, duplicate name, UDP application protocol", func(s *schema.Spec) {
			edit(s, "orders", func(svc *schema.Service) {
				svc.ServiceConnect.Services[0].PortName = "grpc"
				svc.Containers["side"] = schema.Container{Image: "side:1", Ports: []schema.PortMapping{{Container: 9090, Protocol: "udp", Name: "http", AppProtocol: "grpc"}}}
			})
		}, []string{
			`services.orders.containers.side.ports[0].appProtocol: [R74] appProtocol grpc runs over TCP, and the port is udp`,
			`services.orders.containers.side.ports[0].name: [R74] port name "http" is also the name of services.orders.containers.app.ports[0]`,
			`services.orders.serviceConnect.services[0].portName: [R74] no port of the task is named "grpc" — the task's port names: http`,
		}},
		{"R75 discovery name and endpoint taken twice", func(s *schema.Spec) {
			edit(s, "web", func(svc *schema.Service) {
				svc.Containers = map[string]schema.Container{"web": {Image: "nginx:1", Essential: true, Ports: []schema.PortMapping{{Container: 80, Protocol: "tcp", Name: "http"}}}}
				svc.ServiceConnect.Services = []schema.ServiceConnectService{{PortName: "http", ClientAliases: []schema.ClientAlias{{Port: 80, DNSName: "orders"}}}}
			})
		}, []string{
			`services.web.serviceConnect.services[0].clientAliases[0]: [R75] endpoint orders:80 is also services.orders.serviceConnect.services[0].clientAliases[0]`,
			`services.web.serviceConnect.services[0].portName: [R75] discovery name "http" is also taken by services.orders.serviceConnect.services[0]`,
		}},
		{"R76 CodeDeploy", func(s *schema.Spec) {
			edit(s, "orders", func(svc *schema.Service) { svc.Deployment.Strategy = schema.CodeDeployBlueGreen })
		}, []string{
			`services.orders.deployment.strategy: [R76] Service Connect does not run under the CODE_DEPLOY deployment controller`,
			`services.orders.deployment.strategy: [R49]`,
		}},
		{"R77 calls", func(s *schema.Spec) {
			edit(s, "web", func(svc *schema.Service) {
				svc.ServiceConnect = nil
				svc.Calls = []string{"web", "payments", "orders"}
			})
		}, []string{
			`services.web.calls[0]: [R77] service web calls itself`,
			`services.web.calls[1]: [R77] service "payments" is not a service of the spec — the spec's services: orders, web`,
			`services.web.calls[2]: [R77] service orders is reached through Service Connect, and web has no Service Connect proxy to reach it with`,
		}},
		{"R77 callee unreachable", func(s *schema.Spec) {
			edit(s, "orders", func(svc *schema.Service) { svc.ServiceConnect.Services = nil })
		}, []string{`services.web.calls[0]: [R77] service orders offers no way to reach it: no Service Connect endpoint and no service discovery`}},
		{"R78 A records in bridge mode, SRV without a port", func(s *schema.Spec) {
			s.Cluster.Namespace.Type = schema.NamespacePrivateDNS
			edit(s, "web", func(svc *schema.Service) {
				svc.Capacity = map[string]schema.StrategyItem{"general": {Weight: 1}}
				svc.NetworkMode = "bridge"
				svc.Calls = nil
				svc.ServiceDiscovery = &schema.ServiceDiscovery{Records: "A", TTL: 10}
			})
			edit(s, "orders", func(svc *schema.Service) {
				svc.ServiceDiscovery = &schema.ServiceDiscovery{Records: "SRV", Container: "app", Port: 9999, TTL: 10}
			})
		}, []string{
			`services.orders.serviceDiscovery.port: [R78] container app has no port 9999`,
			`services.web.serviceDiscovery.records: [R78] A records hold each task's own IP address, which only awsvpc tasks have (this one runs in bridge network mode)`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := connected()
			tc.edit(s)
			got := strings.TrimSpace(run(s).String())
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("want a finding containing\n  %s\ngot:\n%s", w, got)
				}
			}
			if n, w := strings.Count(got, "\n")+1, len(tc.want); got == "" || n != w {
				t.Errorf("want %d findings, got %d:\n%s", w, n, got)
			}
		})
	}
}
