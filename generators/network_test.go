package generators

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

func createdNetworkSpec(zones int, nat string, endpoints bool) *schema.Spec {
	s := spec()
	s.Network = schema.Network{Create: &schema.CreatedNetwork{
		CIDR: "10.0.0.0/16", AvailabilityZones: zones, NATGateways: nat, Endpoints: endpoints,
		FlowLogs: schema.FlowLogs{RetentionDays: 90},
	}}
	return s
}

// stackJSON is a template's resources by type, its parameters and its exports, and every
// Fn::ImportValue it holds.
type stackJSON struct {
	Parameters map[string]any                                    `json:"Parameters"`
	Resources  map[string]struct{ Type string }                  `json:"Resources"`
	Outputs    map[string]struct{ Export struct{ Name string } } `json:"Outputs"`
	imports    []string
}

func readStack(t *testing.T, b []byte) stackJSON {
	t.Helper()
	var st stackJSON
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	var raw any
	_ = json.Unmarshal(b, &raw)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "Fn::ImportValue" {
					st.imports = append(st.imports, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(raw)
	return st
}

func (st stackJSON) count(typ string) int {
	n := 0
	for _, r := range st.Resources {
		if r.Type == typ {
			n++
		}
	}
	return n
}

// A created network is its own stack, deployed first; the other stacks take no network
// parameter and import exactly what the network stack exports.
func TestCreatedNetworkStack(t *testing.T) {
	s := createdNetworkSpec(3, schema.NATGatewayPerZone, true)
	files, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	var plan deployPlan
	if err := json.Unmarshal(files["dev/deploy-plan.json"], &plan); err != nil {
		t.Fatal(err)
	}
	if plan.Stacks[0].Name != "demo-dev-network" || len(plan.Stacks[0].Parameters) != 0 {
		t.Fatalf("first stack %s with parameters %v, want demo-dev-network without", plan.Stacks[0].Name, plan.Stacks[0].Parameters)
	}
	network := readStack(t, files["dev/stacks/demo-dev-network.json"])
	exports := map[string]bool{}
	for _, o := range network.Outputs {
		exports[o.Export.Name] = true
	}
	for typ, want := range map[string]int{
		"AWS::EC2::VPC": 1, "AWS::EC2::Subnet": 6, "AWS::EC2::NatGateway": 3, "AWS::EC2::EIP": 3,
		"AWS::EC2::RouteTable": 4, "AWS::EC2::FlowLog": 1,
		// S3 gateway, ecr.api, ecr.dkr, logs; no ECS Exec, no SSM agent.
		"AWS::EC2::VPCEndpoint": 4,
	} {
		if got := network.count(typ); got != want {
			t.Errorf("%s: %d, want %d", typ, got, want)
		}
	}
	for _, st := range plan.Stacks[1:] {
		tpl := readStack(t, files["dev/"+st.Template])
		for _, p := range []string{"VpcId", "Subnets", "PublicSubnets", "PrivateSubnets"} {
			if _, ok := tpl.Parameters[p]; ok {
				t.Errorf("%s has parameter %s", st.Name, p)
			}
		}
		for _, imp := range tpl.imports {
			if strings.HasPrefix(imp, "demo-dev-network:") && !exports[imp] {
				t.Errorf("%s imports %s, which the network stack does not export", st.Name, imp)
			}
		}
		if st.Name == "demo-dev-svc-web" && !slices.Contains(tpl.imports, "demo-dev-network:PrivateSubnet3Id") {
			t.Errorf("the web service's tasks are not in the private subnets: imports %v", tpl.imports)
		}
	}
}

func TestCreatedNetworkChoices(t *testing.T) {
	s := createdNetworkSpec(2, schema.SingleNATGateway, true)
	web := s.Services["web"]
	web.EnableExecuteCommand = true
	s.Services["web"] = web
	files, err := Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	network := readStack(t, files["dev/stacks/demo-dev-network.json"])
	if n := network.count("AWS::EC2::NatGateway"); n != 1 {
		t.Errorf("single: %d NAT gateways", n)
	}
	if n := network.count("AWS::EC2::RouteTable"); n != 3 {
		t.Errorf("%d route tables, want a public one and one per zone", n)
	}
	for _, id := range []string{"SsmEndpoint", "SsmmessagesEndpoint"} {
		if _, ok := network.Resources[id]; !ok {
			t.Errorf("ECS Exec without %s", id)
		}
	}
	if _, ok := network.Resources["Ec2messagesEndpoint"]; ok {
		t.Error("ec2messages endpoint without an SSM agent on instances")
	}

	s = createdNetworkSpec(2, schema.SingleNATGateway, false)
	files, err = Generate(s)
	if err != nil {
		t.Fatal(err)
	}
	network = readStack(t, files["dev/stacks/demo-dev-network.json"])
	if n := network.count("AWS::EC2::VPCEndpoint") + network.count("AWS::EC2::SecurityGroup"); n != 0 {
		t.Errorf("endpoints: false, yet %d endpoints and security groups", n)
	}
}
