package generators

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// A template over CloudFormation's counts fails the deploy with "Template format error"; the
// build says so first, at the part of the spec that makes the stack (R60), with a hint that
// fits it: the cluster stack has outputs for each load balancer and listener, so 40 load
// balancers pass its 200; a service's deploy-time environment from SSM makes a dynamic
// reference each, 60 at most.
func TestTemplateCountLimits(t *testing.T) {
	limit := func(s *schema.Spec) *LimitError {
		t.Helper()
		_, err := Generate(s)
		var le *LimitError
		if !errors.As(err, &le) {
			t.Fatalf("want a LimitError, got %v", err)
		}
		return le
	}
	fits := func(s *schema.Spec) {
		t.Helper()
		if _, err := Generate(s); err != nil {
			t.Fatalf("want no error, got %v", err)
		}
	}

	lbs := func(n int) *schema.Spec {
		s := twoServicesOnOneListener("web")
		for i := range n {
			s.LoadBalancers[fmt.Sprintf("extra%02d", i)] = schema.LoadBalancer{Type: "application", Scheme: "internal",
				AllowFrom: []string{"10.0.0.0/8"}, IdleTimeout: 60, DropInvalidHeaderFields: true,
				Listeners: map[string]schema.Listener{"http": {Port: 80, Protocol: "HTTP"}}}
		}
		return s
	}
	fits(lbs(30))
	le := limit(lbs(40))
	if le.Rule != "R60" || le.Path != "cluster" || !strings.Contains(le.Message, "outputs, over the 200") || !strings.Contains(le.Hint, "fewer load balancers") {
		t.Errorf("40 load balancers: %+v", le)
	}

	ssm := func(n int) *schema.Spec {
		s := spec()
		svc := s.Services["web"]
		c := svc.Containers["app"]
		c.DeployTimeEnvironment = map[string]schema.DeployTimeValue{}
		for i := range n {
			c.DeployTimeEnvironment[fmt.Sprintf("V%02d", i)] = schema.DeployTimeValue{SSMParameter: fmt.Sprintf("/demo/v%02d", i)}
		}
		svc.Containers = map[string]schema.Container{"app": c}
		s.Services["web"] = svc
		return s
	}
	fits(ssm(60))
	le = limit(ssm(61))
	if le.Rule != "R60" || le.Path != "services.web" || !strings.Contains(le.Message, "61 dynamic references") || !strings.Contains(le.Hint, "split the service's containers") {
		t.Errorf("61 SSM parameters: %+v", le)
	}
}
