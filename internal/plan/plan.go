// Package plan says, before anyone deploys, what deploying a new build changes: it compares the
// stacks an environment's previous output describes (the committed files in the output
// directory) with the stacks of the new build, and gives every resource change as add,
// modify, replace, remove or blocked, with the reason.
//
// It reads generated files only — never the spec, never AWS — so it works offline, without
// credentials, on any two builds. What forces a replacement comes from the CloudFormation
// registry schemas (cfnschemas.json); what blocks an update are the failures a deploy would
// otherwise hit halfway: a custom-named resource that must be replaced, a name or listener
// rule priority another resource still holds, an export in use that changes, a property of a
// CODE_DEPLOY service that only CodeDeploy may change, a capacity provider a service still
// uses. Stacks are taken in deploy.sh's order (deploy-plan.json), so a change that only works
// when another stack is updated first is caught.
package plan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
)

// Outcome of a resource change.
type Outcome string

// Outcomes, from harmless to refused.
const (
	Add     Outcome = "add"     // a new resource
	Modify  Outcome = "modify"  // updated in place
	Remove  Outcome = "remove"  // deleted (its data with it, unless retained)
	Replace Outcome = "replace" // a new resource is created and the old one deleted: a new physical id, interruption
	Blocked Outcome = "blocked" // CloudFormation or the service will refuse the update: the deploy fails
)

var rank = map[Outcome]int{Add: 0, Modify: 1, Remove: 2, Replace: 3, Blocked: 4}

// Risky outcomes make `ecsgen plan` exit 1.
func (o Outcome) Risky() bool { return rank[o] >= rank[Remove] }

// Change of one resource (or, with Type "Output", of one exported output).
type Change struct {
	LogicalID string  `json:"logicalId"`
	Type      string  `json:"type"`
	Outcome   Outcome `json:"outcome"`
	// Properties that change (top-level names; DependsOn, Metadata… for resource attributes).
	Properties []string `json:"properties,omitempty"`
	// Reasons for the outcome (and notes on a modify).
	Reasons []string `json:"reasons,omitempty"`
	// Hints say what to do about a blocked change.
	Hints []string `json:"hints,omitempty"`
}

// Stack statuses.
const (
	StackNew    = "new"
	StackUpdate = "update"
	StackRemove = "remove" // in the previous output, no longer generated
)

// Stack is the plan of one stack with changes.
type Stack struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	// Resources of a new or removed stack.
	Resources int      `json:"resources,omitempty"`
	Changes   []Change `json:"changes,omitempty"`
	Reasons   []string `json:"reasons,omitempty"`
	Hints     []string `json:"hints,omitempty"`
}

// Plan of one environment.
type Plan struct {
	Env string `json:"env"`
	// Previous says whether there was a previous output to compare with; without it every
	// stack is new.
	Previous bool    `json:"previous"`
	Stacks   []Stack `json:"stacks"`
	// Unreadable says why the previous output could not be compared (Options.SkipUnreadable);
	// the plan then has no stacks.
	Unreadable string `json:"unreadable,omitempty"`
}

// PreviousError is a previous output the plan cannot read: a template or deploy-plan.json that
// does not parse, or a template deploy-plan.json names that is missing.
type PreviousError struct{ Err error }

func (e *PreviousError) Error() string { return "previous output: " + e.Err.Error() }
func (e *PreviousError) Unwrap() error { return e.Err }

// Risky says whether any change is a replacement, a removal or blocked.
func (p *Plan) Risky() bool {
	for _, s := range p.Stacks {
		if s.Status == StackRemove {
			return true
		}
		for _, c := range s.Changes {
			if c.Outcome.Risky() {
				return true
			}
		}
	}
	return false
}

// Count of changes by outcome (a new stack's resources count as adds, a removed stack's as
// removes).
func (p *Plan) Count() map[Outcome]int {
	n := map[Outcome]int{}
	for _, s := range p.Stacks {
		flagged := 0
		for _, c := range s.Changes {
			n[c.Outcome]++
			flagged++
		}
		switch s.Status {
		case StackNew:
			n[Add] += s.Resources - flagged
		case StackRemove:
			n[Remove] += s.Resources
		}
	}
	return n
}

// Compare plans the deploy of an environment: old are the files of its previous output, new
// the files about to be written (both relative to the environment's directory). Only
// deploy-plan.json and stacks/*.json are read.
func Compare(env string, old, new map[string][]byte) (*Plan, error) {
	return compare(env, old, new, nil, nil)
}

// lazyFiles are template files both outputs have with the same bytes, which the plan does not
// hold: relative path -> the file on disk, read when the plan needs its bytes.
type lazyFiles map[string]lazyFile

// lazyFile is a template file of lazyFiles.
type lazyFile struct {
	path string // the file on disk
	// exports is MayExport of the file's bytes when the caller knows it without reading them
	// (Options.MayExport: the build scanned the very bytes that the file holds, as Staged.Same
	// vouched), or notScanned: the plan reads the file when it asks.
	exports scanResult
}

// scanResult is what MayExport says of a template's bytes, known or not.
type scanResult uint8

const (
	notScanned  scanResult = iota // not known: the bytes are read to know
	scannedNone                   // MayExport is false: no output of the template exports a name
	scannedMay                    // MayExport is true: the template is parsed to know its exports
)

// scannedAs is the scanResult of what MayExport said.
func scannedAs(may bool) scanResult {
	if may {
		return scannedMay
	}
	return scannedNone
}

// compare is Compare; vouched are the template files of the previous output that the caller
// vouched for (Options.Unchanged): the stacks that are the same in both outputs are parsed
// only when the plan needs them. The files in lazy are in both outputs, vouched for, though
// neither old nor new holds them.
func compare(env string, old, new map[string][]byte, vouched map[string]bool, lazy lazyFiles) (p *Plan, err error) {
	old, new = filter(old), filter(new)
	oldPlan := readPlan(old)
	newPlan := oldPlan // the same bytes (a rebuild that changes no stack) are decoded once: nothing changes a plan
	if a, b := old["deploy-plan.json"], new["deploy-plan.json"]; a == nil || b == nil || !bytes.Equal(a, b) {
		newPlan = readPlan(new)
	}
	late := unchanged(old, new, oldPlan, newPlan, vouched, lazy)
	again := func() (*Plan, error) { // every template first, errors in order
		if len(lazy) > 0 {
			var err error
			if old, new, err = held(old, new, lazy); err != nil {
				return nil, &PreviousError{Err: err}
			}
		}
		return compare(env, old, new, nil, nil)
	}
	if len(late) > 0 {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(lateParseError); !ok {
					panic(r)
				}
				p, err = again()
			}
		}()
	}
	parsed := map[string]parsedTemplate{}
	oldOut, err := parseOutput(old, oldPlan, parsed, late, lazy)
	if err == nil {
		var newOut *envOutput
		if newOut, err = parseOutput(new, newPlan, parsed, late, lazy); err == nil {
			return compareOutputs(env, oldOut, newOut, late), nil
		}
		if len(late) == 0 && len(lazy) == 0 {
			return nil, fmt.Errorf("new output: %w", err)
		}
	} else if len(late) == 0 && len(lazy) == 0 {
		return nil, &PreviousError{Err: err}
	}
	// A template that does not parse: which one is reported depends on the templates parsed
	// late, which may not parse either.
	return again()
}

// held are old and new with the files of lazy read into both.
func held(old, new map[string][]byte, lazy lazyFiles) (map[string][]byte, map[string][]byte, error) {
	old, new = maps.Clone(old), maps.Clone(new)
	for rel, file := range lazy {
		b, err := readLazy(file.path, nil)
		if err != nil {
			return nil, nil, err
		}
		old[rel], new[rel] = b, b
	}
	return old, new, nil
}

// compareOutputs plans the deploy from the previous output to the new one.
func compareOutputs(env string, oldOut, newOut *envOutput, late map[string]bool) *Plan {
	for name := range late {
		newOut.byName[name].sameAs = oldOut.byName[name]
	}
	c := &comparison{old: oldOut, new: newOut, pos: map[string]int{}, exportPos: deployOrder(oldOut, newOut),
		changes: map[string]map[string]*change{}, stackReasons: map[string][]string{}}
	for i, s := range newOut.Stacks {
		c.pos[s.Name] = i
	}
	c.networkLast()
	c.diff()
	c.propagateReplacements()
	c.customNames()
	c.nameCollisions()
	c.exports()
	c.newImports()
	c.capacityProviders()
	c.codeDeployServices()
	c.rulePriorities()
	c.securityGroupRules()
	c.listenerPorts()
	c.targetGroupLoadBalancers()
	c.blueGreenEnds()
	return c.plan(env)
}

func filter(files map[string][]byte) map[string][]byte {
	out := map[string][]byte{}
	for p, b := range files {
		if isStackFile(p) {
			out[p] = b
		}
	}
	return out
}

// change is a resource's change while the plan is worked out.
type change struct {
	stack, id, typ string
	old, new       *resource // properties resolved; nil when absent
	outcome        Outcome
	replaced       bool // the resource gets a new physical id (replace, or a blocked replace)
	props          map[string]bool
	reasons, hints []string
}

func (ch *change) raise(o Outcome, reason, hint string) {
	if rank[o] > rank[ch.outcome] {
		ch.outcome = o
	}
	if reason != "" && !slices.Contains(ch.reasons, reason) {
		ch.reasons = append(ch.reasons, reason)
	}
	if hint != "" && !slices.Contains(ch.hints, hint) {
		ch.hints = append(ch.hints, hint)
	}
}

type comparison struct {
	old, new *envOutput
	// pos is a stack's place in the new deploy order; stacks that are no longer generated are
	// not deployed at all.
	pos map[string]int
	// exportPos is the order deploy.sh takes when the cluster stack drops an export (see
	// deployOrder), which is what releasing and adding exports depends on.
	exportPos map[string]int
	// changes by stack and logical id; unchanged resources are absent.
	changes map[string]map[string]*change
	// stack-level notes, by stack (deploy order).
	stackReasons map[string][]string
}

// networkLast follows deploy.sh: the network stack (the one creating the VPC) is deployed
// first, unless it stops exporting names without starting to export others (an Availability
// Zone removed); then it goes last, after the stacks that imported those names moved off them.
func (c *comparison) networkLast() {
	for _, ns := range c.new.Stacks {
		os := c.old.byName[ns.Name]
		if os == nil || ns.sameAs == os || !ns.declares("AWS::EC2::VPC") {
			continue // an unchanged stack exports what it did
		}
		oldExp, newExp := stackExports(os), stackExports(ns)
		dropped, added := false, false
		for name := range oldExp {
			dropped = dropped || !newExp[name]
		}
		for name := range newExp {
			added = added || !oldExp[name]
		}
		if dropped && !added {
			c.pos[ns.Name] = len(c.new.Stacks)
			c.exportPos[ns.Name] = len(c.new.Stacks)
			c.stackReasons[ns.Name] = append(c.stackReasons[ns.Name],
				"deployed last: it stops exporting subnets, which the other stacks stop importing first")
		}
	}
}

// stackExports are the names a stack exports, as a set.
func stackExports(s *stack) map[string]bool {
	m := map[string]bool{}
	for _, name := range exportNamesOf(s) {
		m[name] = true
	}
	return m
}

// deployOrder is each stack's place in the order deploy.sh deploys them: the plan's order
// (the network and cluster stacks, then the services), except when the cluster stack drops an
// export it had: then the stacks that exist go before it (they stop importing it, as
// CloudFormation requires) and the new ones after it.
func deployOrder(old, new *envOutput) map[string]int {
	order := new.Stacks
	for i, s := range new.Stacks {
		if old.byName[s.Name] == nil || !s.declares("AWS::ECS::Cluster") {
			continue
		}
		kept := map[string]bool{}
		for _, n := range exportNamesOf(s) {
			kept[n] = true
		}
		dropped := false
		for _, n := range exportNamesOf(old.byName[s.Name]) {
			dropped = dropped || !kept[n]
		}
		if !dropped {
			break
		}
		order = slices.Clone(new.Stacks[:i])
		for _, o := range new.Stacks[i+1:] {
			if old.byName[o.Name] != nil {
				order = append(order, o)
			}
		}
		order = append(order, s)
		for _, o := range new.Stacks[i+1:] {
			if old.byName[o.Name] == nil {
				order = append(order, o)
			}
		}
		break
	}
	pos := map[string]int{}
	for i, s := range order {
		pos[s.Name] = i
	}
	return pos
}

// declares says whether a stack's template has a resource of the type.
func (s *stack) declares(typ string) bool {
	for _, r := range s.Template().Resources {
		if r.Type == typ {
			return true
		}
	}
	return false
}

// exportNamesOf are the names a stack's template exports.
func exportNamesOf(s *stack) []string {
	var out []string
	for _, o := range s.Template().Outputs {
		if o.Export == nil {
			continue
		}
		if name, ok := o.Export.Name.(string); ok {
			out = append(out, name)
		}
	}
	return out
}

// deployedBefore says whether deploy.sh updates stack a before stack b.
func (c *comparison) deployedBefore(a, b string) bool {
	pa, okA := c.pos[a]
	pb, okB := c.pos[b]
	return okA && okB && pa < pb
}

// exportsReleasedBefore says whether deploy.sh updates stack a before stack b where exports
// are concerned: in exportPos's order.
func (c *comparison) exportsReleasedBefore(a, b string) bool {
	pa, okA := c.exportPos[a]
	pb, okB := c.exportPos[b]
	return okA && okB && pa < pb
}

func (c *comparison) record(ch *change) {
	if c.changes[ch.stack] == nil {
		c.changes[ch.stack] = map[string]*change{}
	}
	c.changes[ch.stack][ch.id] = ch
}

func (c *comparison) get(stack, id string) *change {
	return c.changes[stack][id]
}

// resolved is a resource with its properties' parameter references resolved.
// It is worked out once per stack and resource (the plan asks several times), and nothing
// changes it.
func resolved(s *stack, r *resource) *resource {
	if cp, ok := s.resolved[r]; ok {
		return cp
	}
	cp := *r
	props, _ := s.resolve(r.Properties).(map[string]any)
	cp.Properties = props
	if s.resolved == nil {
		s.resolved = map[*resource]*resource{}
	}
	s.resolved[r] = &cp
	return &cp
}

// sameStack says whether two stacks are one template (the bytes were the same, so it was parsed
// once) with the same parameter values: every resolved resource is then equal. They share
// what is worked out from them.
func sameStack(a, b *stack) bool {
	if b.sameAs != a && (a.Template() != b.Template() || !reflect.DeepEqual(a.params, b.params)) {
		return false
	}
	if a.resolved == nil {
		a.resolved = map[*resource]*resource{}
	}
	b.resolved = a.resolved
	return true
}

// diff records every resource that is added, removed or changed.
func (c *comparison) diff() {
	for _, ns := range c.new.Stacks {
		os := c.old.byName[ns.Name]
		if os != nil && sameStack(os, ns) {
			continue // the same template (parsed once) with the same parameter values: no change
		}
		for id, nr := range ns.Template().Resources {
			n := resolved(ns, nr)
			if os == nil || os.Template().Resources[id] == nil {
				c.record(&change{stack: ns.Name, id: id, typ: nr.Type, new: n, outcome: Add})
				continue
			}
			o := resolved(os, os.Template().Resources[id])
			c.compareResource(ns.Name, id, o, n)
		}
		if os == nil {
			continue
		}
		for id, or := range os.Template().Resources {
			if ns.Template().Resources[id] == nil {
				c.record(&change{stack: ns.Name, id: id, typ: or.Type, old: resolved(os, or), outcome: Remove})
			}
		}
	}
}

func (c *comparison) compareResource(stack, id string, o, n *resource) {
	ch := &change{stack: stack, id: id, typ: n.Type, old: o, new: n, outcome: Modify, props: map[string]bool{}}
	if o.Type != n.Type {
		ch.replaced = true
		ch.raise(Replace, fmt.Sprintf("its type changes from %s", o.Type), "")
		c.record(ch)
		return
	}
	for k := range o.Properties {
		if !reflect.DeepEqual(o.Properties[k], n.Properties[k]) {
			ch.props[k] = true
		}
	}
	for k := range n.Properties {
		if _, ok := o.Properties[k]; !ok {
			ch.props[k] = true
		}
	}
	for name, pair := range map[string][2]any{
		"DependsOn": {o.DependsOn, n.DependsOn}, "Metadata": {o.Metadata, n.Metadata}, "Condition": {o.Condition, n.Condition},
		"DeletionPolicy": {o.DeletionPolicy, n.DeletionPolicy}, "UpdateReplacePolicy": {o.UpdateReplacePolicy, n.UpdateReplacePolicy},
		"UpdatePolicy": {o.UpdatePolicy, n.UpdatePolicy}, "CreationPolicy": {o.CreationPolicy, n.CreationPolicy},
	} {
		if !reflect.DeepEqual(pair[0], pair[1]) {
			ch.props[name] = true
		}
	}
	if len(ch.props) == 0 {
		return
	}
	sch := schemas[n.Type]
	for _, p := range sch.CreateOnly {
		path := propertyPath(p)
		ov, okO := at(o.Properties, path)
		nv, okN := at(n.Properties, path)
		if okO != okN || !reflect.DeepEqual(ov, nv) {
			ch.replaced = true
			ch.raise(Replace, fmt.Sprintf("%s changes, and it is create-only: CloudFormation replaces the resource", strings.Join(path, ".")), "")
		}
	}
	if !ch.replaced {
		for _, p := range sch.ConditionalCreateOnly {
			path := propertyPath(p)
			ov, okO := at(o.Properties, path)
			nv, okN := at(n.Properties, path)
			if okO != okN || !reflect.DeepEqual(ov, nv) {
				ch.raise(Modify, fmt.Sprintf("%s changes, which replaces the resource in some cases (conditionally create-only); ecsgen's update policies update it in place", strings.Join(path, ".")), "")
			}
		}
	}
	c.record(ch)
}

// propagateReplacements follows references: a resource whose create-only property refers to a
// replaced resource is replaced too, and one whose other properties do is modified.
func (c *comparison) propagateReplacements() {
	for changed := true; changed; {
		changed = false
		for _, ns := range c.new.Stacks {
			if c.old.byName[ns.Name] == nil || len(c.changes[ns.Name]) == 0 {
				continue // only a replaced resource of the same stack changes another
			}
			for _, id := range sortedKeys(ns.Template().Resources) {
				ch := c.get(ns.Name, id)
				if ch != nil && (ch.replaced || ch.outcome == Add) {
					continue
				}
				n := resolved(ns, ns.Template().Resources[id])
				createOnly := map[string]bool{}
				for _, p := range schemas[n.Type].CreateOnly {
					createOnly[propertyPath(p)[0]] = true
				}
				for _, prop := range sortedKeys(n.Properties) {
					r := map[string]bool{}
					refs(n.Properties[prop], r)
					for _, target := range sortedKeys(r) {
						t := c.get(ns.Name, target)
						if t == nil || !t.replaced {
							continue
						}
						if ch == nil {
							o := resolved(c.old.byName[ns.Name], c.old.byName[ns.Name].Template().Resources[id])
							ch = &change{stack: ns.Name, id: id, typ: n.Type, old: o, new: n, outcome: Modify, props: map[string]bool{}}
							c.record(ch)
						}
						ch.props[prop] = true
						if createOnly[prop] {
							ch.replaced = true
							ch.raise(Replace, fmt.Sprintf("%s refers to %s, which is replaced, and it is create-only", prop, target), "")
							changed = true
						} else {
							ch.raise(Modify, fmt.Sprintf("%s refers to %s, which is replaced", prop, target), "")
						}
					}
				}
			}
		}
	}
}

// nameOf is a resource's custom name: the property and its value, when the template sets one.
func nameOf(r *resource) (string, string, bool) {
	if r == nil {
		return "", "", false
	}
	for _, p := range customNames[r.Type] {
		if v, ok := r.Properties[p].(string); ok {
			return p, v, true
		}
	}
	return "", "", false
}

const customNameRefusal = "CloudFormation cannot update a stack when a custom-named resource requires replacing"

// customNames blocks the replacement of a resource whose name the template sets and keeps.
func (c *comparison) customNames() {
	for _, ch := range c.all() {
		if !ch.replaced || ch.old == nil || ch.new == nil {
			continue
		}
		prop, name, ok := nameOf(ch.new)
		if _, oldName, okOld := nameOf(ch.old); !ok || !okOld || oldName != name {
			continue
		}
		ch.raise(Blocked, fmt.Sprintf("its %s is set (%s): %s", prop, name, customNameRefusal),
			"undo the change that forces the replacement; or rename the resource (for ecsgen-named resources: the key in the spec), so that the new one is created beside the old; or remove it in one deploy and add it back in the next")
	}
}

// nameCollisions blocks a new name that a resource of the previous output still holds when
// the new resource is created.
func (c *comparison) nameCollisions() {
	type holder struct{ stack, id string }
	var held map[string]holder // worked out when a change needs it: it reads every stack
	for _, ch := range c.all() {
		_, name, ok := nameOf(ch.new)
		if !ok || !(ch.outcome == Add || ch.replaced) {
			continue
		}
		if held == nil {
			held = map[string]holder{}
			for _, s := range c.old.Stacks {
				for id, r := range s.Template().Resources {
					if _, name, ok := nameOf(resolved(s, r)); ok {
						held[r.Type+"\x00"+name] = holder{s.Name, id}
					}
				}
			}
		}
		h, taken := held[ch.typ+"\x00"+name]
		if !taken || (h.stack == ch.stack && h.id == ch.id) {
			continue
		}
		var why string
		switch hc := c.get(h.stack, h.id); {
		case c.new.byName[h.stack] == nil:
			why = fmt.Sprintf("stack %s still holds it: the stack is no longer generated, and deploy.sh does not delete it", h.stack)
		case h.stack == ch.stack:
			why = fmt.Sprintf("%s of the same stack still holds it: CloudFormation creates new resources before it deletes the ones removed", h.id)
		case hc != nil && (hc.outcome == Remove || hc.replaced) && c.deployedBefore(h.stack, ch.stack):
			continue // released by an earlier stack
		default:
			why = fmt.Sprintf("%s of stack %s still holds it when this stack is updated", h.id, h.stack)
		}
		ch.raise(Blocked, fmt.Sprintf("the name %s is taken: %s", name, why),
			"release the name first (remove the other resource in a deploy of its own), or choose another name")
	}
}

type export struct {
	stack, output string
	value         any
}

func exportsOf(out *envOutput) map[string]export {
	m := map[string]export{}
	for _, s := range out.Stacks {
		if s.template == nil && !s.mayExport() {
			continue // not parsed, and no output of it has an Export
		}
		for id, o := range s.Template().Outputs {
			if o.Export == nil {
				continue
			}
			if name, ok := o.Export.Name.(string); ok {
				m[name] = export{s.Name, id, s.resolve(o.Value)}
			}
		}
	}
	return m
}

// importsOf are the export names a stack imports, worked out once per stack: exports asks for
// them once per export.
func importsOf(s *stack) map[string]bool {
	if s.imports != nil {
		return s.imports
	}
	m := map[string]bool{}
	defer func() { s.imports = m }()
	for _, r := range s.Template().Resources {
		imports(r.Properties, m)
	}
	for _, o := range s.Template().Outputs {
		imports(o.Value, m)
	}
	return m
}

// exports blocks a change to an exported value that another stack imports when it changes:
// CloudFormation refuses to update or remove an export in use.
func (c *comparison) exports() {
	oldExp, newExp := exportsOf(c.old), exportsOf(c.new)
	for _, name := range sortedKeys(oldExp) {
		e := oldExp[name]
		if c.new.byName[e.stack] == nil {
			continue
		}
		// Whether the export changes, before who imports it (that reads every stack).
		ne, still := newExp[name]
		var replaced []*change
		if still && reflect.DeepEqual(e.value, ne.value) {
			r := map[string]bool{}
			refs(ne.value, r)
			for _, id := range sortedKeys(r) {
				if ch := c.get(e.stack, id); ch != nil && ch.replaced {
					replaced = append(replaced, ch)
				}
			}
			if len(replaced) == 0 {
				continue
			}
		}
		var users []string
		for _, s := range c.old.Stacks {
			if s.Name == e.stack || !importsOf(s)[name] {
				continue
			}
			// An importer that stops importing, updated before the exporter, releases it.
			if ns := c.new.byName[s.Name]; ns != nil && !importsOf(ns)[name] && c.exportsReleasedBefore(s.Name, e.stack) {
				continue
			}
			users = append(users, s.Name)
		}
		if len(users) == 0 {
			continue
		}
		inUse := fmt.Sprintf("stack %s imports it", strings.Join(users, ", "))
		if len(users) > 1 {
			inUse = fmt.Sprintf("stacks %s import it", strings.Join(users, ", "))
		}
		hint := "change the importing stacks first so that they no longer import it (one deploy), then make this change (a second deploy)"
		switch {
		case !still:
			c.exportChange(e, fmt.Sprintf("export %s is removed, and %s", name, inUse), hint)
		case !reflect.DeepEqual(e.value, ne.value):
			c.exportChange(ne, fmt.Sprintf("the value of export %s changes, and %s", name, inUse), hint)
		default:
			for _, ch := range replaced {
				ch.raise(Blocked, fmt.Sprintf("its replacement changes export %s, and %s", name, inUse), hint)
			}
		}
	}
}

// newImports blocks an import of an export that its stack only adds after the importing
// stack's update (deployOrder puts the stacks that exist first when the cluster stack drops an
// export): the import would find no export.
func (c *comparison) newImports() {
	oldExp, newExp := exportsOf(c.old), exportsOf(c.new)
	added := false
	for name := range newExp {
		_, had := oldExp[name]
		added = added || !had
	}
	if !added {
		return // no stack can import a new export (that reads every stack)
	}
	for _, s := range c.new.Stacks {
		for _, name := range sortedKeys(importsOf(s)) {
			e, added := newExp[name]
			if _, had := oldExp[name]; had || !added || !c.exportsReleasedBefore(s.Name, e.stack) {
				continue
			}
			ch := c.get(e.stack, "Outputs."+e.output)
			if ch == nil {
				ch = &change{stack: e.stack, id: "Outputs." + e.output, typ: "Output", outcome: Add}
				c.record(ch)
			}
			ch.raise(Blocked, fmt.Sprintf("stack %s imports the new export %s, and is updated before this stack, which removes exports that stacks still import", s.Name, name),
				"deploy in two steps: first a spec that keeps what this one removes, then this spec")
		}
	}
}

func (c *comparison) exportChange(e export, reason, hint string) {
	ch := c.get(e.stack, "Outputs."+e.output)
	if ch == nil {
		ch = &change{stack: e.stack, id: "Outputs." + e.output, typ: "Output", outcome: Modify}
		c.record(ch)
	}
	ch.raise(Blocked, reason, hint)
}

// capacityProviders blocks deleting a capacity provider that a service still uses when the
// cluster stack is updated: ECS refuses it.
func (c *comparison) capacityProviders() {
	var defaults []string
	known := false // defaults are worked out when a change needs them: that reads every stack
	for _, ch := range c.all() {
		if ch.typ != "AWS::ECS::CapacityProvider" || !(ch.outcome == Remove || ch.replaced) || ch.old == nil {
			continue
		}
		if !known {
			defaults, known = defaultStrategy(c.old), true
		}
		name, _ := ch.old.Properties["Name"].(string)
		if name == "" {
			continue
		}
		for _, s := range c.old.Stacks {
			if s.Name == ch.stack {
				continue
			}
			uses, byDefault := usesProvider(s, name, defaults)
			if !uses {
				continue
			}
			hint := "move the services off the capacity first (deploy them with the new capacity while the old one stays in the spec), then remove it"
			ns := c.new.byName[s.Name]
			var why string
			switch {
			case ns == nil:
				why = fmt.Sprintf("stack %s, no longer generated, still runs a service on it", s.Name)
			case byDefault:
				// The service was created with the cluster's default strategy: ECS keeps that
				// strategy on the service, and the stack has none to change.
				why = fmt.Sprintf("the service of stack %s was created with the cluster's default strategy, which ECS keeps on the service", s.Name)
				hint = "give the service an explicit capacity (services.<name>.capacity) naming the new capacity and deploy while the old one stays in the spec; then remove it"
			case func() bool { u, _ := usesProvider(ns, name, nil); return u }():
				why = fmt.Sprintf("a service of stack %s still uses it", s.Name)
			case c.deployedBefore(s.Name, ch.stack):
				continue
			default:
				why = fmt.Sprintf("a service of stack %s uses it until that stack is updated, after this one", s.Name)
			}
			ch.raise(Blocked, fmt.Sprintf("capacity provider %s is deleted while %s: ECS refuses to delete a capacity provider in use", name, why), hint)
		}
	}
}

// defaultStrategy are the capacity providers of the clusters' default strategies.
func defaultStrategy(out *envOutput) []string {
	var names []string
	for _, s := range out.Stacks {
		for _, r := range s.Template().Resources {
			if r.Type != "AWS::ECS::ClusterCapacityProviderAssociations" {
				continue
			}
			strategy, _ := s.resolve(r.Properties["DefaultCapacityProviderStrategy"]).([]any)
			for _, item := range strategy {
				m, _ := item.(map[string]any)
				switch p := m["CapacityProvider"].(type) {
				case string:
					names = append(names, p)
				case map[string]any:
					if id, ok := p["Ref"].(string); ok && s.Template().Resources[id] != nil {
						if n, ok := s.Template().Resources[id].Properties["Name"].(string); ok {
							names = append(names, n)
						}
					}
				}
			}
		}
	}
	return names
}

// usesProvider says whether a service of the stack runs on the named capacity provider: through
// its strategy, or (byDefault) through the cluster's default strategy when it has neither a
// strategy nor a launch type.
func usesProvider(s *stack, name string, defaults []string) (uses, byDefault bool) {
	for _, r := range s.Template().Resources {
		if r.Type != "AWS::ECS::Service" {
			continue
		}
		strategy, hasStrategy := s.resolve(r.Properties["CapacityProviderStrategy"]).([]any)
		for _, item := range strategy {
			if m, ok := item.(map[string]any); ok && m["CapacityProvider"] == name {
				return true, false
			}
		}
		if _, hasLaunchType := r.Properties["LaunchType"]; !hasStrategy && !hasLaunchType && slices.Contains(defaults, name) {
			return true, true
		}
	}
	return false, false
}

// codeDeployUpdatable are the properties of a service with the CODE_DEPLOY deployment
// controller that UpdateService may change (Amazon ECS API reference, UpdateService: "only the
// desired count, deployment configuration, health check grace period, task placement
// constraints and strategies, enable ECS managed tags option, and propagate tags"); tags go
// through TagResource. Everything else — task definition, load balancers, network
// configuration, platform version, capacity provider strategy… — only a CodeDeploy deployment
// may change (R50).
var codeDeployUpdatable = map[string]bool{
	"DesiredCount": true, "DeploymentConfiguration": true, "HealthCheckGracePeriodSeconds": true,
	"PlacementConstraints": true, "PlacementStrategies": true, "EnableECSManagedTags": true,
	"PropagateTags": true, "Tags": true,
	// Resource attributes, not service properties.
	"DependsOn": true, "Metadata": true, "DeletionPolicy": true, "UpdateReplacePolicy": true,
}

func (c *comparison) codeDeployServices() {
	for _, ch := range c.all() {
		if ch.typ != "AWS::ECS::Service" || ch.old == nil || ch.new == nil || ch.replaced || controller(ch.old) != "CODE_DEPLOY" {
			continue
		}
		var fixed []string
		for _, p := range sortedKeys(ch.props) {
			if !codeDeployUpdatable[p] {
				fixed = append(fixed, p)
			}
		}
		if len(fixed) > 0 {
			ch.raise(Blocked, fmt.Sprintf("%s of a service with the CODE_DEPLOY deployment controller: ECS lets only a CodeDeploy deployment change it (R50)", strings.Join(fixed, ", ")),
				"undo the change; or create the service anew under another name (a new service in the spec, then remove the old one); task definitions reach it through deploy.sh's CodeDeploy release")
			continue
		}
		ch.raise(Modify, "a CODE_DEPLOY service: CloudFormation has been reported to fail updates with \"Unable to update task definition on services with a CODE_DEPLOY deployment controller\" (aws/aws-cdk#23564); if it does, make the change with aws ecs update-service", "")
	}
}

func controller(r *resource) string {
	dc, _ := r.Properties["DeploymentController"].(map[string]any)
	t, _ := dc["Type"].(string)
	return t
}

// rulePriorities blocks a listener rule priority another rule still holds when it is taken
// (PriorityInUse).
func (c *comparison) rulePriorities() {
	type holder struct{ stack, id string }
	key := func(r *resource) (string, bool) {
		if r == nil || r.Type != "AWS::ElasticLoadBalancingV2::ListenerRule" {
			return "", false
		}
		return fmt.Sprintf("%v\x00%v", r.Properties["ListenerArn"], r.Properties["Priority"]), true
	}
	var held map[string]holder // worked out when a change needs it: it reads every stack
	for _, ch := range c.all() {
		k, ok := key(ch.new)
		if !ok {
			continue
		}
		if oldKey, _ := key(ch.old); oldKey == k && !ch.replaced {
			continue
		}
		if held == nil {
			held = map[string]holder{}
			for _, s := range c.old.Stacks {
				for id, r := range s.Template().Resources {
					if k, ok := key(resolved(s, r)); ok {
						held[k] = holder{s.Name, id}
					}
				}
			}
		}
		h, taken := held[k]
		if !taken || (h.stack == ch.stack && h.id == ch.id) {
			continue
		}
		prio := ch.new.Properties["Priority"]
		var why string
		hc := c.get(h.stack, h.id)
		released := hc != nil && (hc.outcome == Remove || hc.replaced || func() bool { nk, _ := key(hc.new); return nk != k }())
		switch {
		case c.new.byName[h.stack] == nil:
			why = fmt.Sprintf("rule %s of stack %s holds it, and that stack is no longer generated but still deployed", h.id, h.stack)
		case released && c.deployedBefore(h.stack, ch.stack):
			continue
		case h.stack == ch.stack:
			why = fmt.Sprintf("rule %s of this stack holds it until CloudFormation has updated it", h.id)
		default:
			why = fmt.Sprintf("rule %s of stack %s holds it when this stack is updated", h.id, h.stack)
		}
		ch.raise(Blocked, fmt.Sprintf("priority %v on its listener is taken (PriorityInUse): %s", prio, why),
			"give the rule another rule.priority in the spec, or release the priority in a deploy of its own first")
	}
}

// securityGroupRules blocks a security group rule that an update creates (added, or replaced)
// while another rule of its stack with the same group, protocol, ports and peer is still there
// to be deleted (removed, or replaced): CloudFormation creates before it deletes, and AWS
// refuses a second rule with the same permission (InvalidPermission.Duplicate), failing the
// deploy. ecsgen names its rules after their ports (generators.rulePortsID) so that this does
// not happen as services come and go; it still happens once to a stack whose rules an earlier
// version numbered, when the numbers moved.
func (c *comparison) securityGroupRules() {
	isRule := map[string]bool{"AWS::EC2::SecurityGroupIngress": true, "AWS::EC2::SecurityGroupEgress": true}
	permission := []string{"GroupId", "GroupName", "IpProtocol", "FromPort", "ToPort", "CidrIp", "CidrIpv6",
		"SourceSecurityGroupId", "SourceSecurityGroupName", "SourceSecurityGroupOwnerId", "SourcePrefixListId",
		"DestinationSecurityGroupId", "DestinationPrefixListId"}
	for _, stack := range sortedKeys(c.changes) {
		changes := c.changes[stack]
		key := func(r *resource) (string, bool) {
			if r == nil || !isRule[r.Type] {
				return "", false
			}
			k := map[string]any{"Type": r.Type}
			for _, p := range permission {
				v, ok := r.Properties[p]
				if !ok {
					continue
				}
				if id := refersTo(v); id != "" && changes[id] != nil && changes[id].replaced {
					return "", false // a group replaced in this update is another group
				}
				k[p] = v
			}
			b, _ := json.Marshal(k)
			return string(b), true
		}
		deleted := map[string]string{}
		for _, id := range sortedKeys(changes) {
			if ch := changes[id]; ch.outcome == Remove || ch.replaced {
				if k, ok := key(ch.old); ok {
					deleted[k] = id
				}
			}
		}
		if len(deleted) == 0 {
			continue
		}
		for _, id := range sortedKeys(changes) {
			ch := changes[id]
			if ch.outcome != Add && !ch.replaced {
				continue
			}
			k, ok := key(ch.new)
			if old, held := deleted[k]; ok && held && old != id {
				ch.raise(Blocked,
					fmt.Sprintf("rule %s grants the same permission (group, protocol, ports and peer) until CloudFormation deletes it, which it does after creating this one, and AWS refuses a second such rule (InvalidPermission.Duplicate)", old),
					fmt.Sprintf("this is a rule renamed (%s is its earlier name, as an earlier ecsgen numbered it): revoke that rule right before the deploy (aws ec2 revoke-security-group-ingress, or -egress, with its group, protocol, ports and peer), and the stack creates it again under this name; what it admits is refused until then", old))
			}
		}
	}
}

// refersTo is the one logical id a value refers to (refs), or "" when it refers to none or to
// several.
func refersTo(v any) string {
	ids := map[string]bool{}
	refs(v, ids)
	if len(ids) != 1 {
		return ""
	}
	for id := range ids {
		return id
	}
	return ""
}

// all changes, in a deterministic order.
func (c *comparison) all() []*change {
	var out []*change
	for _, s := range sortedKeys(c.changes) {
		for _, id := range sortedKeys(c.changes[s]) {
			out = append(out, c.changes[s][id])
		}
	}
	return out
}

func (c *comparison) plan(env string) *Plan {
	p := &Plan{Env: env, Previous: len(c.old.Stacks) > 0}
	// In deploy order (networkLast may move a stack).
	inOrder := slices.Clone(c.new.Stacks)
	slices.SortStableFunc(inOrder, func(a, b *stack) int { return c.pos[a.Name] - c.pos[b.Name] })
	for _, ns := range inOrder {
		st := Stack{Name: ns.Name, Status: StackUpdate, Reasons: c.stackReasons[ns.Name]}
		if c.old.byName[ns.Name] == nil {
			st.Status = StackNew
			st.Resources = len(ns.Template().Resources)
		}
		for _, id := range sortedKeys(c.changes[ns.Name]) {
			ch := c.changes[ns.Name][id]
			if st.Status == StackNew && ch.outcome == Add {
				continue // a new stack's resources are counted, not listed
			}
			props := sortedKeys(ch.props)
			st.Changes = append(st.Changes, Change{LogicalID: id, Type: ch.typ, Outcome: ch.outcome, Properties: props, Reasons: ch.reasons, Hints: ch.hints})
		}
		if st.Status == StackNew || len(st.Changes) > 0 {
			p.Stacks = append(p.Stacks, st)
		}
	}
	for _, os := range c.old.Stacks {
		if c.new.byName[os.Name] != nil {
			continue
		}
		p.Stacks = append(p.Stacks, Stack{
			Name: os.Name, Status: StackRemove, Resources: len(os.Template().Resources),
			Reasons: []string{"the spec no longer generates this stack (a service removed or renamed): deploy.sh does not delete it, so it keeps running"},
			Hints:   []string{fmt.Sprintf("when nothing uses it any more: aws cloudformation delete-stack --stack-name %s", os.Name)},
		})
	}
	return p
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
