package generators

import (
	"encoding/json"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// An ECS-native blue/green, canary or linear deployment rolls back at its start ("Service
// deployment rolled back because of invalid networking configuration. Both targetGroup and
// alternateTargetGroup must be associated with the productionListenerRule or
// testListenerRule") unless each target group is in one of the two rules. So each rule holds
// both, the idle one at weight 0. Which group is live comes from LiveTargetGroup, which
// deploy.sh reads before each update. CodeDeploy's listeners keep one group each: CodeDeploy
// rewrites them itself.
func TestBlueGreenRulesHoldBothTargetGroups(t *testing.T) {
	live := `{"Fn::If":["AlternateTargetGroupIsLive",{"Ref":"AlternateTargetGroup"},{"Ref":"TargetGroup"}]}`
	idle := `{"Fn::If":["AlternateTargetGroupIsLive",{"Ref":"TargetGroup"},{"Ref":"AlternateTargetGroup"}]}`
	single := func(group string) string { return `[{"TargetGroupArn":` + group + `,"Type":"forward"}]` }
	weighted := `[{"ForwardConfig":{"TargetGroups":[{"TargetGroupArn":` + live + `,"Weight":1},{"TargetGroupArn":` + idle + `,"Weight":0}]},"Type":"forward"}]`
	for _, tc := range []struct {
		name, strategy, testListener string
		want                         map[string]string // resource -> its actions (rules) or default actions (listeners)
	}{
		{"rolling", schema.Rolling, "", map[string]string{"ListenerRule": single(`{"Ref":"TargetGroup"}`)}},
		{"blue/green without a test listener", schema.BlueGreen, "", map[string]string{"ListenerRule": weighted}},
		{"canary without a test listener", schema.CanaryDeployment, "", map[string]string{"ListenerRule": weighted}},
		{"linear with a test listener", schema.LinearDeployment, "test", map[string]string{"ListenerRule": weighted, "TestListenerRule": weighted}},
		{"blue/green with a test listener", schema.BlueGreen, "test", map[string]string{"ListenerRule": weighted, "TestListenerRule": weighted}},
		{"CodeDeploy", schema.CodeDeployBlueGreen, "test", map[string]string{"ProductionListener": single(live), "TestListener": single(live)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := spec()
			s.LoadBalancers = map[string]schema.LoadBalancer{"public": {Type: "application", Scheme: "internal", AllowFrom: []string{"10.0.0.0/8"},
				Listeners: map[string]schema.Listener{"http": {Port: 80, Protocol: "HTTP"}, "test": {Port: 8080, Protocol: "HTTP"}}}}
			svc := s.Services["web"]
			svc.LoadBalancer = &schema.ServiceLoadBalancer{Name: "public", Listener: "http", TestListener: tc.testListener, DeregistrationDelay: 30}
			svc.Deployment.Strategy = tc.strategy
			s.Services["web"] = svc
			files, err := Generate(s)
			if err != nil {
				t.Fatal(err)
			}
			resources := decode(t, files["dev/stacks/demo-dev-svc-web.json"])["Resources"].(map[string]any)
			for id, want := range tc.want {
				r, ok := resources[id].(map[string]any)
				if !ok {
					t.Fatalf("no %s in the service stack", id)
				}
				props := r["Properties"].(map[string]any)
				actions := props["Actions"]
				if actions == nil {
					actions = props["DefaultActions"]
				}
				got, _ := json.Marshal(actions)
				if string(got) != want {
					t.Errorf("%s forwards\n %s\nwant\n %s", id, got, want)
				}
			}
		})
	}
}

// A rule between a load balancer and the instances keeps its logical id when another service
// adds rules that sort before it: CloudFormation would create the moved rule before deleting
// the old one, and AWS refuses the duplicate (InvalidPermission.Duplicate), failing the deploy
// that adds a service.
func TestInstanceRulesKeepTheirIDs(t *testing.T) {
	rules := func(s *schema.Spec) map[string]string {
		files, err := Generate(s)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for id, r := range decode(t, files["dev/stacks/demo-dev-cluster.json"])["Resources"].(map[string]any) {
			typ := r.(map[string]any)["Type"]
			if typ == "AWS::EC2::SecurityGroupIngress" || typ == "AWS::EC2::SecurityGroupEgress" {
				b, _ := json.Marshal(r)
				out[id] = string(b)
			}
		}
		return out
	}
	s := spec()
	s.LoadBalancers = map[string]schema.LoadBalancer{
		"web":      {Type: "application", Scheme: "internal", AllowFrom: []string{"10.0.0.0/8"}, Listeners: map[string]schema.Listener{"http": {Port: 80, Protocol: "HTTP"}}},
		"internal": {Type: "application", Scheme: "internal", AllowFrom: []string{"10.0.0.0/8"}, Listeners: map[string]schema.Listener{"http": {Port: 80, Protocol: "HTTP"}}},
	}
	web := s.Services["web"]
	web.NetworkMode = "bridge"
	web.LoadBalancer = &schema.ServiceLoadBalancer{Name: "web", Listener: "http", DeregistrationDelay: 30}
	s.Services["web"] = web
	before := rules(s)
	if len(before) != 2 {
		t.Fatalf("one service behind a load balancer: rules %v, want an ingress and an egress", before)
	}
	// A service that sorts first, on another load balancer, with a fixed host port.
	admin := web
	admin.Containers = map[string]schema.Container{"app": web.Containers["app"]}
	app := admin.Containers["app"]
	app.Ports = []schema.PortMapping{{Container: 8080, Host: intp(8080), Protocol: "tcp"}}
	admin.Containers["app"] = app
	admin.LoadBalancer = &schema.ServiceLoadBalancer{Name: "internal", Listener: "http", DeregistrationDelay: 30}
	s.Services["admin"] = admin
	after := rules(s)
	if len(after) != 4 {
		t.Fatalf("two services on two load balancers: rules %v, want two of each", after)
	}
	for id, r := range before {
		if after[id] != r {
			t.Errorf("rule %s changed or moved when a service was added:\n before %s\n after  %s", id, r, after[id])
		}
	}
	for _, id := range []string{"GeneralIngressFromWeb1", "WebEgressToGeneral1", "GeneralIngressFromInternalPort8080", "InternalEgressToGeneralPort8080"} {
		if after[id] == "" {
			t.Errorf("no rule %s; rules: %v", id, after)
		}
	}
}
