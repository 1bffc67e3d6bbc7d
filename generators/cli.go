package generators

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/awslabs/goformation/v7/cloudformation/ecs"

	"github.com/ecsgen/ecsgen/schema"
)

// The CLI form of a task definition: the input of `aws ecs register-task-definition
// --cli-input-json`. It is the task definition's Properties with camelCase keys (but in the
// maps whose keys are the user's), the intrinsics resolved to what the CLI needs (a role's
// name for its ARN), and deploy-time values replaced by placeholders (deploytime.go).
//
// Two paths give the same bytes. The general one (cliTaskDefinitionByTree) encodes the
// resource with encoding/json, decodes it into a tree, replaces the placeholders in the tree
// (cliPlaceholders), converts it (toCLI) and writes it (encodeTree). The direct one writes the
// typed value with the direct encoder (encode.go) in its CLI form, after replacing the
// placeholders in a copy of the container definitions (cliContainerDefinitions); every value it
// does not cover — an intrinsic, a fallback type, a map or struct whose keys could be taken
// for an intrinsic or collide once renamed — goes through the general path's own steps
// (decode, expandMarkers, toCLI, writeTree) for that value alone, which is exact because each
// step works value by value given the key of the member holding it. With verifyEncodings set
// (the package's tests) each call compares the two.

// cliTaskDefinition encodes a task definition as `aws ecs register-task-definition
// --cli-input-json` input. roleNames maps the logical ids of roles to their names: ECS accepts
// a role's name in taskRoleArn and executionRoleArn and fills in the account, so the file needs
// no account id.
func cliTaskDefinition(td *taskDefinition, roleNames map[string]string, s *schema.Spec, svc schema.Service) ([]byte, error) {
	out, ok, err := cliTaskDefinitionDirectly(td, roleNames, s, svc)
	if !ok || err != nil {
		return cliTaskDefinitionByTree(td, roleNames, s, svc)
	}
	if verifyEncodings {
		want, err := cliTaskDefinitionByTree(td, roleNames, s, svc)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(out, want) {
			return nil, fmt.Errorf("internal error: the direct CLI form of task definition %v differs from the general one:\n%s\n---\n%s", td.Family, out, want)
		}
	}
	return out, nil
}

// cliTaskDefinitionDirectly is the direct path; ok is false for a task definition it leaves
// to the general path: one with extension properties (ecsext.go), or with a placeholder that
// is not valid UTF-8 (the general path writes its invalid bytes escaped, unlike those of every
// other string, which went through encoding/json; the loader never gives such a string).
// An error also leaves the task definition to the general path, which says what is wrong.
func cliTaskDefinitionDirectly(td *taskDefinition, roleNames map[string]string, s *schema.Spec, svc schema.Service) ([]byte, bool, error) {
	if _, ov, ok := td.extends(); !ok || ov != nil {
		return nil, false, nil
	}
	p := planOf(reflect.TypeFor[ecs.TaskDefinition]())
	if p.kind != asResource || !p.cliDirect {
		return nil, false, nil
	}
	defs, ok := cliContainerDefinitions(s, svc, td.ContainerDefinitions)
	if !ok {
		return nil, false, nil
	}
	props := *td.TaskDefinition
	props.ContainerDefinitions = defs
	b := getBuffer()
	b.Grow(4 << 10)
	w := directWriter{re: reencoder{out: b}, cli: newCLIForm(roleNames)}
	if err := w.fields(reflect.ValueOf(&props).Elem(), p, 0, ""); err != nil {
		return nil, false, err
	}
	b.WriteByte('\n')
	return release(b), true, nil
}

// cliTaskDefinitionByTree is the general path.
func cliTaskDefinitionByTree(td *taskDefinition, roleNames map[string]string, s *schema.Spec, svc schema.Service) ([]byte, error) {
	raw, err := json.Marshal(td)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var res struct{ Properties any }
	if err := dec.Decode(&res); err != nil {
		return nil, err
	}
	tree, err := expandMarkers(res.Properties)
	if err != nil {
		return nil, err
	}
	cliPlaceholders(s, svc, tree)
	tree, err = toCLI(tree, roleNames, "")
	if err != nil {
		return nil, err
	}
	return encodeTree(tree)
}

// cliForm is the direct encoder's state for the CLI form.
type cliForm struct {
	roleNames map[string]string
	// roleARNs maps the marker GetAtt(id, "Arn") of each role of roleNames to the role's name:
	// the general path decodes that marker to {"Fn::GetAtt": [id, "Arn"]}, which toCLI
	// resolves to the name. intrinsic builds the same marker for the same arguments.
	roleARNs map[string]string
}

func newCLIForm(roleNames map[string]string) *cliForm {
	c := &cliForm{roleNames: roleNames, roleARNs: make(map[string]string, len(roleNames))}
	for id, name := range roleNames {
		c.roleARNs[GetAtt(id, "Arn")] = name
	}
	return c
}

// tree writes raw, a value's encoding/json text, as the general path writes that value:
// decoded, its markers expanded, converted and written as a tree. parent is the key of the
// member holding the value.
func (c *cliForm) tree(w *directWriter, raw []byte, depth int, parent string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return err
	}
	tree, err := expandMarkers(tree)
	if err != nil {
		return err
	}
	return c.write(w, tree, depth, parent)
}

// intrinsic writes a marker string (valid UTF-8) as the general path does.
func (c *cliForm) intrinsic(w *directWriter, s string, depth int, parent string) error {
	if name, ok := c.roleARNs[s]; ok {
		writeString(w.out(), name) // as writeTree writes the string toCLI gives
		return nil
	}
	tree, err := expandMarkers(s)
	if err != nil {
		return err
	}
	return c.write(w, tree, depth, parent)
}

func (c *cliForm) write(w *directWriter, tree any, depth int, parent string) error {
	tree, err := toCLI(tree, c.roleNames, parent)
	if err != nil {
		return err
	}
	return writeTree(w.out(), tree, depth)
}

// mapValue writes a map of the CLI form: keys renamed (but under a user-keyed parent) and
// sorted as renamed. A map that toCLI would take for an intrinsic, or whose renamed keys
// collide, or with keys that are not valid UTF-8, takes the general path.
func (c *cliForm) mapValue(w *directWriter, v reflect.Value, depth int, parent string) error {
	type entry struct {
		key, out string
		val      reflect.Value
	}
	keep := userKeyedMaps[parent]
	entries := make([]entry, 0, v.Len())
	for iter := v.MapRange(); iter.Next(); {
		k := iter.Key().String()
		if !utf8.ValidString(k) || (!keep && k == "") {
			return w.fallback(v, depth, parent)
		}
		out := k
		if !keep {
			out = cliKey(k)
		}
		entries = append(entries, entry{k, out, iter.Value()})
	}
	if len(entries) == 1 && intrinsicName.MatchString(entries[0].key) {
		return w.fallback(v, depth, parent)
	}
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.out, b.out) })
	for i := 1; i < len(entries); i++ {
		if entries[i].out == entries[i-1].out {
			return w.fallback(v, depth, parent)
		}
	}
	b := w.out()
	b.WriteByte('{')
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		newline(b, depth+1)
		writeString(b, e.out) // as writeTree writes the key toCLI made
		b.WriteString(": ")
		if err := w.value(e.val, depth+1, e.key); err != nil {
			return err
		}
	}
	w.endObject(depth, len(entries))
	return nil
}

// userKeyedMaps are properties whose keys are the user's (log driver options, Docker labels),
// not field names: their keys are kept as they are.
var userKeyedMaps = map[string]bool{"Options": true, "DockerLabels": true, "DriverOpts": true, "Labels": true}

// cliKeyExceptions are the CloudFormation property names whose API name is not the name with
// its first letter lowered.
var cliKeyExceptions = map[string]string{
	"EFSVolumeConfiguration":                  "efsVolumeConfiguration",
	"FilesystemId":                            "fileSystemId",
	"FSxWindowsFileServerVolumeConfiguration": "fsxWindowsFileServerVolumeConfiguration",
	"IAM": "iam",
}

func cliKey(k string) string {
	if x, ok := cliKeyExceptions[k]; ok {
		return x
	}
	if k == "" {
		return k // no property is named so; kept as it is rather than indexed
	}
	return strings.ToLower(k[:1]) + k[1:]
}

// toCLI renames keys and resolves the intrinsics a task definition may hold.
func toCLI(v any, roleNames map[string]string, parent string) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if fn, arg, ok := asIntrinsic(x); ok {
			return resolveForCLI(fn, arg, roleNames)
		}
		out := make(map[string]any, len(x))
		for k, val := range x {
			conv, err := toCLI(val, roleNames, k)
			if err != nil {
				return nil, err
			}
			if userKeyedMaps[parent] {
				out[k] = conv
			} else {
				out[cliKey(k)] = conv
			}
		}
		return out, nil
	case []any:
		for i := range x {
			conv, err := toCLI(x[i], roleNames, parent)
			if err != nil {
				return nil, err
			}
			x[i] = conv
		}
	}
	return v, nil
}

var intrinsicName = regexp.MustCompile(`^(Ref|Fn::[A-Za-z0-9]+)$`)

// IsIntrinsicName reports whether k is the key CloudFormation reads a one-key object by as an
// intrinsic function (Ref, Fn::…): a user's map holding that key alone cannot be written into a
// template or a task definition as data (check.checkIntrinsicKeys reports it).
func IsIntrinsicName(k string) bool { return intrinsicName.MatchString(k) }

func asIntrinsic(m map[string]any) (string, any, bool) {
	if len(m) != 1 {
		return "", nil, false
	}
	for k, v := range m {
		if intrinsicName.MatchString(k) {
			return k, v, true
		}
	}
	return "", nil, false
}

func resolveForCLI(fn string, arg any, roleNames map[string]string) (any, error) {
	if fn == "Fn::GetAtt" {
		if a, ok := arg.([]any); ok && len(a) == 2 && a[1] == "Arn" {
			if name, ok := roleNames[fmt.Sprint(a[0])]; ok {
				return name, nil
			}
		}
	}
	return nil, fmt.Errorf("internal error: task definition holds %s %v, which has no value outside CloudFormation", fn, arg)
}
