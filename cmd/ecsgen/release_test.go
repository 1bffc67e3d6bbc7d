package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"golang.org/x/mod/modfile"
)

// goreleaserConfig is the part of .goreleaser.yaml (GoReleaser v2) that the release relies on.
type goreleaserConfig struct {
	Version int `yaml:"version"`
	Builds  []struct {
		ID      string   `yaml:"id"`
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Env     []string `yaml:"env"`
		GOOS    []string `yaml:"goos"`
		GOARCH  []string `yaml:"goarch"`
		Ldflags []string `yaml:"ldflags"`
	} `yaml:"builds"`
	Archives []struct {
		IDs     []string `yaml:"ids"`
		Formats []string `yaml:"formats"`
		Files   []string `yaml:"files"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
		Algorithm    string `yaml:"algorithm"`
	} `yaml:"checksum"`
}

// TestGoReleaserConfig checks the structure of .goreleaser.yaml without goreleaser (CI also
// runs `goreleaser check` and a snapshot release): the binary is this command, for linux and
// darwin on amd64 and arm64, with checksums, the archives carry the licence, and the ldflags
// set variables that exist here.
func TestGoReleaserConfig(t *testing.T) {
	data, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var c goreleaserConfig
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&c); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if c.Version != 2 {
		t.Errorf("version: %d, want 2 (GoReleaser v2)", c.Version)
	}
	if len(c.Builds) != 1 {
		t.Fatalf("%d builds, want 1", len(c.Builds))
	}
	b := c.Builds[0]
	if b.Main != "./cmd/ecsgen" || b.Binary != "ecsgen" {
		t.Errorf("build main %q binary %q, want ./cmd/ecsgen and ecsgen", b.Main, b.Binary)
	}
	if _, err := os.Stat("../../" + b.Main + "/main.go"); err != nil {
		t.Errorf("build main: %v", err)
	}
	if !slices.Equal(b.GOOS, []string{"linux", "darwin"}) || !slices.Equal(b.GOARCH, []string{"amd64", "arm64"}) {
		t.Errorf("targets %v × %v, want [linux darwin] × [amd64 arm64]", b.GOOS, b.GOARCH)
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") {
		t.Error("builds are not static: CGO_ENABLED=0 missing")
	}
	// The ldflags set main.version and main.commit, which versionString reads.
	version, commit = "v9.9.9", "0123456789abcdef0123456789abcdef01234567"
	defer func() { version, commit = "", "" }()
	if got := versionString(); got != "v9.9.9 (commit 0123456789ab)" {
		t.Errorf("with the release's ldflags, version prints %q", got)
	}
	set := regexp.MustCompile(`-X (\S+)=`).FindAllStringSubmatch(strings.Join(b.Ldflags, " "), -1)
	var vars []string
	for _, m := range set {
		vars = append(vars, m[1])
	}
	if !slices.Equal(vars, []string{"main.version", "main.commit"}) {
		t.Errorf("ldflags set %v, want [main.version main.commit]", vars)
	}
	if len(c.Archives) != 1 || !slices.Contains(c.Archives[0].Files, "LICENSE") || !slices.Equal(c.Archives[0].IDs, []string{b.ID}) {
		t.Errorf("archives: %+v, want one of build %q with the LICENSE", c.Archives, b.ID)
	}
	if c.Checksum.NameTemplate == "" || c.Checksum.Algorithm != "sha256" {
		t.Errorf("checksum: %+v, want checksums with sha256", c.Checksum)
	}
}

// TestReadmeInstall: the README's Install section names the Go version go.mod requires and
// installs this module's command; the workflow sets up the same Go.
func TestReadmeInstall(t *testing.T) {
	data, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	install := section(string(readme), "## Install")
	if install == "" {
		t.Fatal("the README has no Install section")
	}
	for _, want := range []string{
		"Go " + mod.Go.Version + " or later",
		"go install " + mod.Module.Mod.Path + "/cmd/ecsgen@",
		"checksums.txt",
	} {
		if !strings.Contains(install, want) {
			t.Errorf("the Install section does not say %q", want)
		}
	}
	minor := strings.Join(strings.SplitN(mod.Go.Version, ".", 3)[:2], ".")
	if wf := string(readmeWorkflow(t)); !strings.Contains(wf, `go-version: "`+minor+`"`) {
		t.Errorf("the README's workflow does not set up Go %s", minor)
	}
}

// section returns the README section under heading, up to the next heading of its level.
func section(doc, heading string) string {
	_, rest, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		return ""
	}
	level := strings.SplitN(heading, " ", 2)[0] + " "
	if i := strings.Index(rest, "\n"+level); i >= 0 {
		rest = rest[:i]
	}
	return rest
}
