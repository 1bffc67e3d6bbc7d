package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecsgen/ecsgen/schema"
)

// Autoscaling rules: the scalable target's bounds and the service's count (R53), what a
// request-count metric needs (R55), and the policies of Auto Scaling groups (R43). R54 holds
// by construction: the target's ResourceId is service/<cluster>/<service> by name, it follows
// the service through GetAtt, and every policy references the target.

func init() {
	rules = append(rules, checkServiceScaling, checkGroupScaling)
}

func checkServiceScaling(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		as := svc.Autoscaling
		if as == nil {
			continue
		}
		p := "services." + name + ".autoscaling"
		if as.Min > as.Max {
			c.errorf("R53", p+".min", "", "min %d is above max %d", as.Min, as.Max)
		} else if n := svc.DesiredCount; n != nil && (*n < as.Min || *n > as.Max) {
			// Only a count the spec writes: without one the service starts within the range.
			c.errorf("R53", "services."+name+".desiredCount", fmt.Sprintf("use a count from %d to %d, or leave desiredCount out to start with %d", as.Min, as.Max, max(as.Min, min(1, as.Max))),
				"desiredCount %d is outside the autoscaling range %d–%d: the scaling would change the count as soon as the service starts", *n, as.Min, as.Max)
		}
		if len(as.TargetTracking)+len(as.StepScaling)+len(as.Scheduled)+len(as.Predictive) == 0 {
			c.warnf("", p, "add a targetTracking, stepScaling or scheduled policy", "the service has scaling bounds but no policy, so it never scales")
		}
		requestCount := func(path string, m schema.Metric) {
			if !m.OfTargetGroup() {
				return
			}
			what := map[string]string{"requestCount": "requestCount counts requests per task", "responseTime": "responseTime measures the responses of the tasks"}[m.Predefined]
			if svc.LoadBalancer == nil {
				c.errorf("R55", path, `add a loadBalancer to the service, or scale on "cpu" or "memory"`, "%s through the service's load balancer, and the service has none", what)
			} else if lb, ok := s.LoadBalancers[svc.LoadBalancer.Name]; ok && lb.Type != "application" {
				c.errorf("R55", path, `scale on "cpu" or "memory"`, "%s needs an application load balancer; %s is a %s load balancer", m.Predefined, svc.LoadBalancer.Name, lb.Type)
			} else if svc.Deployment.Strategy != schema.Rolling {
				c.errorf("R55", path, `scale on "cpu" or "memory", or deploy with the rolling strategy`,
					"%s follows one target group, but a %s deployment moves the traffic to the other after each release, and scaling would stop", m.Predefined, svc.Deployment.Strategy)
			}
		}
		for _, k := range sortedKeys(as.TargetTracking) {
			tt := as.TargetTracking[k]
			tp := p + ".targetTracking." + k
			requestCount(tp+".metric", tt.Metric)
			c.loadBalancerMetric(tp+".metric", tt.Metric)
			c.percentTarget(tp+".target", tt)
		}
		for _, k := range sortedKeys(as.StepScaling) {
			sp := as.StepScaling[k]
			requestCount(p+".stepScaling."+k+".alarm.metric", sp.Alarm.Metric)
			c.loadBalancerMetric(p+".stepScaling."+k+".alarm.metric", sp.Alarm.Metric)
			c.steps(p+".stepScaling."+k, sp)
		}
		for _, k := range sortedKeys(as.Scheduled) {
			c.scheduled(p+".scheduled."+k, as.Scheduled[k], false)
		}
		for _, k := range sortedKeys(as.Predictive) {
			requestCount(p+".predictive."+k+".metric", schema.Metric{Predefined: as.Predictive[k].Metric})
		}
		c.predictive(p, as.Predictive, as.TargetTracking, as.StepScaling)
	}
}

// predictive: the capacity buffer goes with raising the capacity above max, and only with it
// (R82: MaxCapacityBuffer is required with IncreaseMaxCapacity and cannot be used otherwise,
// per the PredictiveScalingConfiguration API reference); a policy name is one policy's (R83:
// the names of a scalable target's or a group's policies, and their logical ids, are
// distinct).
func (c *checker) predictive(p string, ps map[string]schema.PredictiveScaling, tt map[string]schema.TargetTracking, steps map[string]schema.StepScaling) {
	for _, k := range sortedKeys(ps) {
		pp := p + ".predictive." + k
		switch pol := ps[k]; {
		case pol.MaxCapacityBreach == "increase" && pol.MaxCapacityBuffer == nil:
			c.errorf("R82", pp+".maxCapacityBuffer", "give the percent the forecast may go above max, e.g. maxCapacityBuffer: 10",
				`maxCapacityBreach "increase" needs maxCapacityBuffer: AWS requires it with IncreaseMaxCapacity`)
		case pol.MaxCapacityBreach != "increase" && pol.MaxCapacityBuffer != nil:
			c.errorf("R82", pp+".maxCapacityBuffer", `remove it, or set maxCapacityBreach: "increase"`,
				"maxCapacityBuffer applies only when the forecast may raise the capacity above max (IncreaseMaxCapacity), and AWS refuses it otherwise")
		}
		_, isTT := tt[k]
		_, isStep := steps[k]
		if isTT || isStep {
			c.errorf("R83", pp, "give the predictive policy another name", "the name %s is also a targetTracking or stepScaling policy's; each policy needs a name of its own", k)
		}
	}
}

func checkGroupScaling(c *checker) {
	s := c.spec
	for _, name := range sortedKeys(s.Cluster.Capacity.EC2) {
		cp := s.Cluster.Capacity.EC2[name]
		p := "cluster.capacity.ec2." + name
		sc := cp.Scaling
		policies := len(sc.TargetTracking) + len(sc.StepScaling) + len(sc.Predictive)
		if policies > 0 && cp.ManagedScaling.Enabled {
			c.errorf("", p+".scaling", "set managedScaling: enabled: false to scale the group yourself, or remove the policies",
				"the capacity provider already scales this group (managed scaling); policies of its own would fight it")
		}
		if r := cp.Replacement; r.Enabled && r.MinInService != nil && *r.MinInService >= cp.Size.Max {
			c.errorf("", p+".replacement.minInService", fmt.Sprintf("use at most %d (size.max − 1), or raise size.max", cp.Size.Max-1),
				"a rolling replacement keeping %d instances in service in a group of at most %d can never start one; CloudFormation refuses MinInstancesInService not below MaxSize", *r.MinInService, cp.Size.Max)
		}
		if policies > 0 && cp.Size.Min == cp.Size.Max {
			c.warnf("R43", p+".size", "raise size.max above size.min", "min and max are both %d, so the group's scaling policies can never change its size", cp.Size.Min)
		}
		for _, k := range sortedKeys(sc.TargetTracking) {
			tt := sc.TargetTracking[k]
			tp := p + ".scaling.targetTracking." + k
			if tt.Metric.OfTargetGroup() {
				c.errorf("", tp+".metric", `use "cpu" or "memory" (the cluster's reservation)`, "%s is a service metric", tt.Metric.Predefined)
			}
			c.loadBalancerMetric(tp+".metric", tt.Metric)
			c.percentTarget(tp+".target", tt)
		}
		for _, k := range sortedKeys(sc.StepScaling) {
			sp := sc.StepScaling[k]
			if sp.Alarm.Metric.OfTargetGroup() {
				c.errorf("", p+".scaling.stepScaling."+k+".alarm.metric", `use "cpu" or "memory" (the cluster's reservation)`, "%s is a service metric", sp.Alarm.Metric.Predefined)
			}
			c.loadBalancerMetric(p+".scaling.stepScaling."+k+".alarm.metric", sp.Alarm.Metric)
			c.steps(p+".scaling.stepScaling."+k, sp)
		}
		for _, k := range sortedKeys(sc.Scheduled) {
			c.scheduled(p+".scaling.scheduled."+k, sc.Scheduled[k], true)
		}
		c.predictive(p+".scaling", sc.Predictive, sc.TargetTracking, sc.StepScaling)
	}
}

// elbNamespaces are the CloudWatch namespaces of each load balancer type's metrics.
var elbNamespaces = map[string]string{"application": "AWS/ApplicationELB", "network": "AWS/NetworkELB"}

// loadBalancerMetric: a custom metric of one of the spec's load balancers names one that
// exists, in its type's namespace, and leaves the LoadBalancer dimension to ecsgen.
func (c *checker) loadBalancerMetric(path string, m schema.Metric) {
	if m.Custom == nil || m.Custom.LoadBalancer == "" {
		return
	}
	name := m.Custom.LoadBalancer
	lb, ok := c.spec.LoadBalancers[name]
	if !ok {
		c.errorf("", path+".loadBalancer", "use one of: "+strings.Join(sortedKeys(c.spec.LoadBalancers), ", "), "%q is not a load balancer of this spec", name)
		return
	}
	if want := elbNamespaces[lb.Type]; m.Custom.Namespace != want {
		c.errorf("", path+".namespace", fmt.Sprintf("use namespace: %q", want),
			"the metrics of %s load balancer %s are in %s; %s has no LoadBalancer dimension for it", lb.Type, name, want, m.Custom.Namespace)
	}
	if _, ok := m.Custom.Dimensions["LoadBalancer"]; ok {
		c.errorf("", path+".dimensions.LoadBalancer", "remove it: ecsgen sets it from loadBalancer",
			"the LoadBalancer dimension is the full name of load balancer %s, known only once it exists", name)
	}
}

// percentTarget: cpu and memory targets are percentages.
func (c *checker) percentTarget(path string, tt schema.TargetTracking) {
	if (tt.Metric.Predefined == "cpu" || tt.Metric.Predefined == "memory") && tt.Target > 100 {
		c.errorf("", path, "use a percentage, e.g. 60", "a %s target is a percentage, got %g", tt.Metric.Predefined, tt.Target)
	}
}

// steps: step intervals must not overlap, and only the first may be open below and the last
// open above.
func (c *checker) steps(path string, sp schema.StepScaling) {
	type iv struct{ lo, hi *float64 }
	var ivs []iv
	for _, st := range sp.Steps {
		if st.Lower != nil && st.Upper != nil && *st.Lower >= *st.Upper {
			c.errorf("", path+".steps", "", "a step's lower bound %g is not below its upper bound %g", *st.Lower, *st.Upper)
			return
		}
		ivs = append(ivs, iv{st.Lower, st.Upper})
	}
	slices.SortFunc(ivs, func(a, b iv) int {
		switch {
		case a.lo == nil:
			return -1
		case b.lo == nil:
			return 1
		case *a.lo < *b.lo:
			return -1
		case *a.lo > *b.lo:
			return 1
		}
		return 0
	})
	for i := 1; i < len(ivs); i++ {
		prev, cur := ivs[i-1], ivs[i]
		if prev.hi == nil || cur.lo == nil || *prev.hi > *cur.lo {
			c.errorf("", path+".steps", "give each step its own [lower, upper) range past the threshold", "the steps overlap")
			return
		}
	}
	if sp.AdjustmentType == "ExactCapacity" {
		for _, st := range sp.Steps {
			if st.Adjustment < 0 {
				c.errorf("", path+".steps", "", "an exact capacity cannot be negative (%d)", st.Adjustment)
				return
			}
		}
	}
}

// scheduled: bounds and the schedule syntax each service accepts. Auto Scaling groups take a
// five-field cron expression or a time, not a rate.
func (c *checker) scheduled(path string, sc schema.ScheduledScaling, group bool) {
	if sc.Min == nil && sc.Max == nil {
		c.errorf("", path, "set min, max or both", "the scheduled action changes nothing")
	}
	if sc.Min != nil && sc.Max != nil && *sc.Min > *sc.Max {
		c.errorf("R53", path+".min", "", "min %d is above max %d", *sc.Min, *sc.Max)
	}
	if !group {
		return
	}
	inner := sc.Schedule[strings.Index(sc.Schedule, "(")+1 : len(sc.Schedule)-1]
	switch {
	case strings.HasPrefix(sc.Schedule, "rate("):
		c.errorf("", path+".schedule", `use cron(…) with five fields, e.g. "cron(0 9 * * 1-5)"`, "Auto Scaling group schedules take no rate")
	case strings.HasPrefix(sc.Schedule, "cron(") && len(strings.Fields(inner)) != 5:
		c.errorf("", path+".schedule", `e.g. "cron(0 9 * * 1-5)"`, "an Auto Scaling group cron expression has five fields (minute hour day month weekday), got %d", len(strings.Fields(inner)))
	}
}
