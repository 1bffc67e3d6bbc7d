package plan

import (
	"fmt"
	"io"
	"strings"
)

// Text writes the plan for people: one line per stack with changes, one per changed resource
// (outcome, logical id, type, changed properties), its reasons and what to do, and a summary.
// dir is the environment's output directory, as the user named it.
func (p *Plan) Text(w io.Writer, dir string) {
	if !p.Previous {
		fmt.Fprintf(w, "plan %s: no previous output to compare with: every stack is new\n", dir)
	} else if len(p.Stacks) == 0 {
		fmt.Fprintf(w, "plan %s: no change to any stack\n", dir)
		return
	} else {
		fmt.Fprintf(w, "plan %s: compared with the previous output\n", dir)
	}
	for _, s := range p.Stacks {
		switch s.Status {
		case StackNew:
			fmt.Fprintf(w, "  stack %s: new, %d resource%s to add\n", s.Name, s.Resources, plural(s.Resources))
		case StackRemove:
			fmt.Fprintf(w, "  stack %s: remove (%d resource%s)\n", s.Name, s.Resources, plural(s.Resources))
		default:
			fmt.Fprintf(w, "  stack %s: update\n", s.Name)
		}
		notes(w, "      ", s.Reasons, s.Hints)
		for _, c := range s.Changes {
			line := fmt.Sprintf("    %-8s %s (%s)", c.Outcome, c.LogicalID, c.Type)
			if len(c.Properties) > 0 {
				line += ": " + strings.Join(c.Properties, ", ")
			}
			fmt.Fprintln(w, line)
			notes(w, "             ", c.Reasons, c.Hints)
		}
	}
	n := p.Count()
	fmt.Fprintf(w, "plan %s: %d to add, %d to modify, %d to replace, %d to remove, %d blocked\n", dir, n[Add], n[Modify], n[Replace], n[Remove], n[Blocked])
}

func notes(w io.Writer, indent string, reasons, hints []string) {
	for _, r := range reasons {
		fmt.Fprintf(w, "%s%s\n", indent, r)
	}
	for _, h := range hints {
		fmt.Fprintf(w, "%swhat to do: %s\n", indent, h)
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
