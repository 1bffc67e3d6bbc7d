package generators

import (
	"crypto/sha256"
	"encoding/binary"
	"strings"

	"github.com/ecsgen/ecsgen/schema"
)

// Listener rule priorities. A priority identifies a rule on its listener: two rules cannot
// hold the same one, and a stack that takes a number another stack's rule still holds fails
// with PriorityInUse in the middle of a deploy. So a derived priority is a pure function of
// the service's own rule — the load balancer, the listener, the service's name and its
// conditions — and never of the other services: adding, removing, reordering or editing one
// service leaves every other service's priorities as they are.
//
// The number orders rules the way Elastic Load Balancing evaluates them (lowest first):
//
//	band     priorities     rules
//	0        1–15000        hosts and paths
//	1        15001–30000    hosts only
//	2        30001–45000    paths only
//	-        50000          the catch-all (no hosts, no paths; at most one per listener)
//
// Within a band, a rule whose broadest pattern has more literal characters (not * or ?) comes
// first, so "/api/v2/*" is evaluated before "/api/*" and "api.example.com" before
// "*.example.com": the band holds 100 steps of 150 numbers, step 99 − literals (capped at 99).
// The number within the step is a hash of load balancer, listener and service. Two rules of a
// listener that derive the same number are a finding of the check (it names both services and
// asks for an explicit rule.priority on one of them); nothing is ever renumbered to make room.
// Priorities 45001–49999 are never derived: they are free for explicit priorities.
//
// Source-IP and header conditions narrow a rule: each counts as 20 literal characters, so the
// rule is evaluated before the same hosts and paths without it. A rule with only such
// conditions matches the paths "/*" and is derived in the paths band.

// Priority bands of derived listener rule priorities.
const (
	priorityBandWidth  = 15000
	priorityStepWidth  = 150
	priorityMaxLiteral = 99
	// narrowingLiterals is what a source-IP or header condition counts as.
	narrowingLiterals = 20
	// CatchAllPriority is the priority of a rule with neither hosts nor paths.
	CatchAllPriority = 50000
)

// RulePriority is the priority of a service's rule on one listener of a load balancer: the
// spec's rule.priority if set, otherwise derived from the rule alone (see above).
func RulePriority(lb, listener, service string, r schema.ListenerRule) int {
	if r.Priority > 0 {
		return r.Priority
	}
	var band int
	switch {
	case len(r.Hosts) > 0 && len(r.Paths) > 0:
		band = 0
	case len(r.Hosts) > 0:
		band = 1
	case len(r.Paths) > 0 || r.Narrowing() > 0:
		band = 2
	default:
		return CatchAllPriority
	}
	literals := min(broadest(r.Hosts)+broadest(r.Paths)+narrowingLiterals*r.Narrowing(), priorityMaxLiteral)
	sum := sha256.Sum256([]byte(lb + "\x00" + listener + "\x00" + service))
	slot := int(binary.BigEndian.Uint32(sum[:4]) % priorityStepWidth)
	return band*priorityBandWidth + (priorityMaxLiteral-literals)*priorityStepWidth + slot + 1
}

// broadest is the number of literal characters of the broadest of the patterns (0 for none).
func broadest(patterns []string) int {
	n := -1
	for _, p := range patterns {
		l := len(p) - strings.Count(p, "*") - strings.Count(p, "?")
		if n < 0 || l < n {
			n = l
		}
	}
	return max(n, 0)
}

// catchAllListeners are the shared listeners on which a service's stack holds the catch-all
// rule (CatchAllPriority), for its own target or an additional one: the rule that takes every
// request no other rule matches, which is how a service becomes what a listener forwards to by
// default. rulesOn are the shared listeners on which it holds any rule.
//
// dedicated are the spec's dedicated listeners (schema.Spec.DedicatedListeners), computed once
// by the caller: computing them here, once per service, made the order quadratic.
func catchAllListeners(s *schema.Spec, dedicated map[[2]string]string, name string) (catchAll, rulesOn [][2]string) {
	slb := s.Services[name].LoadBalancer
	if slb == nil {
		return nil, nil
	}
	add := func(listener, key string, r schema.ListenerRule) {
		l := [2]string{slb.Name, listener}
		if _, own := dedicated[l]; listener == "" || own {
			return
		}
		rulesOn = append(rulesOn, l)
		if RulePriority(slb.Name, listener, key, r) == CatchAllPriority {
			catchAll = append(catchAll, l)
		}
	}
	add(slb.Listener, name, slb.Rule)
	add(slb.TestListener, name, slb.Rule)
	for _, k := range sortedKeys(slb.AdditionalTargets) {
		at := slb.AdditionalTargets[k]
		add(at.Listener, AdditionalTargetRuleKey(name, k), at.Rule)
	}
	return catchAll, rulesOn
}

// deployOrder is the order of the service stacks in deploy.sh: by name, except that a service
// holding a listener's catch-all rule comes after every service without one that has a rule on
// that listener. Moving the catch-all from one service to another then deploys in one go: the
// service that gives it up is updated first and releases priority 50000 before the other one's
// stack creates its rule (otherwise PriorityInUse). A service whose stack is removed releases
// it earlier still: deploy.sh prunes before all. Services that share no listener keep their
// order.
func deployOrder(s *schema.Spec) []string {
	names := sortedKeys(s.Services)
	catchAll := map[string][][2]string{}
	rulesOn := map[string][][2]string{}
	dedicated := s.DedicatedListeners()
	for _, n := range names {
		catchAll[n], rulesOn[n] = catchAllListeners(s, dedicated, n)
	}
	return catchAllLast(names, catchAll, rulesOn)
}

// catchAllLast is deployOrder's order of names (in name order) given, by service, the shared
// listeners where it holds the catch-all rule and those where it holds any rule.
func catchAllLast(names []string, catchAll, rulesOn map[string][][2]string) []string {
	// after[n] is the last service (by name) that n must follow: of the services without a
	// catch-all rule that have a rule on a listener where n holds the catch-all, the last one
	// whose name comes after n's (one before it goes before n anyway). Found through an index
	// of the listeners' rule holders: comparing every pair of services made the order
	// quadratic, 10^7 pairs at 4000 services.
	lastHolder := map[[2]string]string{} // listener → last service by name with a rule on it and no catch-all
	for _, n := range names {
		if len(catchAll[n]) > 0 {
			continue
		}
		for _, l := range rulesOn[n] {
			lastHolder[l] = n // names are in order: the last one stays
		}
	}
	after := map[string]string{}
	waiters := map[string][]string{} // the services that follow n, in name order
	for _, n := range names {
		for _, l := range catchAll[n] {
			if other := lastHolder[l]; other > n && other > after[n] {
				after[n] = other
			}
		}
		if a := after[n]; a != "" {
			waiters[a] = append(waiters[a], n)
		}
	}
	var out []string
	for _, n := range names {
		if after[n] != "" {
			continue
		}
		out = append(out, n)
		out = append(out, waiters[n]...) // those that wait for n, in name order
	}
	return out
}
