package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/ecs"
)

// goformation v7 is generated from the CloudFormation specification of 2024-04-27 and lacks
// properties CloudFormation has today. Rather than drop to raw maps, each missing property is a
// small typed struct here, merged into the resource's properties when it is encoded.

// taskDefinition is AWS::ECS::TaskDefinition with the container properties goformation lacks.
type taskDefinition struct {
	*ecs.TaskDefinition
	// containerExtras holds, for each entry of ContainerDefinitions (same index), the
	// properties goformation has no field for.
	containerExtras []containerExtras
}

type containerExtras struct {
	// RestartPolicy restarts an exited container in place (ContainerDefinition.RestartPolicy).
	RestartPolicy *containerRestartPolicy `json:"RestartPolicy,omitempty"`
	// VersionConsistency: whether ECS resolves the image tag to a digest at deployment
	// (ContainerDefinition.VersionConsistency, "enabled" or "disabled").
	VersionConsistency *string `json:"VersionConsistency,omitempty"`
}

// containerRestartPolicy is AWS::ECS::TaskDefinition RestartPolicy.
type containerRestartPolicy struct {
	Enabled              bool  `json:"Enabled"`
	IgnoredExitCodes     []int `json:"IgnoredExitCodes,omitempty"`
	RestartAttemptPeriod *int  `json:"RestartAttemptPeriod,omitempty"`
}

// extension is implemented by the resource types of this file that add properties to a
// goformation resource, for the direct encoder (encode.go): extends gives the resource they
// extend and an overlay of what they add to its Properties (encode_overlay.go; nil when they
// add nothing), the same edits their MarshalJSON makes. ok is false when the overlay cannot
// say them: the direct encoder then leaves the resource to its MarshalJSON.
type extension interface {
	extends() (base cloudformation.Resource, ov *overlay, ok bool)
}

func (t *taskDefinition) extends() (cloudformation.Resource, *overlay, bool) {
	if t.TaskDefinition == nil || len(t.containerExtras) != len(t.ContainerDefinitions) {
		return nil, nil, false // MarshalJSON says what is wrong
	}
	if noExtensions(t) {
		return t.TaskDefinition, nil, true
	}
	elems := make([]*overlay, len(t.containerExtras))
	for i, extra := range t.containerExtras {
		ms, ok := structMembers(extra)
		if !ok {
			return nil, nil, false
		}
		if len(ms) > 0 {
			elems[i] = &overlay{add: ms}
		}
	}
	return t.TaskDefinition, &overlay{elements: map[string][]*overlay{"ContainerDefinitions": elems}}, true
}

func (s *service) extends() (cloudformation.Resource, *overlay, bool) {
	if s.Service == nil {
		return nil, nil, false
	}
	if noExtensions(s) {
		return s.Service, nil, true
	}
	ov := &overlay{}
	if s.desiredCount != "" {
		if s.Service.DesiredCount != nil {
			return nil, nil, false // MarshalJSON says what is wrong
		}
		ov.add = append(ov.add, extraMember{name: "DesiredCount", value: s.desiredCount})
	}
	if s.azRebalancing != "" {
		ov.add = append(ov.add, extraMember{name: "AvailabilityZoneRebalancing", value: s.azRebalancing})
	}
	if s.deployment != nil {
		ms, ok := structMembers(s.deployment)
		if !ok {
			return nil, nil, false
		}
		ov.within = map[string]*overlay{"DeploymentConfiguration": {add: ms}}
	}
	lbs := make([]*overlay, len(s.loadBalancerExtras))
	for i, adv := range s.loadBalancerExtras {
		if adv != nil {
			lbs[i] = &overlay{add: []extraMember{{name: "AdvancedConfiguration", value: adv, replace: true}}}
		}
	}
	ov.elements = map[string][]*overlay{"LoadBalancers": lbs}
	return s.Service, ov, true
}

func (t *taskDefinition) AWSCloudFormationType() string {
	return t.TaskDefinition.AWSCloudFormationType()
}

// MarshalJSON encodes the resource as goformation does, then adds the extra properties.
func (t *taskDefinition) MarshalJSON() ([]byte, error) {
	if len(t.containerExtras) != len(t.ContainerDefinitions) {
		return nil, fmt.Errorf("internal error: %d container extras for %d containers", len(t.containerExtras), len(t.ContainerDefinitions))
	}
	base, err := json.Marshal(t.TaskDefinition)
	if err != nil {
		return nil, err
	}
	if noExtensions(t) {
		return base, nil // nothing to add: spare the decode and the second encoding
	}
	return withProperties(base, func(props map[string]any) error {
		containers, _ := props["ContainerDefinitions"].([]any)
		for i, extra := range t.containerExtras {
			if err := mergeStruct(containers[i].(map[string]any), extra); err != nil {
				return err
			}
		}
		return nil
	})
}

// service is AWS::ECS::Service with the properties of ECS-native blue/green, canary and linear
// deployments (2025), which goformation lacks.
type service struct {
	*ecs.Service
	deployment *serviceDeploymentExtras
	// loadBalancerExtras holds, for each entry of LoadBalancers (same index), its advanced
	// configuration, or nil.
	loadBalancerExtras []*loadBalancerAdvanced
	// desiredCount is an intrinsic (a Ref) for DesiredCount, which goformation types as a
	// number; it replaces DesiredCount when set.
	desiredCount string
	// azRebalancing is AvailabilityZoneRebalancing (ENABLED or DISABLED; empty: not set).
	azRebalancing string
}

// serviceDeploymentExtras are DeploymentConfiguration properties goformation lacks.
type serviceDeploymentExtras struct {
	Strategy            string                    `json:"Strategy,omitempty"`
	BakeTimeInMinutes   *int                      `json:"BakeTimeInMinutes,omitempty"`
	CanaryConfiguration *canaryConfiguration      `json:"CanaryConfiguration,omitempty"`
	LinearConfiguration *linearConfiguration      `json:"LinearConfiguration,omitempty"`
	LifecycleHooks      []deploymentLifecycleHook `json:"LifecycleHooks,omitempty"`
}

type canaryConfiguration struct {
	CanaryPercent           float64 `json:"CanaryPercent"`
	CanaryBakeTimeInMinutes int     `json:"CanaryBakeTimeInMinutes"`
}

type linearConfiguration struct {
	StepPercent           float64 `json:"StepPercent"`
	StepBakeTimeInMinutes int     `json:"StepBakeTimeInMinutes"`
}

type deploymentLifecycleHook struct {
	HookTargetArn   string   `json:"HookTargetArn"`
	RoleArn         string   `json:"RoleArn"`
	LifecycleStages []string `json:"LifecycleStages"`
}

// loadBalancerAdvanced is ServiceLoadBalancer.AdvancedConfiguration.
type loadBalancerAdvanced struct {
	AlternateTargetGroupArn string `json:"AlternateTargetGroupArn"`
	ProductionListenerRule  string `json:"ProductionListenerRule,omitempty"`
	TestListenerRule        string `json:"TestListenerRule,omitempty"`
	RoleArn                 string `json:"RoleArn,omitempty"`
}

func (s *service) AWSCloudFormationType() string { return s.Service.AWSCloudFormationType() }

func (s *service) MarshalJSON() ([]byte, error) {
	base, err := json.Marshal(s.Service)
	if err != nil {
		return nil, err
	}
	if noExtensions(s) {
		return base, nil // nothing to add: spare the decode and the second encoding
	}
	return withProperties(base, func(props map[string]any) error {
		if s.desiredCount != "" {
			if s.Service.DesiredCount != nil {
				return fmt.Errorf("internal error: DesiredCount set twice")
			}
			props["DesiredCount"] = s.desiredCount
		}
		if s.azRebalancing != "" {
			if err := mergeStruct(props, struct{ AvailabilityZoneRebalancing string }{s.azRebalancing}); err != nil {
				return err
			}
		}
		if s.deployment != nil {
			dc, _ := props["DeploymentConfiguration"].(map[string]any)
			if dc == nil {
				dc = map[string]any{}
			}
			if err := mergeStruct(dc, s.deployment); err != nil {
				return err
			}
			props["DeploymentConfiguration"] = dc
		}
		lbs, _ := props["LoadBalancers"].([]any)
		for i, adv := range s.loadBalancerExtras {
			if adv == nil {
				continue
			}
			if i >= len(lbs) {
				return fmt.Errorf("internal error: advanced configuration for load balancer %d of %d", i, len(lbs))
			}
			var m any
			if err := roundTrip(adv, &m); err != nil {
				return err
			}
			lbs[i].(map[string]any)["AdvancedConfiguration"] = m
		}
		return nil
	})
}

// noExtensions reports whether a resource type of this file (a pointer to a struct embedding
// goformation's type) has nothing to add to goformation's encoding: every field but the
// embedded one is its zero value, and every element of a slice field too. It looks at the
// fields by reflection so that a property added to a type later is never skipped.
func noExtensions(resource any) bool {
	v := reflect.ValueOf(resource).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch {
		case v.Type().Field(i).Anonymous:
			continue // goformation's own type
		case f.Kind() == reflect.Slice:
			for j := range f.Len() {
				if !f.Index(j).IsZero() {
					return false
				}
			}
		case !f.IsZero():
			return false
		}
	}
	return true
}

// withProperties decodes a goformation resource, lets edit change its Properties, and encodes
// it again. Numbers keep their exact text.
func withProperties(resource []byte, edit func(props map[string]any) error) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(resource))
	dec.UseNumber()
	var res map[string]any
	if err := dec.Decode(&res); err != nil {
		return nil, err
	}
	props, _ := res["Properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	if err := edit(props); err != nil {
		return nil, err
	}
	res["Properties"] = props
	return json.Marshal(res)
}

// mergeStruct adds a typed struct's JSON fields to m, refusing to overwrite a field goformation
// already set (which would mean goformation gained the property: drop the extension then).
func mergeStruct(m map[string]any, v any) error {
	var fields map[string]any
	if err := roundTrip(v, &fields); err != nil {
		return err
	}
	for k, val := range fields {
		if _, clash := m[k]; clash {
			return fmt.Errorf("internal error: goformation now has %s: drop the extension", k)
		}
		m[k] = val
	}
	return nil
}

func roundTrip(in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(out)
}
