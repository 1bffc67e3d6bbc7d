package generators

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/iam"
	"github.com/awslabs/goformation/v7/cloudformation/tags"

	"github.com/ecsgen/ecsgen/schema"
)

// IAM policies are built once as policyDocument and encoded twice: into the role in the
// stack (ARNs as Fn::Sub over pseudo parameters) and into a file under policies/ (ARNs
// resolved with the spec's region and account) that reviewers read and `aws iam create-policy`
// accepts.

type policyDocument struct {
	Statements []statement
}

type statement struct {
	Sid       string
	Effect    string // default Allow
	Principal map[string]string
	Actions   []string
	Resources []pseudoString
	// Conditions, e.g. {"StringEquals", "aws:SourceAccount", "${AWS::AccountId}"}.
	Conditions []condition
}

// condition is one key of a statement's Condition block.
type condition struct {
	Operator, Key string
	Value         pseudoString
}

// policyJSON is a rendered policy document. Its fields are declared in key order, so that
// encoding/json (policy files) and the template encoders (which sort keys) write the same
// members in the same order; the text is the same as that of the maps it replaced.
type policyJSON struct {
	Statement []statementJSON `json:"Statement"`
	Version   string          `json:"Version"`
}

type statementJSON struct {
	Action    any                          `json:"Action"` // a string, or a list of them
	Condition map[string]map[string]string `json:"Condition,omitempty"`
	Effect    string                       `json:"Effect"`
	Principal map[string]string            `json:"Principal,omitempty"`
	Resource  any                          `json:"Resource,omitempty"` // a string, or a list of them
	Sid       string                       `json:"Sid,omitempty"`
}

// render gives the document ready to encode, with each ARN made by arn.
func (d policyDocument) render(arn func(pseudoString) string) policyJSON {
	stmts := make([]statementJSON, 0, len(d.Statements))
	for _, s := range d.Statements {
		m := statementJSON{Sid: s.Sid, Effect: cmpOr(s.Effect, "Allow"), Action: stringOrList(s.Actions)}
		if len(s.Principal) > 0 {
			m.Principal = make(map[string]string, len(s.Principal))
			for k, v := range s.Principal {
				m.Principal[k] = arn(pseudoString(v)) // an account principal may name ${AWS::AccountId}
			}
		}
		if len(s.Resources) > 0 {
			var res []string
			for _, r := range s.Resources {
				// Two references can render alike in a file (both unknown until deploy).
				if a := arn(r); !slices.Contains(res, a) {
					res = append(res, a)
				}
			}
			m.Resource = stringOrList(res)
		}
		if len(s.Conditions) > 0 {
			m.Condition = map[string]map[string]string{}
			for _, c := range s.Conditions {
				op := m.Condition[c.Operator]
				if op == nil {
					op = map[string]string{}
					m.Condition[c.Operator] = op
				}
				op[c.Key] = arn(c.Value)
			}
		}
		stmts = append(stmts, m)
	}
	return policyJSON{Statement: stmts, Version: "2012-10-17"}
}

// stringOrList is a single string, or the list (shared: a rendered document is only encoded).
func stringOrList(s []string) any {
	if len(s) == 1 {
		return s[0]
	}
	return s
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// role is an IAM role with its trust policy and one inline permission policy.
type role struct {
	Key         string // file name stem under policies/, e.g. "web-task"
	LogicalID   string
	Name        string // RoleName: explicit, so task definitions for the CLI can name it
	Description string
	Trusted     string // the service principal the role trusts
	Trust       policyDocument
	Permissions policyDocument // may be empty
	// ManagedPolicies are ARNs of managed policies the spec attaches.
	ManagedPolicies []string
}

// userStatements are statements the spec writes, with ${AWS::…} in resources kept as
// references.
func userStatements(sts []schema.Statement) []statement {
	var out []statement
	for _, st := range sts {
		res := make([]pseudoString, len(st.Resources))
		for i, r := range st.Resources {
			res[i] = userTemplate(r)
		}
		out = append(out, statement{Sid: st.Sid, Effect: st.Effect, Actions: st.Actions, Resources: res})
	}
	return out
}

func trustedBy(service string) policyDocument {
	return policyDocument{Statements: []statement{{
		Effect:    "Allow",
		Principal: map[string]string{"Service": service},
		Actions:   []string{"sts:AssumeRole"},
	}}}
}

// trustedOnBehalfOf is a trust policy with confused-deputy protection: the service may assume
// the role only for a resource of this account (aws:SourceAccount) whose ARN matches
// sourceArn (aws:SourceArn). Only for services that AWS documents to send both keys when they
// assume a role: a condition on a key the service does not send denies every assumption.
func trustedOnBehalfOf(service string, sourceArn pseudoString) policyDocument {
	d := trustedBy(service)
	d.Statements[0].Conditions = []condition{
		{"StringEquals", "aws:SourceAccount", "${AWS::AccountId}"},
		{"ArnLike", "aws:SourceArn", sourceArn},
	}
	return d
}

// resource builds the CloudFormation role and records its policy files.
func (e *env) roleResource(r role, tagList []tags.Tag) *iam.Role {
	cfnARN := func(p pseudoString) string { return p.cfn() }
	fileARN := func(p pseudoString) string { return p.resolve(e) }

	res := &iam.Role{
		RoleName:                 ptr(r.Name),
		Description:              ptr(r.Description),
		AssumeRolePolicyDocument: r.Trust.render(cfnARN),
		Tags:                     tagList,
		ManagedPolicyArns:        r.ManagedPolicies,
	}
	e.addPolicy("policies/"+r.Key+"-trust.json", r.Trust.render(fileARN))
	if len(r.Permissions.Statements) > 0 {
		res.Policies = []iam.Role_Policy{{
			PolicyName:     r.Key,
			PolicyDocument: r.Permissions.render(cfnARN),
		}}
		e.addPolicy("policies/"+r.Key+".json", r.Permissions.render(fileARN))
	}
	return res
}

// useRole is the ARN of a role the stack uses: the role it creates, or an existing one (arn),
// for which it writes what the role must allow instead.
func (e *env) useRole(t *cloudformation.Template, r role, existing string) string {
	if existing == "" {
		t.Resources[r.LogicalID] = e.roleResource(r, e.tags(nil))
		return GetAtt(r.LogicalID, "Arn")
	}
	e.requiredPolicyFiles(r, existing)
	return existing
}

// roleARNRef is a role's ARN in a policy: the role of the stack with this logical id, or an
// existing one.
func roleARNRef(logicalID, existing string) pseudoString {
	if existing != "" {
		return userTemplate(existing)
	}
	return pseudoString("${" + logicalID + ".Arn}")
}

// requiredPolicyFiles writes, for an existing role, what it must allow: the same files a
// created role gets (policies/<key>-trust.json, policies/<key>.json), with the role's account
// in the ARNs. They are a reference for whoever manages the role (checklist.md says how to
// check and grant them), never applied by ecsgen.
func (e *env) requiredPolicyFiles(r role, existing string) {
	re := e.inAccountOf(existing)
	fileARN := func(p pseudoString) string { return p.resolve(re) }
	e.addPolicy("policies/"+r.Key+"-trust.json", r.Trust.render(fileARN))
	if len(r.Permissions.Statements) > 0 {
		e.addPolicy("policies/"+r.Key+".json", r.Permissions.render(fileARN))
	}
}

// inAccountOf is the env with the account of an ARN, for files about a resource of that
// account.
func (e *env) inAccountOf(arn string) *env {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[4] == "" || parts[4] == e.spec.Account {
		return e
	}
	spec := *e.spec
	spec.Account = parts[4]
	clone := *e
	clone.spec = &spec
	return &clone
}

// arn builds an ARN of this stack's partition, region and account.
func arn(service, resource string) pseudoString {
	return pseudoString("arn:${AWS::Partition}:" + service + ":${AWS::Region}:${AWS::AccountId}:" + subLiteral(resource))
}

func (e *env) addJSON(p string, v any) {
	b, err := marshalIndent(v)
	if err != nil {
		panic(err) // maps of strings always encode
	}
	e.extraFiles[p] = b
}

// addPolicy adds a policy file: marshalIndent(d), written by encodePolicyFile.
func (e *env) addPolicy(p string, d policyJSON) {
	b, ok := encodePolicyFile(d)
	if !ok || verifyEncodings {
		general, err := marshalIndent(d)
		if err != nil {
			panic(err) // strings, lists and maps of strings always encode
		}
		if ok && !bytes.Equal(b, general) {
			panic(fmt.Sprintf("internal error: policy file %s: the direct encoding differs from encoding/json's:\n%s\n---\n%s", p, b, general))
		}
		b = general
	}
	e.extraFiles[p] = b
}
