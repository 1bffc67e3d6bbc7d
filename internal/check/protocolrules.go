package check

import (
	"regexp"

	"github.com/ecsgen/ecsgen/schema"
)

// Protocol versions of a service's target groups (loadBalancer.protocolVersion and that of each
// additional target). Elastic Load Balancing sends HTTP/2 and gRPC to targets only from an
// application load balancer's HTTPS listener (R90); a health check counts gRPC codes only in a
// GRPC target group (R91), and the one of a GRPC target group calls a gRPC method,
// /package.service/method (R92).

func init() { rules = append(rules, checkProtocolVersions) }

// grpcMethodPath is a gRPC method's path: /package.service/method (the package may be dotted,
// e.g. /grpc.health.v1.Health/Check).
var grpcMethodPath = regexp.MustCompile(`^/[A-Za-z_][A-Za-z0-9_.]*/[A-Za-z_][A-Za-z0-9_]*$`)

func checkProtocolVersions(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		slb := svc.LoadBalancer
		if slb == nil {
			continue
		}
		p := "services." + name + ".loadBalancer"
		listeners := []string{slb.Listener}
		if slb.TestListener != "" {
			listeners = append(listeners, slb.TestListener)
		}
		c.protocolVersion(p, s.LoadBalancers[slb.Name], slb.Name, listeners, slb.ProtocolVersion, slb.HealthCheck)
		for _, k := range sortedKeys(slb.AdditionalTargets) {
			t := slb.AdditionalTargets[k]
			c.protocolVersion(p+".additionalTargets."+k, s.LoadBalancers[slb.Name], slb.Name, []string{t.Listener}, t.ProtocolVersion, t.HealthCheck)
		}
	}
}

// protocolVersion checks one target group's protocol version against the listeners that
// forward to it (path is the target's: the service's loadBalancer or an additional target).
func (c *checker) protocolVersion(path string, lb schema.LoadBalancer, lbName string, listeners []string, version string, hc schema.TargetHealth) {
	if version == schema.ProtocolHTTP2 || version == schema.ProtocolGRPC {
		if lb.Type != "application" {
			c.errorf("R90", path+".protocolVersion", `leave protocolVersion out, or put the service behind an application load balancer with an HTTPS listener`,
				"%s target groups need an application load balancer, and %s is a %s load balancer", version, lbName, lb.Type)
		} else {
			for _, l := range listeners {
				if ls, ok := lb.Listeners[l]; ok && ls.Protocol != "HTTPS" {
					c.errorf("R90", path+".protocolVersion", `forward from an HTTPS listener (clients reach the load balancer over TLS), or leave protocolVersion out`,
						"%s target groups take traffic from HTTPS listeners only, and listener %s of %s is %s", version, l, lbName, ls.Protocol)
				}
			}
		}
	}
	if hc.GrpcCode != "" && version != schema.ProtocolGRPC {
		c.errorf("R91", path+".healthCheck.grpcCode", `set protocolVersion: "GRPC", or count HTTP codes with healthCheck.matcher`,
			"gRPC codes are counted only by the health checks of a GRPC target group, and this one is %s", versionOrDefault(version))
	}
	if version == schema.ProtocolGRPC && !grpcMethodPath.MatchString(hc.Path) {
		c.errorf("R92", path+".healthCheck.path", `name the gRPC method the health check calls, e.g. "/grpc.health.v1.Health/Check"`,
			"the health check of a GRPC target group calls a gRPC method, /package.service/method, and %q is not one", hc.Path)
	}
}

func versionOrDefault(v string) string {
	if v == "" {
		return schema.ProtocolHTTP1
	}
	return v
}
