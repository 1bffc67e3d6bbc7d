package deployed

import (
	"fmt"
	"io"
	"strings"
)

// WriteText prints a report for people: per stack the resources a deploy adds, modifies,
// replaces or removes, then per service the difference of its task definition.
func (r *Report) WriteText(w io.Writer, env string) {
	for _, s := range r.Stacks {
		switch {
		case s.Note != "":
			fmt.Fprintf(w, "stack %s: not compared: %s\n", s.Stack, s.Note)
			continue
		case s.New && s.Status != "":
			fmt.Fprintf(w, "stack %s: new (the deployed one is %s and must be deleted first; deploy.sh says how), %s\n", s.Stack, s.Status, count(len(s.Changes), "resource"))
		case s.New:
			fmt.Fprintf(w, "stack %s: new stack, %s\n", s.Stack, count(len(s.Changes), "resource"))
		case len(s.Changes) == 0 && s.AsBuilt:
			fmt.Fprintf(w, "stack %s: no changes (deployed as built: it outputs this template's deploy digest)\n", s.Stack)
			continue
		case len(s.Changes) == 0:
			fmt.Fprintf(w, "stack %s: no changes\n", s.Stack)
			continue
		default:
			fmt.Fprintf(w, "stack %s: %s\n", s.Stack, count(len(s.Changes), "change"))
		}
		for _, c := range s.Changes {
			fmt.Fprintf(w, "  %s %-8s %s (%s)%s\n", symbol(c), verb(c), c.LogicalID, c.Type, details(c))
		}
	}
	for _, t := range r.TaskDefinitions {
		switch {
		case !t.Deployed:
			fmt.Fprintf(w, "service %s: not deployed (service %s in cluster %s)\n", t.Service, t.Name, t.Cluster)
		case t.Diff == "":
			fmt.Fprintf(w, "service %s: task definition unchanged (%s)\n", t.Service, t.Running)
		default:
			fmt.Fprintf(w, "service %s: task definition differs from %s\n", t.Service, t.Running)
			for _, line := range strings.SplitAfter(strings.TrimSuffix(t.Diff, "\n"), "\n") {
				fmt.Fprintf(w, "  %s", line)
			}
			fmt.Fprintln(w)
		}
	}
	if !r.Changed() {
		fmt.Fprintf(w, "%s: a deploy would change nothing\n", env)
	}
}

// verb is CloudFormation's action, with a modification that replaces the resource called
// what it is.
func verb(c ResourceChange) string {
	if c.Action == "Modify" && c.Replacement == "True" {
		return "Replace"
	}
	if c.Action == "Modify" && c.Replacement == "Conditional" {
		return "Modify*"
	}
	return c.Action
}

func symbol(c ResourceChange) string {
	switch verb(c) {
	case "Add":
		return "+"
	case "Remove":
		return "-"
	case "Replace":
		return "!"
	}
	return "~"
}

func details(c ResourceChange) string {
	var parts []string
	if len(c.Properties) > 0 {
		parts = append(parts, strings.Join(c.Properties, ", "))
	}
	if c.Replacement == "Conditional" {
		parts = append(parts, "may be replaced, depending on values known only at deploy time")
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, "; ")
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
