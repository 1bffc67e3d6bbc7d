package plan

import (
	"strings"
	"testing"
)

// Listeners and target groups that Elastic Load Balancing refuses to have twice while
// CloudFormation creates the new resource before it deletes the old one.
func TestListenersAndTargetGroups(t *testing.T) {
	lbs := map[string]any{
		"WebLoadBalancer":   res("AWS::ElasticLoadBalancingV2::LoadBalancer", map[string]any{"Scheme": "internal"}),
		"AdminLoadBalancer": res("AWS::ElasticLoadBalancingV2::LoadBalancer", map[string]any{"Scheme": "internal"}),
	}
	listener := func(lb string, port int) map[string]any {
		return res("AWS::ElasticLoadBalancingV2::Listener", map[string]any{"LoadBalancerArn": ref(lb), "Port": port, "Protocol": "HTTP",
			"DefaultActions": []any{map[string]any{"Type": "fixed-response"}}})
	}
	// cluster holds both load balancers and the listeners given, each exported as its load
	// balancer's http listener unless it is WebListenerHttps.
	cluster := func(listeners map[string]map[string]any) st {
		r := map[string]any{"Cluster": res("AWS::ECS::Cluster", map[string]any{"ClusterName": "c"})}
		for k, v := range lbs {
			r[k] = v
		}
		outputs := map[string]any{
			"WebArn":   exported("c:web:LoadBalancerArn", ref("WebLoadBalancer")),
			"AdminArn": exported("c:admin:LoadBalancerArn", ref("AdminLoadBalancer")),
		}
		for id, l := range listeners {
			r[id] = l
			lb := "web"
			if strings.HasPrefix(id, "Admin") {
				lb = "admin"
			}
			name := "http"
			if strings.HasSuffix(id, "Https") {
				name = "https"
			}
			outputs[id+"Arn"] = exported("c:"+lb+":"+name+":ListenerArn", ref(id))
		}
		return st{name: "c", resources: r, outputs: outputs}
	}
	rule := func(listener string) map[string]any {
		return res("AWS::ElasticLoadBalancingV2::ListenerRule", map[string]any{"ListenerArn": imp(listener), "Priority": 10,
			"Actions": []any{map[string]any{"Type": "forward", "TargetGroupArn": ref("TargetGroup")}}})
	}
	svc := func(resources map[string]any) st {
		r := map[string]any{"TargetGroup": targetGroup(8080)}
		for k, v := range resources {
			r[k] = v
		}
		return st{name: "s", resources: r}
	}
	both := map[string]map[string]any{"WebListenerHttp": listener("WebLoadBalancer", 80), "AdminListenerHttp": listener("AdminLoadBalancer", 80)}
	for _, tc := range []struct {
		name     string
		old, new []st
		blocked  string // the change blocked, "" for none
		reason   string
	}{
		{name: "a listener renamed on its port",
			old:     []st{cluster(map[string]map[string]any{"WebListenerHttp": listener("WebLoadBalancer", 80)})},
			new:     []st{cluster(map[string]map[string]any{"WebListenerWeb": listener("WebLoadBalancer", 80)})},
			blocked: "c/WebListenerWeb blocked", reason: "port 80 of its load balancer is taken (DuplicateListener): listener WebListenerHttp of stack c"},
		{name: "a listener moved to another port",
			old: []st{cluster(map[string]map[string]any{"WebListenerHttp": listener("WebLoadBalancer", 80)})},
			new: []st{cluster(map[string]map[string]any{"WebListenerWeb": listener("WebLoadBalancer", 8080)})}},
		{name: "the same port on the other load balancer",
			old: []st{cluster(map[string]map[string]any{"WebListenerHttp": listener("WebLoadBalancer", 80)})},
			new: []st{cluster(map[string]map[string]any{"WebListenerHttp": listener("WebLoadBalancer", 80), "AdminListenerHttp": listener("AdminLoadBalancer", 80)})}},
		// A service turned to CodeDeploy takes the listener into its own stack: the service
		// stack goes first (the cluster stack drops the listener's export) and creates its
		// listener while the cluster's is still there.
		{name: "a listener moved into a service's stack",
			old: []st{cluster(map[string]map[string]any{"WebListenerHttps": listener("WebLoadBalancer", 443)}), svc(map[string]any{"ListenerRule": rule("c:web:https:ListenerArn")})},
			new: []st{cluster(nil), svc(map[string]any{"ProductionListener": res("AWS::ElasticLoadBalancingV2::Listener", map[string]any{
				"LoadBalancerArn": imp("c:web:LoadBalancerArn"), "Port": 443, "Protocol": "HTTPS",
				"DefaultActions": []any{map[string]any{"Type": "forward", "TargetGroupArn": ref("TargetGroup")}}})})},
			blocked: "s/ProductionListener blocked", reason: "listener WebListenerHttps of stack c holds it"},
		// A service moved to another load balancer keeps its target group; its rule is
		// replaced (the listener is create-only), the new one first.
		{name: "a service moved to another load balancer",
			old:     []st{cluster(both), svc(map[string]any{"ListenerRule": rule("c:web:http:ListenerArn")})},
			new:     []st{cluster(both), svc(map[string]any{"ListenerRule": rule("c:admin:http:ListenerArn")})},
			blocked: "s/ListenerRule blocked", reason: "target group TargetGroup is on another load balancer through ListenerRule"},
		{name: "a service moved to another listener of its load balancer",
			old: []st{cluster(map[string]map[string]any{"WebListenerHttp": listener("WebLoadBalancer", 80), "WebListenerHttps": listener("WebLoadBalancer", 443)}),
				svc(map[string]any{"ListenerRule": rule("c:web:http:ListenerArn")})},
			new: []st{cluster(map[string]map[string]any{"WebListenerHttp": listener("WebLoadBalancer", 80), "WebListenerHttps": listener("WebLoadBalancer", 443)}),
				svc(map[string]any{"ListenerRule": rule("c:web:https:ListenerArn")})}},
		{name: "a service moved to another load balancer with a new target group",
			old: []st{cluster(both), svc(map[string]any{"ListenerRule": rule("c:web:http:ListenerArn")})},
			new: []st{cluster(both), func() st {
				s := svc(map[string]any{"ListenerRule": rule("c:admin:http:ListenerArn")})
				s.resources["TargetGroup"] = targetGroup(9090) // Port is create-only: a new group
				return s
			}()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := compareBoth(t, "dev", files(t, tc.old...), files(t, tc.new...))
			if err != nil {
				t.Fatal(err)
			}
			var blocked []string
			for k, c := range summary(p) {
				if c.Outcome == Blocked || strings.HasSuffix(k, " blocked") {
					blocked = append(blocked, k)
					if k == tc.blocked && !strings.Contains(strings.Join(c.Reasons, "\n"), tc.reason) {
						t.Errorf("%s: reasons %q lack %q", k, c.Reasons, tc.reason)
					}
				}
			}
			want := []string{}
			if tc.blocked != "" {
				want = []string{tc.blocked}
			}
			if strings.Join(blocked, ",") != strings.Join(want, ",") {
				t.Errorf("blocked %v, want %v", blocked, want)
			}
		})
	}
}

// A service that stops deploying blue/green removes its alternate target group, on which
// production traffic is after every other release: the plan says so, and when to deploy.
func TestBlueGreenEnds(t *testing.T) {
	svc := func(groups ...string) st {
		r := map[string]any{}
		for _, g := range groups {
			r[g] = targetGroup(8080)
		}
		return st{name: "s", resources: r}
	}
	for _, tc := range []struct {
		name     string
		old, new st
		noted    bool
	}{
		{"blue/green to rolling", svc("TargetGroup", "AlternateTargetGroup"), svc("TargetGroup"), true},
		{"off the load balancer", svc("TargetGroup", "AlternateTargetGroup"), svc(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := compareBoth(t, "dev", files(t, tc.old), files(t, tc.new))
			if err != nil {
				t.Fatal(err)
			}
			c, ok := summary(p)["s/AlternateTargetGroup remove"]
			if !ok {
				t.Fatalf("no removal of AlternateTargetGroup: %v", summary(p))
			}
			noted := strings.Contains(strings.Join(c.Reasons, " "), "production traffic may be on this group") &&
				strings.Contains(strings.Join(c.Hints, " "), "while TargetGroup is live")
			if noted != tc.noted {
				t.Errorf("noted %v, want %v: %q %q", noted, tc.noted, c.Reasons, c.Hints)
			}
		})
	}
}
