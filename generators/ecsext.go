package generators

import (
	"encoding/json"
	"fmt"

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
}

// containerRestartPolicy is AWS::ECS::TaskDefinition RestartPolicy.
type containerRestartPolicy struct {
	Enabled              bool  `json:"Enabled"`
	IgnoredExitCodes     []int `json:"IgnoredExitCodes,omitempty"`
	RestartAttemptPeriod *int  `json:"RestartAttemptPeriod,omitempty"`
}

func (t *taskDefinition) AWSCloudFormationType() string {
	return t.TaskDefinition.AWSCloudFormationType()
}

// MarshalJSON encodes the resource as goformation does, then adds the extra properties.
func (t *taskDefinition) MarshalJSON() ([]byte, error) {
	base, err := json.Marshal(t.TaskDefinition)
	if err != nil {
		return nil, err
	}
	if len(t.containerExtras) != len(t.ContainerDefinitions) {
		return nil, fmt.Errorf("internal error: %d container extras for %d containers", len(t.containerExtras), len(t.ContainerDefinitions))
	}
	var res map[string]json.RawMessage
	if err := json.Unmarshal(base, &res); err != nil {
		return nil, err
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal(res["Properties"], &props); err != nil {
		return nil, err
	}
	var containers []map[string]json.RawMessage
	if err := json.Unmarshal(props["ContainerDefinitions"], &containers); err != nil {
		return nil, err
	}
	for i, extra := range t.containerExtras {
		b, err := json.Marshal(extra)
		if err != nil {
			return nil, err
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(b, &fields); err != nil {
			return nil, err
		}
		for k, v := range fields {
			if _, clash := containers[i][k]; clash {
				return nil, fmt.Errorf("internal error: goformation now has %s: drop the extension", k)
			}
			containers[i][k] = v
		}
	}
	if props["ContainerDefinitions"], err = json.Marshal(containers); err != nil {
		return nil, err
	}
	if res["Properties"], err = json.Marshal(props); err != nil {
		return nil, err
	}
	return json.Marshal(res)
}
