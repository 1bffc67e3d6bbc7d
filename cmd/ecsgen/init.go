package main

import (
	"embed"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Starter specs for `ecsgen init`, one per scenario. Each must build without a finding
// (TestStartersBuild).
//
//go:embed starters/*.cue
var starters embed.FS

// scenarios are the starters, in the order the help lists them; the first is the default.
var scenarios = []struct{ name, about string }{
	{"ec2", "an EC2 cluster with one Auto Scaling group and a web service behind a load balancer (seed 000)"},
	{"fargate", "a Fargate service in private subnets (seed 004)"},
	{"multi-env", "dev, stg and prod from one spec, with per-environment instance types (seed 003)"},
}

const scenarioList = "ec2 (default), fargate, multi-env"

func runInit(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scenario := fs.String("scenario", scenarios[0].name, "the starter: "+scenarioList)
	out := fs.String("o", "spec.cue", "the spec `FILE` to write")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "ecsgen init: takes no arguments; choose the starter with -scenario")
		return exitUsage
	}
	var about string
	var names []string
	for _, s := range scenarios {
		names = append(names, s.name)
		if s.name == *scenario {
			about = s.about
		}
	}
	if about == "" {
		fmt.Fprintf(stderr, "ecsgen init: unknown scenario %q; choose one of: %s\n", *scenario, strings.Join(names, ", "))
		return exitUsage
	}
	if !strings.HasSuffix(*out, ".cue") {
		fmt.Fprintf(stderr, "ecsgen init: %s: the starter is CUE; name the file *.cue\n", *out)
		return exitUsage
	}
	data, err := starters.ReadFile("starters/" + *scenario + ".cue")
	if err != nil {
		fmt.Fprintln(stderr, "ecsgen:", err)
		return exitUsage
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if os.IsExist(err) {
			fmt.Fprintf(stderr, "ecsgen init: %s already exists; not overwriting it (choose another file with -o)\n", *out)
		} else {
			fmt.Fprintln(stderr, "ecsgen:", err)
		}
		return exitUsage
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		fmt.Fprintln(stderr, "ecsgen:", werr)
		return exitUsage
	}
	fmt.Fprintf(stdout, "ecsgen: wrote %s: %s\n", *out, about)
	fmt.Fprintf(stdout, "edit the ids marked TODO, then: ecsgen build -o out %s\n", *out)
	return exitOK
}
