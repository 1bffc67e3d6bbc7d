package generators

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/awslabs/goformation/v7/cloudformation/ecs"

	"github.com/ecsgen/ecsgen/schema"
)

// Deploy-time environment values (containers.<name>.deployTimeEnvironment) are written into
// the stack's task definition as CloudFormation resolves them: a load balancer's DNS name and
// another stack's export through Fn::ImportValue, an SSM parameter through a dynamic reference
// ({{resolve:ssm:name[:version]}}). taskdefs/<service>.json, for the AWS CLI, cannot hold
// either: it carries a placeholder that names the source, and checklist.md says how to look
// the value up.

// ExportLoadBalancerDNSName is the cluster stack's export of a load balancer's DNS name, made
// only when a container's deploy-time environment uses it.
func ExportLoadBalancerDNSName(lb string) string { return lb + ":LoadBalancerDNSName" }

// deployTimeValue is the value as the stack writes it.
func (e *env) deployTimeValue(v schema.DeployTimeValue) string {
	var value string
	switch {
	case v.LoadBalancer != "":
		value = ImportValue(exportName(e.spec, ExportLoadBalancerDNSName(v.LoadBalancer)))
	case v.Import != "":
		value = ImportValue(v.Import)
	default:
		// A plain string: CloudFormation resolves dynamic references in any resource property.
		return v.Prefix + ssmReference(v) + v.Suffix
	}
	if v.Prefix == "" && v.Suffix == "" {
		return value
	}
	var parts []string
	for _, p := range []string{v.Prefix, value, v.Suffix} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return Join("", parts...)
}

func ssmReference(v schema.DeployTimeValue) string {
	if v.Version > 0 {
		return fmt.Sprintf("{{resolve:ssm:%s:%d}}", v.SSMParameter, v.Version)
	}
	return "{{resolve:ssm:" + v.SSMParameter + "}}"
}

// DeployTimePlaceholder is what taskdefs/<service>.json holds for a deploy-time value.
func DeployTimePlaceholder(s *schema.Spec, v schema.DeployTimeValue) string {
	var src string
	switch {
	case v.LoadBalancer != "":
		src = "DNS name of load balancer " + v.LoadBalancer + " (export " + exportName(s, ExportLoadBalancerDNSName(v.LoadBalancer)) + ")"
	case v.Import != "":
		src = "export " + v.Import
	default:
		src = "SSM parameter " + v.SSMParameter
		if v.Version > 0 {
			src += fmt.Sprintf(" version %d", v.Version)
		}
	}
	return v.Prefix + "<deploy-time: " + src + ">" + v.Suffix
}

// DeployTimeLookup is the AWS CLI command that prints a deploy-time value's source.
func DeployTimeLookup(s *schema.Spec, v schema.DeployTimeValue) string {
	switch {
	case v.LoadBalancer != "":
		return fmt.Sprintf("aws cloudformation list-exports --region %s --query \"Exports[?Name=='%s'].Value\" --output text", s.Region, exportName(s, ExportLoadBalancerDNSName(v.LoadBalancer)))
	case v.Import != "":
		return fmt.Sprintf("aws cloudformation list-exports --region %s --query \"Exports[?Name=='%s'].Value\" --output text", s.Region, v.Import)
	}
	name := v.SSMParameter
	if v.Version > 0 {
		name = fmt.Sprintf("%s:%d", name, v.Version)
	}
	return fmt.Sprintf("aws ssm get-parameter --region %s --name %s --query Parameter.Value --output text", s.Region, name)
}

// environment is a container's environment, literal and deploy-time, sorted by name.
func (e *env) environment(c schema.Container) []ecs.TaskDefinition_KeyValuePair {
	var keys []string
	for k := range c.Environment {
		keys = append(keys, k)
	}
	for k := range c.DeployTimeEnvironment {
		if _, dup := c.Environment[k]; !dup { // R67
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []ecs.TaskDefinition_KeyValuePair
	for _, k := range keys {
		value, literal := c.Environment[k]
		if !literal {
			value = e.deployTimeValue(c.DeployTimeEnvironment[k])
		}
		out = append(out, ecs.TaskDefinition_KeyValuePair{Name: ptr(k), Value: ptr(value)})
	}
	return out
}

// cliPlaceholders replaces, in the CLI form of a task definition (before its intrinsics are
// resolved), the deploy-time environment values with their placeholders, and resolves the
// partial ARNs of secrets by name.
func cliPlaceholders(s *schema.Spec, svc schema.Service, tree any) {
	props, _ := tree.(map[string]any)
	defs, _ := props["ContainerDefinitions"].([]any)
	for _, d := range defs {
		def, _ := d.(map[string]any)
		name, _ := def["Name"].(string)
		cliSecretARNs(s, def)
		dte := svc.Containers[name].DeployTimeEnvironment
		if len(dte) == 0 {
			continue
		}
		env, _ := def["Environment"].([]any)
		for _, kv := range env {
			pair, _ := kv.(map[string]any)
			key, _ := pair["Name"].(string)
			if v, ok := dte[key]; ok {
				if _, literal := svc.Containers[name].Environment[key]; !literal {
					pair["Value"] = DeployTimePlaceholder(s, v)
				}
			}
		}
	}
}

// cliSecretARNs resolves, in a container definition of the CLI form, the partial ARNs of the
// secrets named by name (Fn::Sub over the partition, region and account) with the spec's
// values; without an account, the ARN holds schema.AccountPlaceholder (R89).
func cliSecretARNs(s *schema.Spec, def map[string]any) {
	secrets, _ := def["Secrets"].([]any)
	if len(secrets) == 0 {
		return
	}
	r := secretARNReplacer(s)
	for _, sec := range secrets {
		pair, _ := sec.(map[string]any)
		if sub, ok := pair["ValueFrom"].(map[string]any); ok && len(sub) == 1 {
			if tmpl, ok := sub["Fn::Sub"].(string); ok {
				pair["ValueFrom"] = r.Replace(tmpl)
			}
		}
	}
}

// cliContainerDefinitions is cliPlaceholders on the typed container definitions, for the
// direct encoding of the CLI form (cli.go): a copy of defs with the same values replaced, the
// spec's own slices untouched. The general path reads each name as the decoded tree holds it
// (treeString). ok is false when a placeholder is not valid UTF-8 (see
// cliTaskDefinitionDirectly).
func cliContainerDefinitions(s *schema.Spec, svc schema.Service, defs []ecs.TaskDefinition_ContainerDefinition) (_ []ecs.TaskDefinition_ContainerDefinition, ok bool) {
	out := slices.Clone(defs)
	var secretARNs *strings.Replacer // made for the first secret, once per task definition
	for i := range out {
		d := &out[i]
		name := treeString(d.Name)
		if len(d.Secrets) > 0 {
			d.Secrets = slices.Clone(d.Secrets)
			for j := range d.Secrets {
				if tmpl, ok := subTemplate(d.Secrets[j].ValueFrom); ok {
					if secretARNs == nil {
						secretARNs = secretARNReplacer(s)
					}
					d.Secrets[j].ValueFrom = secretARNs.Replace(tmpl)
				}
			}
		}
		dte := svc.Containers[name].DeployTimeEnvironment
		if len(dte) == 0 {
			continue
		}
		d.Environment = slices.Clone(d.Environment)
		for j := range d.Environment {
			key := ""
			if n := d.Environment[j].Name; n != nil {
				key = treeString(*n)
			}
			if v, ok := dte[key]; ok {
				if _, literal := svc.Containers[name].Environment[key]; !literal {
					p := DeployTimePlaceholder(s, v)
					if !utf8.ValidString(p) {
						return nil, false
					}
					d.Environment[j].Value = &p
				}
			}
		}
	}
	return out, true
}

// treeString is a string property as cliPlaceholders reads it from the decoded tree: a marker
// is an object there (no string), and invalid UTF-8 was decoded to U+FFFD.
func treeString(s string) string {
	if strings.HasPrefix(s, marker) {
		return ""
	}
	if !utf8.ValidString(s) {
		return decodedUTF8(s)
	}
	return s
}

// subTemplate is the template of an Fn::Sub that a string property holds as a marker, as
// cliSecretARNs finds it in the tree.
func subTemplate(s string) (string, bool) {
	if !strings.HasPrefix(s, marker) {
		return "", false
	}
	if !utf8.ValidString(s) {
		s = decodedUTF8(s) // as the tree's decoding saw it
	}
	tree, err := expandMarkers(s)
	if err != nil {
		return "", false
	}
	sub, ok := tree.(map[string]any)
	if !ok || len(sub) != 1 {
		return "", false
	}
	tmpl, ok := sub["Fn::Sub"].(string)
	return tmpl, ok
}

// secretARNReplacer resolves the pseudo parameters of secrets' partial ARNs with the spec's
// values (cliSecretARNs).
func secretARNReplacer(s *schema.Spec) *strings.Replacer {
	account := s.Account
	if account == "" {
		account = schema.AccountPlaceholder
	}
	return strings.NewReplacer("${AWS::Partition}", Partition(s.Region), "${AWS::Region}", s.Region, "${AWS::AccountId}", account, "${!", "${")
}
