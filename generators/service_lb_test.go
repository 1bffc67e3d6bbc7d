package generators

import (
	"encoding/json"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// An ECS-native blue/green, canary or linear deployment rolls back at its start ("Service
// deployment rolled back because of invalid networking configuration. Both targetGroup and
// alternateTargetGroup must be associated with the productionListenerRule or
// testListenerRule") unless each target group is in one of the two rules. So: with a test
// listener, production forwards to the live group and test to the idle one; without, the
// production rule holds both, the idle one at weight 0. Which group is live comes from
// LiveTargetGroup, which deploy.sh reads before each update. CodeDeploy's listeners keep one
// group each: CodeDeploy rewrites them itself.
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
		{"linear with a test listener", schema.LinearDeployment, "test", map[string]string{"ListenerRule": single(live), "TestListenerRule": single(idle)}},
		{"blue/green with a test listener", schema.BlueGreen, "test", map[string]string{"ListenerRule": single(live), "TestListenerRule": single(idle)}},
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
