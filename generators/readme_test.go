package generators

import (
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// The README's diagram draws an HTTP listener redirecting to HTTPS only where no service
// forwards traffic from it, production or test: a listener a service forwards through is drawn
// with the service's edge instead.
func TestReadmeRedirectsOnlyUnusedHTTPListeners(t *testing.T) {
	const arrow = "ls_xmain_xhttp -->|\"redirect to HTTPS\"| ls_xmain_xhttps"
	withListeners := func(forwardFrom, testFrom string) *schema.Spec {
		s := twoServicesOnOneListener("web")
		lb := s.LoadBalancers["main"]
		lb.Listeners = map[string]schema.Listener{
			"http":  {Port: 80, Protocol: "HTTP"},
			"https": {Port: 443, Protocol: "HTTPS", Certificates: []string{"arn:aws:acm:eu-west-1:123456789012:certificate/x"}},
			"test":  {Port: 8443, Protocol: "HTTPS", Certificates: []string{"arn:aws:acm:eu-west-1:123456789012:certificate/x"}},
		}
		s.LoadBalancers["main"] = lb
		for name, svc := range s.Services {
			l := *svc.LoadBalancer
			l.Listener, l.TestListener = forwardFrom, testFrom
			svc.LoadBalancer = &l
			s.Services[name] = svc
		}
		return s
	}
	for _, c := range []struct {
		forward, test string
		redirect      bool
	}{
		{"https", "", true},
		{"http", "", false},
		{"https", "http", false},
	} {
		readme := deploymentDiagram(withListeners(c.forward, c.test))
		if got := strings.Contains(readme, arrow); got != c.redirect {
			t.Errorf("services forward from %q (test %q): redirect drawn %v, want %v:\n%s", c.forward, c.test, got, c.redirect, readme)
		}
	}
}
