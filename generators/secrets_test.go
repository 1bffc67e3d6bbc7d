package generators

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ecsgen/ecsgen/schema"
)

// A Secrets Manager secret by name: the stack's task definition names it by partial ARN over
// the stack's partition, region and account; taskdefs/<service>.json with the spec's region and
// account, or a placeholder for an account the spec does not give (R89); the execution role may
// read the secret whatever its random suffix, and nothing else of that name.
func TestSecretByName(t *testing.T) {
	for _, account := range []string{"", "123456789012"} {
		s := spec()
		s.Account = account
		web := s.Services["web"]
		app := web.Containers["app"]
		app.Secrets = map[string]schema.Secret{
			"DB_PASSWORD": {ByName: &schema.SecretByName{SecretsManager: "demo/db", Key: "password"}},
			"TOKEN":       {ByName: &schema.SecretByName{SecretsManager: "demo/token", VersionStage: "AWSPREVIOUS"}},
			"PARAM":       {ValueFrom: "/demo/param"},
		}
		web.Containers = map[string]schema.Container{"app": app, "sidecar": web.Containers["sidecar"]}
		s.Services["web"] = web
		files, err := Generate(s)
		if err != nil {
			t.Fatal(err)
		}

		svc := decode(t, files["dev/stacks/demo-dev-svc-web.json"])
		defs := svc["Resources"].(map[string]any)["TaskDefinition"].(map[string]any)["Properties"].(map[string]any)["ContainerDefinitions"].([]any)
		var secrets any
		for _, d := range defs {
			if d.(map[string]any)["Name"] == "app" {
				secrets = d.(map[string]any)["Secrets"]
			}
		}
		want := `[{"Name":"DB_PASSWORD","ValueFrom":{"Fn::Sub":"arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:demo/db:password::"}},` +
			`{"Name":"PARAM","ValueFrom":"/demo/param"},` +
			`{"Name":"TOKEN","ValueFrom":{"Fn::Sub":"arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:demo/token::AWSPREVIOUS:"}}]`
		if got := encodeJSON(t, secrets); got != want {
			t.Errorf("account %q: stack secrets:\n%s\nwant\n%s", account, got, want)
		}

		var cli struct {
			ContainerDefinitions []struct {
				Name    string
				Secrets []struct{ Name, ValueFrom string }
			}
		}
		if err := json.Unmarshal(files["dev/taskdefs/web.json"], &cli); err != nil {
			t.Fatal(err)
		}
		acct := account
		if acct == "" {
			acct = "<deploy-time: account id>"
		}
		got := map[string]string{}
		for _, c := range cli.ContainerDefinitions {
			for _, sec := range c.Secrets {
				got[sec.Name] = sec.ValueFrom
			}
		}
		wantCLI := map[string]string{
			"DB_PASSWORD": "arn:aws:secretsmanager:ap-northeast-1:" + acct + ":secret:demo/db:password::",
			"TOKEN":       "arn:aws:secretsmanager:ap-northeast-1:" + acct + ":secret:demo/token::AWSPREVIOUS:",
			"PARAM":       "/demo/param",
		}
		for k, v := range wantCLI {
			if got[k] != v {
				t.Errorf("account %q: taskdefs/web.json %s = %q, want %q", account, k, got[k], v)
			}
		}

		policy := string(files["dev/policies/web-execution.json"])
		policyAcct := account
		if policyAcct == "" {
			policyAcct = "*"
		}
		for _, name := range []string{"demo/db", "demo/token"} {
			if want := `"arn:aws:secretsmanager:ap-northeast-1:` + policyAcct + `:secret:` + name + `-??????"`; !strings.Contains(policy, want) {
				t.Errorf("account %q: execution policy lacks %s:\n%s", account, want, policy)
			}
		}
	}
}
