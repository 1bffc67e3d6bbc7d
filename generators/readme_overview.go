package generators

import (
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/ecsgen/ecsgen/schema"
)

// # A diagram GitHub still draws
//
// GitHub draws the README's ```mermaid block with Mermaid's default limits: a diagram of more
// than 50 000 characters (maxTextSize, counted in UTF-16 code units) or 500 edges (maxEdges)
// is not drawn at all, only an error box. One box per service and container passes the first
// at about a hundred services (the benchmark spec's take 490 characters each). So a larger
// environment gets its services drawn in groups — the services that receive traffic from the
// same listeners and run on the same capacity providers share a box that counts them and
// names the first and the last (in name order; a group need not be a range of names) — and
// when even that does not fit, grouped by capacity providers alone, and at worst no diagram;
// the Services table lists every service whichever is drawn. An environment whose diagram
// fits (every example) is drawn as before, box by box.

const (
	mermaidMaxText  = 50000 // Mermaid's maxTextSize
	mermaidMaxEdges = 500   // Mermaid's maxEdges

	// minServiceText is less than any service's part of the full diagram (its subgraph's
	// opening and closing lines, its container's box and its edge to a capacity provider): with more services than maxTextSize / minServiceText,
	// the full diagram is not drawn only to be thrown away.
	minServiceText = 64
)

// deploymentDrawing is the README's diagram and the sentence that says how it is drawn ("" for
// the full diagram).
type deploymentDrawing struct {
	mermaid string // without the ``` fence; "" when no diagram fits
	note    string
}

// drawDeploymentFitting draws the most detailed diagram of the environment that GitHub draws.
func drawDeploymentFitting(s *schema.Spec, names []string) deploymentDrawing {
	if len(names) <= mermaidMaxText/minServiceText {
		var b strings.Builder
		b.Grow(1024 + 800*len(names))
		if edges := drawDeployment(&b, s, names); fitsMermaid(b.String(), edges) {
			return deploymentDrawing{mermaid: b.String()}
		}
	}
	n := strconv.Itoa(len(names))
	why := "one box per service would pass what GitHub draws in a Mermaid diagram (50 000 characters, 500 edges); the Services table lists each."
	var b strings.Builder
	if edges := drawServiceGroups(&b, s, names, true); fitsMermaid(b.String(), edges) {
		return deploymentDrawing{mermaid: b.String(), note: "The " + n + " services are drawn in groups that receive traffic from the same listeners and run on the same capacity providers: " + why}
	}
	b.Reset()
	if edges := drawServiceGroups(&b, s, names, false); fitsMermaid(b.String(), edges) {
		return deploymentDrawing{mermaid: b.String(), note: "The " + n + " services are drawn in groups that run on the same capacity providers, without the load balancers: " + why}
	}
	return deploymentDrawing{note: "No diagram: even the " + n + " services grouped by capacity provider pass what GitHub draws in a Mermaid diagram (50 000 characters, 500 edges). The tables below list everything."}
}

// fitsMermaid says whether GitHub draws a diagram of text with edges edges.
func fitsMermaid(text string, edges int) bool {
	if edges > mermaidMaxEdges {
		return false
	}
	if len(text) <= mermaidMaxText { // UTF-8 bytes are never fewer than UTF-16 code units
		return true
	}
	units := 0
	for _, r := range text {
		units += utf16.RuneLen(r)
	}
	return units <= mermaidMaxText
}

// serviceGroup is services drawn as one box: the same listeners (production, and test traffic)
// and the same capacity providers.
type serviceGroup struct {
	prod, test string   // mermaid ids of the listeners, "" for none
	providers  []string // capacity provider names, sorted
	names      []string // services, sorted
}

// drawServiceGroups draws the environment as drawDeployment does, with a box per group of
// services in place of a box per service and container, and returns the number of edges. With
// listeners, services are grouped by listeners and capacity providers, and the load balancers
// are drawn; without, by capacity providers alone, and the load balancers are left out.
func drawServiceGroups(b *strings.Builder, s *schema.Spec, names []string, listeners bool) int {
	var groups []*serviceGroup
	byKey := map[string]*serviceGroup{}
	for _, name := range names { // sorted: groups come in the order of their first service
		svc := s.Services[name]
		g := serviceGroup{providers: sortedKeys(s.Strategy(svc))}
		if slb := svc.LoadBalancer; slb != nil && listeners {
			g.prod = mermaidID("ls", slb.Name, slb.Listener)
			if slb.TestListener != "" {
				g.test = mermaidID("ls", slb.Name, slb.TestListener)
			}
		}
		key := g.prod + " " + g.test + " " + strings.Join(g.providers, ",")
		if byKey[key] == nil {
			byKey[key] = &g
			groups = append(groups, &g)
		}
		byKey[key].names = append(byKey[key].names, name)
	}

	d := &diagram{b: b}
	d.line("flowchart LR")
	d.open("  ", "cluster", "ECS cluster "+ClusterName(s)+"<br>"+strconv.Itoa(len(names))+" services")
	for i, g := range groups {
		d.node("    ", groupID(i), groupLabel(s, g.names))
	}
	d.close("  ")
	drawCapacity(d, s)
	if listeners {
		loadBalancers(d, s)
	}
	for i, g := range groups {
		count := strconv.Itoa(len(g.names)) + " services"
		if len(g.names) == 1 {
			count = "1 service"
		}
		if g.prod != "" {
			d.edge(g.prod, groupID(i), count)
		}
		if g.test != "" {
			d.dotted(g.test, groupID(i), "test traffic")
		}
		for _, cp := range g.providers {
			d.edge(groupID(i), mermaidID("cp", cp), count)
		}
	}
	return d.edges
}

func groupID(i int) string { return "services_" + strconv.Itoa(i+1) }

// groupLabel counts the services of a group and names the first and the last, in the README's
// order.
func groupLabel(s *schema.Spec, names []string) string {
	switch len(names) {
	case 1:
		return "service " + ServiceName(s, names[0])
	case 2:
		return "2 services<br>" + ServiceName(s, names[0]) + ", " + ServiceName(s, names[1])
	}
	return strconv.Itoa(len(names)) + " services<br>" + ServiceName(s, names[0]) + ", …, " + ServiceName(s, names[len(names)-1])
}
