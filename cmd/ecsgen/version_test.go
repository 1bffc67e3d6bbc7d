package main

import (
	"runtime/debug"
	"testing"
)

func TestDescribeVersion(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	const rev = "018de411f6be34fd5923e0f4978091119bb3c9af"
	for _, tc := range []struct {
		name             string
		bi               *debug.BuildInfo
		ldVersion, ldRev string
		want             string
	}{
		{"go install of a tag", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "", "", "v1.2.0"},
		{"go install of a commit", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261126024851-018de411f6be"}}, "", "",
			"v0.0.0-20261126024851-018de411f6be (commit 018de411f6be)"},
		{"go build in a tagged clone", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}, Settings: vcs(rev, "false")}, "", "",
			"v1.2.0 (commit 018de411f6be)"},
		{"go build in a changed clone", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.1-0.20261126024851-018de411f6be+dirty"}, Settings: vcs(rev, "true")}, "", "",
			"v1.2.1-0.20261126024851-018de411f6be+dirty (commit 018de411f6be)"},
		{"go build without VCS stamping, changed", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "true")}, "", "",
			"devel (commit 018de411f6be, with local changes)"},
		{"go build with -buildvcs=false", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "", "", "devel (commit unknown)"},
		{"no build info", nil, "", "", "devel (commit unknown)"},
		{"release build", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "v1.3.0", rev, "v1.3.0 (commit 018de411f6be)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := describeVersion(tc.bi, tc.ldVersion, tc.ldRev); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
