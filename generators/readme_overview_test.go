package generators

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// manyServices is spec() with n copies of its service; listeners gives each its own listener
// (on 10 load balancers), so that no two share a group by listener.
func manyServices(n int, listeners bool) *schema.Spec {
	s := twoServicesOnOneListener("web")
	base := s.Services["web"]
	s.Services = map[string]schema.Service{}
	s.LoadBalancers = map[string]schema.LoadBalancer{}
	for i := range n {
		lb, ln := fmt.Sprintf("lb%d", i%10), "http"
		if listeners {
			ln = fmt.Sprintf("l%03d", i)
		}
		l, ok := s.LoadBalancers[lb]
		if !ok {
			l = schema.LoadBalancer{Type: "application", Scheme: "internal", Listeners: map[string]schema.Listener{}}
		}
		l.Listeners[ln] = schema.Listener{Port: 8000 + i, Protocol: "HTTP"}
		s.LoadBalancers[lb] = l
		svc := base
		slb := *base.LoadBalancer
		slb.Name, slb.Listener = lb, ln
		svc.LoadBalancer = &slb
		s.Services[fmt.Sprintf("svc%03d", i)] = svc
	}
	return s
}

// A diagram too large for GitHub falls back step by step: services grouped by listeners and
// capacity providers; grouped by capacity providers alone, without the load balancers, when
// the listeners are too many; no diagram, only a sentence, when even that is too large.
func TestReadmeDiagramFallsBackToWhatGitHubDraws(t *testing.T) {
	draw := func(s *schema.Spec) deploymentDrawing { return drawDeploymentFitting(s, sortedKeys(s.Services)) }

	small := draw(manyServices(3, true))
	if small.note != "" || !strings.Contains(small.mermaid, "subgraph svc_xsvc000") {
		t.Errorf("3 services: want a box per service and no note:\n%s\n%s", small.note, small.mermaid)
	}

	shared := draw(manyServices(300, false)) // 10 listeners, one capacity provider: 10 groups
	if !strings.Contains(shared.note, "receive traffic from the same listeners") || strings.Count(shared.mermaid, `services_`) == 0 ||
		!strings.Contains(shared.mermaid, `["30 services<br>demo-dev-svc000, …, demo-dev-svc290"]`) || !strings.Contains(shared.mermaid, "lb_xlb0") {
		t.Errorf("300 services on 10 listeners: want 10 groups by listener:\n%s\n%s", shared.note, shared.mermaid)
	}

	own := draw(manyServices(300, true)) // a listener each: 300 groups, 600 edges
	if !strings.Contains(own.note, "without the load balancers") || strings.Contains(own.mermaid, "lb_x") ||
		!strings.Contains(own.mermaid, `["300 services<br>demo-dev-svc000, …, demo-dev-svc299"]`) {
		t.Errorf("300 services, a listener each: want one group by capacity provider:\n%s\n%s", own.note, own.mermaid)
	}

	huge := manyServices(3, false)
	for i := range 400 { // 400 Auto Scaling groups: their boxes alone pass 50 000 characters
		huge.Cluster.Capacity.EC2[fmt.Sprintf("pool%03d", i)] = huge.Cluster.Capacity.EC2["general"]
	}
	if none := draw(huge); none.mermaid != "" || !strings.HasPrefix(none.note, "No diagram") {
		t.Errorf("400 capacity providers: want no diagram:\n%s\n%.300s", none.note, none.mermaid)
	}
	for _, d := range []deploymentDrawing{small, shared, own} {
		if !fitsMermaid(d.mermaid, strings.Count(d.mermaid, "->")) {
			t.Errorf("drawn, and too large for GitHub: %d bytes", len(d.mermaid))
		}
	}
}
