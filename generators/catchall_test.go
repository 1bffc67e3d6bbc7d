package generators

import (
	"slices"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/internal/plan"
	"github.com/ecsgen/ecsgen/schema"
)

// twoServicesOnOneListener is spec() with services api and web behind one shared HTTP
// listener: the catch-all (no hosts, no paths) goes to catchAll, the other gets a path.
func twoServicesOnOneListener(catchAll string) *schema.Spec {
	s := spec()
	s.LoadBalancers = map[string]schema.LoadBalancer{"main": {Type: "application", Scheme: "internal", AllowFrom: []string{"10.0.0.0/8"},
		IdleTimeout: 60, DropInvalidHeaderFields: true,
		Listeners: map[string]schema.Listener{"http": {Port: 80, Protocol: "HTTP"}}}}
	for _, name := range []string{"api", "web"} {
		svc := s.Services["web"]
		slb := &schema.ServiceLoadBalancer{Name: "main", Listener: "http", Container: "app", Port: 8080, DeregistrationDelay: 30,
			HealthCheck: schema.TargetHealth{Path: "/", Matcher: "200", Interval: 30, Timeout: 5, HealthyThreshold: 5, UnhealthyThreshold: 2}}
		if name != catchAll {
			slb.Rule.Paths = []string{"/" + name + "/*"}
		}
		svc.LoadBalancer = slb
		s.Services[name] = svc
	}
	return s
}

func envFiles(t *testing.T, s *schema.Spec) map[string][]byte {
	t.Helper()
	files, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for p, b := range files {
		out[strings.TrimPrefix(p, s.Env+"/")] = b
	}
	return out
}

// Moving what a listener forwards to by default (its catch-all rule, priority 50000) from one
// service to another deploys in one go: the service that gives the rule up is deployed first,
// whatever the names, so its priority is free when the other service's stack creates its rule.
func TestCatchAllMovesInOneDeploy(t *testing.T) {
	for _, move := range [][2]string{{"web", "api"}, {"api", "web"}} {
		from, to := move[0], move[1]
		before := envFiles(t, twoServicesOnOneListener(from))
		after := envFiles(t, twoServicesOnOneListener(to))
		order := string(after["deploy-plan.json"])
		if i, j := strings.Index(order, "demo-dev-svc-"+from+".json"), strings.Index(order, "demo-dev-svc-"+to+".json"); i < 0 || j < 0 || i > j {
			t.Errorf("%s → %s: the stack of %s must deploy before that of %s:\n%s", from, to, from, to, order)
		}
		p, err := plan.Compare("dev", before, after)
		if err != nil {
			t.Fatal(err)
		}
		if n := p.Count()[plan.Blocked]; n > 0 {
			t.Errorf("%s → %s: %d blocked changes: %+v", from, to, n, p.Stacks)
		}
		// The rules change in place: a listener rule's Priority and Conditions are updatable.
		for _, st := range p.Stacks {
			for _, c := range st.Changes {
				if c.Type == "AWS::ElasticLoadBalancingV2::ListenerRule" && c.Outcome != plan.Modify {
					t.Errorf("%s → %s: %s/%s %s, want modify", from, to, st.Name, c.LogicalID, c.Outcome)
				}
			}
		}
	}
	// Services that share no listener keep their name order: only the catch-all's listener
	// moves a service.
	s := twoServicesOnOneListener("api")
	if got := deployOrder(s); !slices.Equal(got, []string{"web", "api"}) {
		t.Errorf("deploy order = %v, want [web api]", got)
	}
	web := s.Services["web"]
	web.LoadBalancer = nil
	s.Services["web"] = web
	if got := deployOrder(s); !slices.Equal(got, []string{"api", "web"}) {
		t.Errorf("deploy order without a shared listener = %v, want [api web]", got)
	}
}
