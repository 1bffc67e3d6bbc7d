package diag

import (
	"encoding/json"
	"testing"
)

func TestGitHub(t *testing.T) {
	for _, tc := range []struct {
		f    Finding
		want string
	}{
		{Finding{Pos: Pos{File: "spec.cue", Line: 12, Col: 9}, Path: "services.web.cpu", Rule: "R20", Message: "300 is not a Fargate CPU size", Hint: "use 256, 512, …"},
			"::error file=spec.cue,line=12,col=9,title=ecsgen R20::services.web.cpu: 300 is not a Fargate CPU size — use 256, 512, …"},
		{Finding{Pos: Pos{File: "dir,a:b/spec.yaml", Line: 3}, Severity: Warning, Path: "loadBalancers.web", Message: "100% plain\nHTTP\r"},
			"::warning file=dir%2Ca%3Ab/spec.yaml,line=3,title=ecsgen::loadBalancers.web: 100%25 plain%0AHTTP%0D"},
		{Finding{Pos: Pos{File: "spec.cue"}, Message: "the spec file is empty"},
			"::error file=spec.cue,title=ecsgen::the spec file is empty"},
		{Finding{Message: "no position"}, "::error title=ecsgen::no position"},
	} {
		if got := tc.f.GitHub(); got != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
	if got := WorkflowCommand("error", nil, "a: b"); got != "::error::a: b" {
		t.Errorf("without properties: %s", got)
	}
}

func TestRecords(t *testing.T) {
	if b, _ := json.Marshal(List(nil).Records()); string(b) != "[]" {
		t.Errorf("no findings encode as %s, want []", b)
	}
	f := Finding{Pos: Pos{File: "spec.cue", Line: 2, Col: 3}, Path: "a.b", Rule: "R01", Severity: Warning, Message: "m", Hint: "h"}
	b, err := json.Marshal(f.Record())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"file":"spec.cue","line":2,"column":3,"path":"a.b","rule":"R01","severity":"warning","message":"m","hint":"h"}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	b, _ = json.Marshal(Finding{Message: "m"}.Record())
	if want := `{"file":"","line":0,"column":0,"path":"","rule":"","severity":"error","message":"m","hint":""}`; string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
}
