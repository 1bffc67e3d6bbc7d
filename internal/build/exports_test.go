package build

import (
	"errors"
	"maps"
	"testing"

	"github.com/ecsgen/ecsgen/internal/plan"
)

type sinkFunc func(p string, b []byte) error

func (f sinkFunc) Add(p string, b []byte) error { return f(p, b) }

// exportScan records plan.MayExport of each stack template it passes on, and only of those;
// it passes every file on as it was given, and its sink's error as it is. A template given
// twice records true: which bytes the previous output was compared with is not known, and
// true only makes the plan parse the template.
func TestExportScan(t *testing.T) {
	given := map[string]string{}
	full := errors.New("disk full")
	s := newExportScan(sinkFunc(func(p string, b []byte) error {
		given[p] = string(b)
		if p == "dev/stacks/broken.json" {
			return full
		}
		return nil
	}))
	files := []struct{ path, data string }{
		{"dev/stacks/exports.json", `{"Outputs": {"O": {"Value": 1, "Export": {"Name": "n"}}}}`},
		{"dev/stacks/plain.json", `{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}`},
		{"dev/stacks/escaped.json", `{"Outputs": {"O": {"Value": 1, "\u0045xport": {"Name": "n"}}}}`},
		{"dev/stacks/twice.json", `{"Resources": {}}`},
		{"dev/stacks/twice.json", `{"Resources": {}}`},
		{"prod/stacks/plain.json", `{"Resources": {}}`},
		{"dev/taskdefs/export.json", `{"Export": 1}`},     // not a stack's template
		{"dev/stacks/notes.txt", `Export`},                // nor this
		{"dev/stacks/sub/deep.json", `{"Resources": {}}`}, // nor this: stacks/*.json only
		{"dev/stacks/broken.json", `{}`},
	}
	for _, f := range files {
		err := s.Add(f.path, []byte(f.data))
		if want := f.path == "dev/stacks/broken.json"; (err == full) != want {
			t.Errorf("%s: error %v", f.path, err)
		}
		if given[f.path] != f.data {
			t.Errorf("%s passed on as %q", f.path, given[f.path])
		}
	}
	want := map[string]bool{
		"dev/stacks/exports.json": true, "dev/stacks/plain.json": false, "dev/stacks/escaped.json": true,
		"dev/stacks/twice.json": true, "prod/stacks/plain.json": false, "dev/stacks/broken.json": false,
	}
	if got := s.record(); !maps.Equal(got, want) {
		t.Errorf("recorded %v, want %v", got, want)
	}
	for p, may := range want {
		if p != "dev/stacks/twice.json" && plan.MayExport([]byte(given[p])) != may {
			t.Errorf("%s: the record is not plan.MayExport of the bytes", p)
		}
	}
}
