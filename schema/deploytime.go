package schema

// DeployTimeValue is an environment variable's value that exists only at deploy time
// (containers.<name>.deployTimeEnvironment): exactly one of LoadBalancer, Import and
// SSMParameter (R67).
type DeployTimeValue struct {
	LoadBalancer string `json:"loadBalancer,omitempty"`
	Import       string `json:"import,omitempty"`
	SSMParameter string `json:"ssmParameter,omitempty"`
	Version      int    `json:"version,omitempty"`
	Prefix       string `json:"prefix,omitempty"`
	Suffix       string `json:"suffix,omitempty"`
}

// Sources is how many sources the value names (one when valid).
func (v DeployTimeValue) Sources() int {
	n := 0
	for _, s := range []string{v.LoadBalancer, v.Import, v.SSMParameter} {
		if s != "" {
			n++
		}
	}
	return n
}

// DeployTimeLoadBalancers are the load balancers whose DNS names a container of the spec uses,
// which the cluster stack therefore exports.
func (s *Spec) DeployTimeLoadBalancers() map[string]bool {
	out := map[string]bool{}
	for _, svc := range s.Services {
		for _, c := range svc.Containers {
			for _, v := range c.DeployTimeEnvironment {
				if v.LoadBalancer != "" {
					out[v.LoadBalancer] = true
				}
			}
		}
	}
	return out
}
