package plan

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// st is a stack of a test environment: its name, resources, outputs and the parameter values
// deploy.sh passes.
type st struct {
	name      string
	resources map[string]any
	outputs   map[string]any
	params    map[string]string
}

// files renders stacks, in deploy order, as an environment's output files.
func files(t *testing.T, stacks ...st) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	type entry struct {
		Name       string            `json:"name"`
		Template   string            `json:"template"`
		Parameters map[string]string `json:"parameters,omitempty"`
	}
	var plan struct {
		Stacks []entry `json:"stacks"`
	}
	for _, s := range stacks {
		tpl := map[string]any{"Resources": s.resources}
		if s.outputs != nil {
			tpl["Outputs"] = s.outputs
		}
		if len(s.params) > 0 {
			params := map[string]any{}
			for k := range s.params {
				params[k] = map[string]any{"Type": "String"}
			}
			tpl["Parameters"] = params
		}
		b, err := json.Marshal(tpl)
		if err != nil {
			t.Fatal(err)
		}
		out["stacks/"+s.name+".json"] = b
		plan.Stacks = append(plan.Stacks, entry{s.name, "stacks/" + s.name + ".json", s.params})
	}
	b, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	out["deploy-plan.json"] = b
	return out
}

func res(typ string, props map[string]any) map[string]any {
	return map[string]any{"Type": typ, "Properties": props}
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

func imp(name string) map[string]any { return map[string]any{"Fn::ImportValue": name} }

func exported(name string, value any) map[string]any {
	return map[string]any{"Value": value, "Export": map[string]any{"Name": name}}
}

func loadBalancer(scheme string) map[string]any {
	return res("AWS::ElasticLoadBalancingV2::LoadBalancer", map[string]any{"Name": "demo-dev-web", "Scheme": scheme, "Type": "application"})
}

func targetGroup(port int) map[string]any {
	return res("AWS::ElasticLoadBalancingV2::TargetGroup", map[string]any{"Port": port, "Protocol": "HTTP", "VpcId": ref("VpcId")})
}

func rule(listener string, priority int) map[string]any {
	return res("AWS::ElasticLoadBalancingV2::ListenerRule", map[string]any{
		"ListenerArn": imp(listener), "Priority": priority,
		"Actions": []any{map[string]any{"Type": "forward", "TargetGroupArn": ref("TargetGroup")}},
	})
}

// ingress admits port (or the dynamic ports from 32768) to group from the load balancer's group.
func ingress(group string, port int) map[string]any {
	to := port
	if port == 32768 {
		to = 65535
	}
	return res("AWS::EC2::SecurityGroupIngress", map[string]any{"GroupId": ref(group), "IpProtocol": "tcp", "FromPort": port, "ToPort": to,
		"SourceSecurityGroupId": imp("demo-dev-cluster:web:SecurityGroup"), "Description": "Tasks behind load balancer web"})
}

func service(props map[string]any) map[string]any {
	p := map[string]any{"ServiceName": "demo-dev-web", "Cluster": imp("demo-dev-cluster:ClusterName"), "DesiredCount": 1}
	for k, v := range props {
		p[k] = v
	}
	return res("AWS::ECS::Service", p)
}

func capacityProvider(name string) map[string]any {
	return res("AWS::ECS::CapacityProvider", map[string]any{"Name": name, "AutoScalingGroupProvider": map[string]any{"AutoScalingGroupArn": "arn:asg"}})
}

func strategy(providers ...string) []any {
	var out []any
	for _, p := range providers {
		out = append(out, map[string]any{"CapacityProvider": p, "Weight": 1})
	}
	return out
}

// want is an expected change: "stack/LogicalID outcome", and substrings of its reasons.
type want struct {
	change  string
	reasons []string
}

// summary lists a plan's changes as "stack/LogicalID outcome" (a stack-level change as
// "stack status").
func summary(p *Plan) map[string]Change {
	out := map[string]Change{}
	for _, s := range p.Stacks {
		if s.Status != StackUpdate {
			out[s.Name+" "+s.Status] = Change{Reasons: s.Reasons}
		}
		for _, c := range s.Changes {
			out[fmt.Sprintf("%s/%s %s", s.Name, c.LogicalID, c.Outcome)] = c
		}
	}
	return out
}

func TestCompare(t *testing.T) {
	cluster := func(lb, extra map[string]any) st {
		r := map[string]any{"WebLoadBalancer": lb, "Cluster": res("AWS::ECS::Cluster", map[string]any{"ClusterName": "demo-dev"})}
		for k, v := range extra {
			r[k] = v
		}
		return st{name: "demo-dev-cluster", resources: r, outputs: map[string]any{
			"ClusterName":   exported("demo-dev-cluster:ClusterName", ref("Cluster")),
			"LoadBalancer":  exported("demo-dev-cluster:web:LoadBalancerArn", ref("WebLoadBalancer")),
			"NotExportedLB": map[string]any{"Value": ref("WebLoadBalancer")},
		}}
	}
	web := func(tgPort, prio int, svc map[string]any) st {
		return st{name: "demo-dev-svc-web", params: map[string]string{"VpcId": "vpc-1"}, resources: map[string]any{
			"TargetGroup": targetGroup(tgPort), "ListenerRule": rule("demo-dev-cluster:web:http:ListenerArn", prio), "Service": service(svc),
		}}
	}
	for _, tc := range []struct {
		name     string
		old, new []st
		want     []want
		risky    bool
	}{
		{name: "nothing changes",
			old: []st{cluster(loadBalancer("internal"), nil), web(80, 100, nil)},
			new: []st{cluster(loadBalancer("internal"), nil), web(80, 100, nil)},
		},
		{name: "an in-place update",
			old:  []st{cluster(loadBalancer("internal"), nil), web(80, 100, nil)},
			new:  []st{cluster(loadBalancer("internal"), nil), web(80, 100, map[string]any{"DesiredCount": 2})},
			want: []want{{change: "demo-dev-svc-web/Service modify"}},
		},
		{name: "a create-only property replaces, and what refers to it is modified",
			old: []st{cluster(loadBalancer("internal"), nil), web(80, 100, nil)},
			new: []st{cluster(loadBalancer("internal"), nil), web(8080, 100, nil)},
			want: []want{
				{change: "demo-dev-svc-web/TargetGroup replace", reasons: []string{"Port changes, and it is create-only"}},
				{change: "demo-dev-svc-web/ListenerRule modify", reasons: []string{"Actions refers to TargetGroup, which is replaced"}},
			},
			risky: true,
		},
		{name: "a parameter value deploy.sh passes is compared too",
			old: []st{web(80, 100, nil)},
			new: []st{func() st { s := web(80, 100, nil); s.params = map[string]string{"VpcId": "vpc-2"}; return s }()},
			want: []want{
				{change: "demo-dev-svc-web/TargetGroup replace", reasons: []string{"VpcId changes"}},
				{change: "demo-dev-svc-web/ListenerRule modify"},
			},
			risky: true,
		},
		{name: "a custom-named resource cannot be replaced, nor an export in use change",
			old: []st{cluster(loadBalancer("internal"), nil), web(80, 100, map[string]any{"Tags": imp("demo-dev-cluster:web:LoadBalancerArn")})},
			new: []st{cluster(loadBalancer("internet-facing"), nil), web(80, 100, map[string]any{"Tags": imp("demo-dev-cluster:web:LoadBalancerArn")})},
			want: []want{{change: "demo-dev-cluster/WebLoadBalancer blocked", reasons: []string{
				"Scheme changes, and it is create-only",
				"its Name is set (demo-dev-web): CloudFormation cannot update a stack when a custom-named resource requires replacing",
				"its replacement changes export demo-dev-cluster:web:LoadBalancerArn, and stack demo-dev-svc-web imports it",
			}}},
			risky: true,
		},
		{name: "an export in use removed",
			old:   []st{cluster(loadBalancer("internal"), nil), web(80, 100, nil)},
			new:   []st{func() st { s := cluster(loadBalancer("internal"), nil); delete(s.outputs, "ClusterName"); return s }(), web(80, 100, nil)},
			want:  []want{{change: "demo-dev-cluster/Outputs.ClusterName blocked", reasons: []string{"export demo-dev-cluster:ClusterName is removed, and stack demo-dev-svc-web imports it"}}},
			risky: true,
		},
		{name: "a CODE_DEPLOY service's load balancers",
			old: []st{web(80, 100, map[string]any{"DeploymentController": map[string]any{"Type": "CODE_DEPLOY"}, "LoadBalancers": []any{map[string]any{"TargetGroupArn": ref("TargetGroup")}}})},
			new: []st{web(8080, 100, map[string]any{"DeploymentController": map[string]any{"Type": "CODE_DEPLOY"}, "LoadBalancers": []any{map[string]any{"TargetGroupArn": ref("TargetGroup")}}})},
			want: []want{
				{change: "demo-dev-svc-web/TargetGroup replace"},
				{change: "demo-dev-svc-web/ListenerRule modify"},
				{change: "demo-dev-svc-web/Service blocked", reasons: []string{"LoadBalancers of a service with the CODE_DEPLOY deployment controller: ECS lets only a CodeDeploy deployment change it (R50)"}},
			},
			risky: true,
		},
		{name: "a CODE_DEPLOY service's desired count",
			old:   []st{web(80, 100, map[string]any{"DeploymentController": map[string]any{"Type": "CODE_DEPLOY"}})},
			new:   []st{web(80, 100, map[string]any{"DeploymentController": map[string]any{"Type": "CODE_DEPLOY"}, "DesiredCount": 3})},
			want:  []want{{change: "demo-dev-svc-web/Service modify", reasons: []string{"aws/aws-cdk#23564"}}},
			risky: false,
		},
		{name: "a capacity provider removed while a later stack's service uses it",
			old: []st{cluster(loadBalancer("internal"), map[string]any{"GeneralCapacityProvider": capacityProvider("demo-dev-general")}),
				web(80, 100, map[string]any{"CapacityProviderStrategy": strategy("demo-dev-general")})},
			new: []st{cluster(loadBalancer("internal"), map[string]any{"BigCapacityProvider": capacityProvider("demo-dev-big")}),
				web(80, 100, map[string]any{"CapacityProviderStrategy": strategy("demo-dev-big")})},
			want: []want{
				{change: "demo-dev-cluster/BigCapacityProvider add"},
				{change: "demo-dev-cluster/GeneralCapacityProvider blocked", reasons: []string{"capacity provider demo-dev-general is deleted while a service of stack demo-dev-svc-web uses it until that stack is updated, after this one"}},
				{change: "demo-dev-svc-web/Service modify"},
			},
			risky: true,
		},
		{name: "a capacity provider removed after the services moved off it",
			old: []st{web(80, 100, map[string]any{"CapacityProviderStrategy": strategy("demo-dev-general")}),
				cluster(loadBalancer("internal"), map[string]any{"GeneralCapacityProvider": capacityProvider("demo-dev-general")})},
			new: []st{web(80, 100, map[string]any{"CapacityProviderStrategy": strategy("demo-dev-big")}),
				cluster(loadBalancer("internal"), map[string]any{"BigCapacityProvider": capacityProvider("demo-dev-big")})},
			want: []want{
				{change: "demo-dev-cluster/BigCapacityProvider add"},
				{change: "demo-dev-cluster/GeneralCapacityProvider remove"},
				{change: "demo-dev-svc-web/Service modify"},
			},
			risky: true, // a removal
		},
		{name: "a service on the cluster's default strategy keeps it",
			old: []st{cluster(loadBalancer("internal"), map[string]any{"GeneralCapacityProvider": capacityProvider("demo-dev-general"),
				"Associations": res("AWS::ECS::ClusterCapacityProviderAssociations", map[string]any{"Cluster": ref("Cluster"), "CapacityProviders": []any{ref("GeneralCapacityProvider")},
					"DefaultCapacityProviderStrategy": []any{map[string]any{"CapacityProvider": ref("GeneralCapacityProvider")}}})}), web(80, 100, nil)},
			new: []st{cluster(loadBalancer("internal"), map[string]any{"BigCapacityProvider": capacityProvider("demo-dev-big"),
				"Associations": res("AWS::ECS::ClusterCapacityProviderAssociations", map[string]any{"Cluster": ref("Cluster"), "CapacityProviders": []any{ref("BigCapacityProvider")},
					"DefaultCapacityProviderStrategy": []any{map[string]any{"CapacityProvider": ref("BigCapacityProvider")}}})}), web(80, 100, nil)},
			want: []want{
				{change: "demo-dev-cluster/BigCapacityProvider add"},
				{change: "demo-dev-cluster/Associations modify"},
				{change: "demo-dev-cluster/GeneralCapacityProvider blocked", reasons: []string{"was created with the cluster's default strategy, which ECS keeps on the service"}},
			},
			risky: true,
		},
		{name: "a name still held by the resource it replaces in the same stack",
			old:   []st{{name: "s", resources: map[string]any{"TaskRole": res("AWS::IAM::Role", map[string]any{"RoleName": "demo-dev-web-task"})}}},
			new:   []st{{name: "s", resources: map[string]any{"WebTaskRole": res("AWS::IAM::Role", map[string]any{"RoleName": "demo-dev-web-task"})}}},
			want:  []want{{change: "s/WebTaskRole blocked", reasons: []string{"the name demo-dev-web-task is taken: TaskRole of the same stack still holds it"}}, {change: "s/TaskRole remove"}},
			risky: true,
		},
		{name: "a priority a removed stack's rule still holds",
			old: []st{web(80, 100, nil)},
			new: []st{func() st { s := web(80, 100, nil); s.name = "demo-dev-svc-api"; return s }()},
			want: []want{
				{change: "demo-dev-svc-web remove", reasons: []string{"deploy.sh does not delete it"}},
				{change: "demo-dev-svc-api new"},
				{change: "demo-dev-svc-api/ListenerRule blocked", reasons: []string{"priority 100 on its listener is taken (PriorityInUse): rule ListenerRule of stack demo-dev-svc-web holds it, and that stack is no longer generated"}},
				// The test gives both stacks' services the same name.
				{change: "demo-dev-svc-api/Service blocked", reasons: []string{"the name demo-dev-web is taken: stack demo-dev-svc-web still holds it"}},
			},
			risky: true,
		},
		{name: "a priority another stack releases later",
			old: []st{func() st { s := web(80, 100, nil); s.name = "a"; return s }(), func() st { s := web(80, 200, nil); s.name = "b"; return s }()},
			new: []st{func() st { s := web(80, 200, nil); s.name = "a"; return s }(), func() st { s := web(80, 300, nil); s.name = "b"; return s }()},
			want: []want{
				{change: "a/ListenerRule blocked", reasons: []string{"priority 200 on its listener is taken (PriorityInUse): rule ListenerRule of stack b holds it when this stack is updated"}},
				{change: "b/ListenerRule modify"},
			},
			risky: true,
		},
		{name: "a priority an earlier stack releases",
			old:  []st{func() st { s := web(80, 100, nil); s.name = "a"; return s }(), func() st { s := web(80, 200, nil); s.name = "b"; return s }()},
			new:  []st{func() st { s := web(80, 300, nil); s.name = "a"; return s }(), func() st { s := web(80, 100, nil); s.name = "b"; return s }()},
			want: []want{{change: "a/ListenerRule modify"}, {change: "b/ListenerRule modify"}},
		},
		{name: "a conditionally create-only property",
			old:  []st{{name: "s", resources: map[string]any{"Group": res("AWS::AutoScaling::AutoScalingGroup", map[string]any{"AutoScalingGroupName": "g", "VPCZoneIdentifier": []any{"subnet-1"}})}}},
			new:  []st{{name: "s", resources: map[string]any{"Group": res("AWS::AutoScaling::AutoScalingGroup", map[string]any{"AutoScalingGroupName": "g", "VPCZoneIdentifier": []any{"subnet-2"}})}}},
			want: []want{{change: "s/Group modify", reasons: []string{"VPCZoneIdentifier changes, which replaces the resource in some cases"}}},
		},
		// The rule between a load balancer and the instances under a new name: CloudFormation
		// creates it before it deletes the old one, and AWS refuses the duplicate.
		{name: "a security group rule renamed",
			old:   []st{{name: "c", resources: map[string]any{"GeneralSecurityGroup": res("AWS::EC2::SecurityGroup", map[string]any{"GroupDescription": "g"}), "GeneralIngressFromWeb2": ingress("GeneralSecurityGroup", 32768)}}},
			new:   []st{{name: "c", resources: map[string]any{"GeneralSecurityGroup": res("AWS::EC2::SecurityGroup", map[string]any{"GroupDescription": "g"}), "GeneralIngressFromWeb1": ingress("GeneralSecurityGroup", 32768)}}},
			want:  []want{{change: "c/GeneralIngressFromWeb1 blocked", reasons: []string{"rule GeneralIngressFromWeb2 grants the same permission", "InvalidPermission.Duplicate"}}, {change: "c/GeneralIngressFromWeb2 remove"}},
			risky: true,
		},
		// Two rules that swap their ports: each is replaced, and each new one duplicates the
		// other's old one.
		{name: "security group rules that swap their ports",
			old: []st{{name: "c", resources: map[string]any{"SG": res("AWS::EC2::SecurityGroup", map[string]any{"GroupDescription": "g"}), "In1": ingress("SG", 80), "In2": ingress("SG", 8080)}}},
			new: []st{{name: "c", resources: map[string]any{"SG": res("AWS::EC2::SecurityGroup", map[string]any{"GroupDescription": "g"}), "In1": ingress("SG", 8080), "In2": ingress("SG", 80)}}},
			want: []want{
				{change: "c/In1 blocked", reasons: []string{"FromPort changes", "rule In2 grants the same permission"}},
				{change: "c/In2 blocked", reasons: []string{"rule In1 grants the same permission"}},
			},
			risky: true,
		},
		// A rule renamed along with its group, which is replaced: the new rule is on another
		// group, no duplicate.
		{name: "a security group rule renamed with its group replaced",
			old:   []st{{name: "c", resources: map[string]any{"SG": res("AWS::EC2::SecurityGroup", map[string]any{"GroupDescription": "g"}), "In2": ingress("SG", 80)}}},
			new:   []st{{name: "c", resources: map[string]any{"SG": res("AWS::EC2::SecurityGroup", map[string]any{"GroupDescription": "h"}), "In1": ingress("SG", 80)}}},
			want:  []want{{change: "c/SG replace"}, {change: "c/In1 add"}, {change: "c/In2 remove"}},
			risky: true,
		},
		// A rule added beside one removed with other ports: nothing to refuse.
		{name: "a security group rule for other ports",
			old:   []st{{name: "c", resources: map[string]any{"SG": res("AWS::EC2::SecurityGroup", map[string]any{"GroupDescription": "g"}), "In1": ingress("SG", 80)}}},
			new:   []st{{name: "c", resources: map[string]any{"SG": res("AWS::EC2::SecurityGroup", map[string]any{"GroupDescription": "g"}), "InPort8080": ingress("SG", 8080)}}},
			want:  []want{{change: "c/InPort8080 add"}, {change: "c/In1 remove"}},
			risky: true,
		},
		{name: "a first build",
			new:  []st{cluster(loadBalancer("internal"), nil), web(80, 100, nil)},
			want: []want{{change: "demo-dev-cluster new"}, {change: "demo-dev-svc-web new"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var old map[string][]byte
			if tc.old != nil {
				old = files(t, tc.old...)
			}
			p, err := compareBoth(t, "dev", old, files(t, tc.new...))
			if err != nil {
				t.Fatal(err)
			}
			got := summary(p)
			for _, w := range tc.want {
				c, ok := got[w.change]
				if !ok {
					t.Errorf("missing %s", w.change)
					continue
				}
				all := strings.Join(c.Reasons, "\n")
				for _, r := range w.reasons {
					if !strings.Contains(all, r) {
						t.Errorf("%s: reasons\n%s\nlack %q", w.change, all, r)
					}
				}
				delete(got, w.change)
			}
			for k, c := range got {
				t.Errorf("unexpected %s: %v", k, c.Reasons)
			}
			if p.Risky() != tc.risky {
				t.Errorf("Risky() = %v, want %v", p.Risky(), tc.risky)
			}
		})
	}
}

// A previous file that Options.Unchanged vouches for is not read: the plan takes the new
// build's bytes for it. Files it does not vouch for are read, and the plan is the one
// without the option.
func TestUnchangedFilesNotRead(t *testing.T) {
	svc := func(count int) st {
		return st{name: "demo-dev-svc-web", params: map[string]string{"VpcId": "vpc-1"}, resources: map[string]any{
			"TargetGroup": targetGroup(80), "Service": service(map[string]any{"DesiredCount": count}),
		}}
	}
	other := st{name: "demo-dev-svc-api", resources: map[string]any{"Service": service(map[string]any{"ServiceName": "demo-dev-api"})}}
	out := t.TempDir()
	old := files(t, svc(1), other)
	for rel, b := range old {
		p := filepath.Join(out, "dev", filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cur := map[string][]byte{}
	for rel, b := range files(t, svc(2), other) {
		cur["dev/"+rel] = b
	}
	plain, err := Environments(out, []string{"dev"}, cur)
	if err != nil {
		t.Fatal(err)
	}
	var asked []string
	truthful := Options{Unchanged: func(file string, data []byte) bool {
		asked = append(asked, file)
		b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(file)))
		return err == nil && string(b) == string(data)
	}}
	with, err := truthful.Environments(out, []string{"dev"}, cur)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(plain, with) || len(summary(plain[0])) != 1 {
		t.Fatalf("plans differ or not one change:\n%+v\n%+v", plain[0], with[0])
	}
	slices.Sort(asked)
	if want := []string{"dev/deploy-plan.json", "dev/stacks/demo-dev-svc-api.json", "dev/stacks/demo-dev-svc-web.json"}; !slices.Equal(asked, want) {
		t.Errorf("asked about %v, want %v", asked, want)
	}
	// Vouching for the changed stack makes the plan take the new bytes as the previous ones:
	// the file on disk was not read, so no change.
	liar := Options{Unchanged: func(string, []byte) bool { return true }}
	lied, err := liar.Environments(out, []string{"dev"}, cur)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(summary(lied[0])); n != 0 {
		t.Errorf("%d changes; the vouched-for files were read", n)
	}
}

// A template that does not parse, or is missing, is reported in deploy order, whichever is
// first, also when the templates are parsed on several cores.
func TestBrokenTemplatesInOrder(t *testing.T) {
	mk := func(n int) map[string][]byte {
		var stacks []st
		for i := range n {
			stacks = append(stacks, st{name: fmt.Sprintf("s%02d", i), resources: map[string]any{"Q": res("AWS::SQS::Queue", map[string]any{})}})
		}
		return files(t, stacks...)
	}
	good := mk(20)
	for _, c := range []struct {
		broken map[string][]byte
		want   string
	}{
		{map[string][]byte{"stacks/s07.json": []byte("{"), "stacks/s12.json": nil}, "new output: stacks/s07.json: unexpected end of JSON input"},
		{map[string][]byte{"stacks/s07.json": []byte(""), "stacks/s03.json": nil}, "new output: deploy-plan.json names stacks/s03.json, which is missing"},
		{map[string][]byte{"stacks/s05.json": []byte("")}, "new output: stacks/s05.json: unexpected end of JSON input"},
	} {
		cur := maps.Clone(good)
		for k, v := range c.broken {
			if v == nil {
				delete(cur, k)
			} else {
				cur[k] = v
			}
		}
		_, err := compareBoth(t, "dev", good, cur)
		if err == nil || err.Error() != c.want {
			t.Errorf("%v, want %s", err, c.want)
		}
	}
}

// A network stack that stops exporting a zone's subnet is deployed last, as deploy.sh does:
// the stacks importing the subnet move off it first, so nothing is blocked. One that also
// starts exporting another subnet keeps its place (first), and the removal is blocked.
func TestNetworkDropsZone(t *testing.T) {
	network := func(zones ...int) st {
		r := map[string]any{"VPC": res("AWS::EC2::VPC", map[string]any{"CidrBlock": "10.0.0.0/16"})}
		o := map[string]any{}
		for _, z := range zones {
			id := fmt.Sprintf("Subnet%d", z)
			r[id] = res("AWS::EC2::Subnet", map[string]any{"VpcId": ref("VPC"), "CidrBlock": fmt.Sprintf("10.0.%d.0/24", z)})
			o[id+"Id"] = exported(fmt.Sprintf("demo-dev-network:Subnet%dId", z), ref(id))
		}
		return st{name: "demo-dev-network", resources: r, outputs: o}
	}
	web := func(zones ...int) st {
		var subnets []any
		for _, z := range zones {
			subnets = append(subnets, imp(fmt.Sprintf("demo-dev-network:Subnet%dId", z)))
		}
		return st{name: "demo-dev-svc-web", resources: map[string]any{"Service": service(map[string]any{
			"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": map[string]any{"Subnets": subnets}},
		})}}
	}
	t.Run("a zone removed", func(t *testing.T) {
		p, err := compareBoth(t, "dev", files(t, network(1, 2, 3), web(1, 2, 3)), files(t, network(1, 2), web(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		if p.Count()[Blocked] > 0 {
			t.Errorf("blocked: %+v", p.Stacks)
		}
		if n := len(p.Stacks); n != 2 || p.Stacks[0].Name != "demo-dev-svc-web" || p.Stacks[1].Name != "demo-dev-network" ||
			!strings.Contains(strings.Join(p.Stacks[1].Reasons, "\n"), "deployed last") {
			t.Errorf("the network stack is not planned last with its reason: %+v", p.Stacks)
		}
	})
	t.Run("a zone removed and another added", func(t *testing.T) {
		p, err := compareBoth(t, "dev", files(t, network(1, 2), web(1, 2)), files(t, network(1, 3), web(1, 3)))
		if err != nil {
			t.Fatal(err)
		}
		if !(p.Count()[Blocked] > 0) || p.Stacks[0].Name != "demo-dev-network" {
			t.Errorf("want the network stack first and blocked: %+v", p.Stacks)
		}
	})
}
