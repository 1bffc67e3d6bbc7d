package jsonschema

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/internal/registry"
)

// TestBoundsAgreeWithRegistry keeps the bounds of spec fields that become a CloudFormation
// property equal to the bounds the CloudFormation registry schema (shipped by cfn-lint) states
// for that property, so that a value the spec accepts is one AWS accepts.
func TestBoundsAgreeWithRegistry(t *testing.T) {
	dir, err := registry.Dir()
	if err != nil {
		t.Skip(err)
	}
	raw, err := JSONSchema()
	if err != nil {
		t.Fatal(err)
	}
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field, resource, property string
	}{
		{"services.*.loadBalancer.healthCheck.interval", "AWS::ElasticLoadBalancingV2::TargetGroup", "HealthCheckIntervalSeconds"},
		{"services.*.loadBalancer.healthCheck.timeout", "AWS::ElasticLoadBalancingV2::TargetGroup", "HealthCheckTimeoutSeconds"},
		{"services.*.loadBalancer.healthCheck.healthyThreshold", "AWS::ElasticLoadBalancingV2::TargetGroup", "HealthyThresholdCount"},
		{"services.*.loadBalancer.healthCheck.unhealthyThreshold", "AWS::ElasticLoadBalancingV2::TargetGroup", "UnhealthyThresholdCount"},
	} {
		field := fieldSchema(root, tc.field)
		if field == nil {
			t.Errorf("%s: not in the JSON Schema", tc.field)
			continue
		}
		s, err := registry.Schema(dir, tc.resource)
		if err != nil {
			t.Fatal(err)
		}
		prop, ok := registry.Property(s, tc.property)
		if !ok {
			t.Errorf("%s has no property %s", tc.resource, tc.property)
			continue
		}
		for _, k := range []string{"minimum", "maximum"} {
			want, ok := prop[k].(float64)
			if !ok {
				continue
			}
			got, _ := field[k].(float64)
			if got != want {
				t.Errorf("%s: %s %v, but %s %s has %s %v", tc.field, k, field[k], tc.resource, tc.property, k, want)
			}
		}
	}
}

// fieldSchema finds a spec field (services.*.x: * for a map entry) in the JSON Schema.
func fieldSchema(root map[string]any, path string) map[string]any {
	s := root
	for _, part := range strings.Split(path, ".") {
		if s == nil {
			return nil
		}
		if part == "*" {
			s, _ = s["additionalProperties"].(map[string]any)
			continue
		}
		props, _ := s["properties"].(map[string]any)
		s, _ = props[part].(map[string]any)
	}
	return s
}
