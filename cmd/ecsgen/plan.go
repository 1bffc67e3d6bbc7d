package main

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/ecsgen/ecsgen/internal/plan"
)

// runPlan builds in memory and prints what deploying it changes, compared with the previous
// output in DIR. Exit status: 0 nothing risky, 1 a replacement, removal or blocked change (or
// an invalid spec), 2 usage or internal error.
func runPlan(args []string, stdout, stderr io.Writer) int {
	c := newSpecCommand("plan", "plan [-o DIR] [--env ENV]... [-t KEY=VALUE]... [--format text|json] SPEC...", true, stderr)
	format := c.fs.String("format", "text", "`text` for people, or json for tools")
	res, code := c.load(args, stderr)
	if code >= 0 {
		return code
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "ecsgen plan: unknown format %q: want text or json\n", *format)
		return exitUsage
	}
	plans, err := plan.Environments(*c.out, res.Envs, res.Files)
	if err != nil {
		fmt.Fprintln(stderr, "ecsgen:", err)
		return exitUsage
	}
	risky := false
	if *format == "json" {
		b, err := plan.JSON(plans)
		if err != nil {
			fmt.Fprintln(stderr, "ecsgen:", err)
			return exitUsage
		}
		stdout.Write(b)
	}
	for _, p := range plans {
		if *format == "text" {
			p.Text(stdout, filepath.Join(*c.out, p.Env))
		}
		risky = risky || p.Risky()
	}
	if risky {
		fmt.Fprintln(stderr, "ecsgen: the deploy would replace, remove or fail to update resources (see above)")
		return exitInvalid
	}
	return exitOK
}

// printPlans prints, for build, what deploying the new output changes compared with the
// output it replaces (environments built before only).
func printPlans(w io.Writer, outDir string, plans []*plan.Plan) {
	for _, p := range plans {
		if p.Previous {
			p.Text(w, filepath.Join(outDir, p.Env))
		}
	}
}
