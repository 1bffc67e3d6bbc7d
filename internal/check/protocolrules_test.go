package check

import (
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// withGRPC puts the base service behind an HTTPS listener of the application load balancer as
// a gRPC target whose health check calls the gRPC health service.
func withGRPC(s *schema.Spec) {
	withALB(s)
	s.LoadBalancers["public"].Listeners["https"] = schema.Listener{Port: 443, Protocol: "HTTPS", SSLPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
		Certificates: []string{"arn:aws:acm:ap-northeast-1:123456789012:certificate/0a1b2c3d"}}
	editWeb(s, func(svc *schema.Service) {
		svc.LoadBalancer.Listener = "https"
		svc.LoadBalancer.ProtocolVersion = schema.ProtocolGRPC
		svc.LoadBalancer.HealthCheck.Path = "/grpc.health.v1.Health/Check"
	})
}

func TestProtocolVersions(t *testing.T) {
	s := base()
	withGRPC(s)
	editWeb(s, func(svc *schema.Service) {
		svc.LoadBalancer.HealthCheck.GrpcCode = "0,12"
		c := svc.Containers["web"]
		c.Ports = append(c.Ports, schema.PortMapping{Container: 9090, Protocol: "tcp"})
		svc.Containers["web"] = c
		admin := additionalTarget(9090, "/admin/*")
		admin.Listener, admin.ProtocolVersion = "https", schema.ProtocolHTTP2
		svc.LoadBalancer.AdditionalTargets = map[string]schema.AdditionalTarget{"admin": admin}
	})
	if got := run(s); len(got) != 0 {
		t.Fatalf("a gRPC target and an HTTP/2 one behind an HTTPS listener: want no finding, got:\n%s", got)
	}

	for _, tc := range []struct {
		name string
		edit func(*schema.Spec)
		want string
	}{
		{"R90 gRPC behind an HTTP listener", func(s *schema.Spec) {
			editWeb(s, func(svc *schema.Service) { svc.LoadBalancer.Listener = "http" })
		}, "spec.cue:20:2: services.web.loadBalancer.protocolVersion: [R90] GRPC target groups take traffic from HTTPS listeners only, and listener http of public is HTTP — forward from an HTTPS listener (clients reach the load balancer over TLS), or leave protocolVersion out"},
		{"R90 HTTP/2 additional target behind an HTTP listener", func(s *schema.Spec) {
			editWeb(s, func(svc *schema.Service) {
				c := svc.Containers["web"]
				c.Ports = append(c.Ports, schema.PortMapping{Container: 9090, Protocol: "tcp"})
				svc.Containers["web"] = c
				admin := additionalTarget(9090, "/admin/*")
				admin.ProtocolVersion = schema.ProtocolHTTP2
				svc.LoadBalancer.AdditionalTargets = map[string]schema.AdditionalTarget{"admin": admin}
			})
		}, "spec.cue:20:2: services.web.loadBalancer.additionalTargets.admin.protocolVersion: [R90] HTTP2 target groups take traffic from HTTPS listeners only, and listener http of public is HTTP — forward from an HTTPS listener (clients reach the load balancer over TLS), or leave protocolVersion out"},
		{"R90 gRPC behind a network load balancer", func(s *schema.Spec) {
			lb := s.LoadBalancers["public"]
			lb.Type = "network"
			lb.Listeners = map[string]schema.Listener{"https": {Port: 443, Protocol: "TCP"}}
			s.LoadBalancers["public"] = lb
		}, "spec.cue:20:2: services.web.loadBalancer.protocolVersion: [R90] GRPC target groups need an application load balancer, and public is a network load balancer — leave protocolVersion out, or put the service behind an application load balancer with an HTTPS listener"},
		{"R91 gRPC codes without gRPC", func(s *schema.Spec) {
			editWeb(s, func(svc *schema.Service) {
				svc.LoadBalancer.ProtocolVersion = schema.ProtocolHTTP1
				svc.LoadBalancer.HealthCheck.Path = "/"
				svc.LoadBalancer.HealthCheck.GrpcCode = "0"
			})
		}, `spec.cue:20:2: services.web.loadBalancer.healthCheck.grpcCode: [R91] gRPC codes are counted only by the health checks of a GRPC target group, and this one is HTTP1 — set protocolVersion: "GRPC", or count HTTP codes with healthCheck.matcher`},
		{"R92 gRPC health check on an HTTP path", func(s *schema.Spec) {
			editWeb(s, func(svc *schema.Service) { svc.LoadBalancer.HealthCheck.Path = "/" })
		}, `spec.cue:20:2: services.web.loadBalancer.healthCheck.path: [R92] the health check of a GRPC target group calls a gRPC method, /package.service/method, and "/" is not one — name the gRPC method the health check calls, e.g. "/grpc.health.v1.Health/Check"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			withGRPC(s)
			tc.edit(s)
			got := run(s)
			if len(got) != 1 {
				t.Fatalf("want exactly one finding, got %d:\n%s", len(got), got)
			}
			if g := got[0].String(); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
		})
	}
}

// editWeb edits the base service.
func editWeb(s *schema.Spec, f func(*schema.Service)) {
	svc := s.Services["web"]
	f(&svc)
	s.Services["web"] = svc
}
