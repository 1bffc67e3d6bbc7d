package deployed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
)

// A task definition is compared in the RegisterTaskDefinition input form (camelCase JSON, what
// taskdefs/<service>.json holds), normalised on both sides so that only a real difference
// shows: what ECS adds when it answers (ARN, revision, status, requirements) is dropped, the
// defaults it fills in are filled in on the generated side too, empty values and false flags
// (the default of every ECS flag but `essential`) are dropped, and lists whose order carries no
// meaning are sorted.

// responseOnly are the fields DescribeTaskDefinition adds to what was registered.
var responseOnly = []string{
	"taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
	"registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt",
}

// userKeyed are the fields whose keys are the user's own (Docker options, labels): their keys
// keep their case when the SDK's Go field names are turned back into API names.
var userKeyed = map[string]bool{"Options": true, "DockerLabels": true, "DriverOpts": true, "Labels": true}

// normalizeDeployed turns the SDK's task definition into the normalised input form.
func normalizeDeployed(td *ecstypes.TaskDefinition) (map[string]any, error) {
	b, err := json.Marshal(td)
	if err != nil {
		return nil, err
	}
	var raw any
	if err := decodeJSON(b, &raw); err != nil {
		return nil, err
	}
	m, _ := apiNames(raw, false).(map[string]any)
	for _, k := range responseOnly {
		delete(m, k)
	}
	return normalize(m), nil
}

// normalizeGenerated reads a generated task definition (RegisterTaskDefinition input).
func normalizeGenerated(b []byte) (map[string]any, error) {
	var m map[string]any
	if err := decodeJSON(b, &m); err != nil {
		return nil, err
	}
	return normalize(m), nil
}

func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// apiNames renames the SDK's Go field names (ContainerDefinitions) to the API's
// (containerDefinitions), except inside user-keyed maps.
func apiNames(v any, keep bool) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			name := k
			if !keep && k != "" {
				name = strings.ToLower(k[:1]) + k[1:]
			}
			out[name] = apiNames(x, !keep && userKeyed[k])
		}
		return out
	case []any:
		for i, x := range v {
			v[i] = apiNames(x, false)
		}
	}
	return v
}

// normalize fills ECS's defaults and drops what carries no meaning, in place.
func normalize(td map[string]any) map[string]any {
	awsvpcOrHost := td["networkMode"] == "awsvpc" || td["networkMode"] == "host"
	if cs, ok := td["containerDefinitions"].([]any); ok {
		for _, c := range cs {
			c, ok := c.(map[string]any)
			if !ok {
				continue
			}
			if _, set := c["essential"]; !set {
				c["essential"] = true
			}
			if hc, ok := c["healthCheck"].(map[string]any); ok {
				setDefault(hc, "interval", json.Number("30"))
				setDefault(hc, "timeout", json.Number("5"))
				setDefault(hc, "retries", json.Number("3"))
			}
			if pms, ok := c["portMappings"].([]any); ok {
				for _, pm := range pms {
					pm, ok := pm.(map[string]any)
					if !ok {
						continue
					}
					setDefault(pm, "protocol", "tcp")
					if awsvpcOrHost {
						setDefault(pm, "hostPort", pm["containerPort"])
					}
				}
			}
			for field, key := range map[string]string{"environment": "name", "secrets": "name", "ulimits": "name", "systemControls": "namespace"} {
				if list, ok := c[field].([]any); ok {
					c[field] = sortedBy(list, key)
				}
			}
		}
		td["containerDefinitions"] = sortedBy(cs, "name")
	}
	// ECS answers with the roles' ARNs; the generated file may name them (RegisterTaskDefinition
	// takes either), so both sides compare the role's name.
	for _, k := range []string{"taskRoleArn", "executionRoleArn"} {
		if arn, ok := td[k].(string); ok {
			td[k] = arn[strings.LastIndex(arn, "/")+1:]
		}
	}
	if vs, ok := td["volumes"].([]any); ok {
		for _, v := range vs {
			if efs, ok := v.(map[string]any)["efsVolumeConfiguration"].(map[string]any); ok && efs["rootDirectory"] == "/" {
				delete(efs, "rootDirectory") // the default, which ECS fills in
			}
		}
		td["volumes"] = sortedBy(vs, "name")
	}
	// Linux on x86-64 is what a task runs on when it names no platform.
	if rp, ok := td["runtimePlatform"].(map[string]any); ok && rp["cpuArchitecture"] == "X86_64" && rp["operatingSystemFamily"] == "LINUX" && len(rp) == 2 {
		delete(td, "runtimePlatform")
	}
	if ts, ok := td["tags"].([]any); ok {
		td["tags"] = sortedBy(ts, "key")
	}
	if rc, ok := td["requiresCompatibilities"].([]any); ok {
		slices.SortFunc(rc, func(a, b any) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	}
	out, _ := prune(td, "").(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

func setDefault(m map[string]any, key string, v any) {
	if _, set := m[key]; !set && v != nil {
		m[key] = v
	}
}

// prune drops nulls, empty strings, lists and maps, zero numbers and false flags (except
// `essential`, whose default is true): ECS treats each as not set.
func prune(v any, key string) any {
	switch v := v.(type) {
	case nil:
		return nil
	case bool:
		if !v && key != "essential" {
			return nil
		}
	case string:
		if v == "" {
			return nil
		}
	case json.Number:
		if v == "0" {
			return nil
		}
	case map[string]any:
		for k, x := range v {
			if p := prune(x, k); p == nil {
				delete(v, k)
			} else {
				v[k] = p
			}
		}
		if len(v) == 0 {
			return nil
		}
	case []any:
		out := v[:0]
		for _, x := range v {
			if p := prune(x, ""); p != nil {
				out = append(out, p)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return v
}

// sortedBy sorts a list of objects by one of their string fields.
func sortedBy(list []any, key string) []any {
	slices.SortStableFunc(list, func(a, b any) int {
		am, _ := a.(map[string]any)
		bm, _ := b.(map[string]any)
		return strings.Compare(fmt.Sprint(am[key]), fmt.Sprint(bm[key]))
	})
	return list
}

// canonicalJSON is the indented JSON the two sides are compared in (keys sorted).
func canonicalJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return []byte(fmt.Sprint(v))
	}
	return append(b, '\n')
}
