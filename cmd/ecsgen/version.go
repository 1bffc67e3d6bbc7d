package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/module"
)

// Set by the release build (.goreleaser.yaml: -X main.version=… -X main.commit=…); empty in
// any other build, which then takes both from the build information Go embeds in binaries.
var (
	version string
	commit  string
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of ecsgen and the commit it was built from",
		Long: `Print the version of ecsgen and the commit it was built from (also: ecsgen --version,
ecsgen -v). A build from a checkout without version information prints devel.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "ecsgen %s\n", versionString())
			return err
		},
	}
}

func versionString() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return describeVersion(bi, version, commit)
}

// describeVersion says which ecsgen this is: the module version (v1.2.3 from `go install
// …@v1.2.3` or a release; a pseudo-version for a build of an untagged commit) and the VCS
// commit when it is known, from the release build's flags or else from the build info.
// "devel" stands only for a version that nothing records, e.g. `go build` in a checkout
// with -buildvcs=false.
func describeVersion(bi *debug.BuildInfo, ldVersion, ldCommit string) string {
	v, rev, modified := ldVersion, ldCommit, false
	if bi != nil {
		if v == "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if rev == "" {
					rev = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if rev == "" && module.IsPseudoVersion(v) {
		rev, _ = module.PseudoVersionRev(v) // the commit is the pseudo-version's last part
	}
	if v == "" {
		v = "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	var notes []string
	switch {
	case rev != "":
		notes = append(notes, "commit "+rev)
	case v == "devel":
		notes = append(notes, "commit unknown")
	}
	if modified && !strings.HasSuffix(v, "+dirty") {
		notes = append(notes, "with local changes")
	}
	if len(notes) == 0 {
		return v
	}
	return v + " (" + strings.Join(notes, ", ") + ")"
}
