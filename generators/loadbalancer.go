package generators

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/cloudformation/ec2"
	elbv2 "github.com/awslabs/goformation/v7/cloudformation/elasticloadbalancingv2"

	"github.com/ecsgen/ecsgen/schema"
)

// Load balancers live in the cluster stack, with their security groups and their shared
// listeners; the cluster stack exports what services need (the listener ARNs, the load
// balancer's security group and full name). Each service stack holds its own target groups and
// listener rules, or its dedicated listeners (see schema.Spec.DedicatedListener).

// LoadBalancerName is the name of a load balancer: the spec's name, or the conventional name
// within 32 characters (R30), shortened by Fit like every generated name.
func LoadBalancerName(s *schema.Spec, lb string) string {
	if n := s.LoadBalancers[lb].Name; n != "" {
		return n
	}
	return Fit(conventional(s, lb), MaxLBName)
}

func lbID(lb string) string                 { return logicalID(lb) + "LoadBalancer" }
func lbSecurityGroupID(lb string) string    { return logicalID(lb) + "LoadBalancerSecurityGroup" }
func listenerID(lb, listener string) string { return logicalID(lb) + logicalID(listener) + "Listener" }

// Exports of the cluster stack for load balancers.
func ExportLoadBalancerArn(lb string) string      { return lb + ":LoadBalancerArn" }
func ExportLoadBalancerFullName(lb string) string { return lb + ":LoadBalancerFullName" }
func ExportLoadBalancerSG(lb string) string       { return lb + ":SecurityGroupId" }
func ExportListenerArn(lb, listener string) string {
	return lb + ":" + listener + ":ListenerArn"
}

// ipProtocols are the security group protocols a listener protocol needs.
func ipProtocols(listenerProtocol string) []string {
	switch listenerProtocol {
	case "UDP":
		return []string{"udp"}
	case "TCP_UDP":
		return []string{"tcp", "udp"}
	}
	return []string{"tcp"}
}

// loadBalancers adds every load balancer of the spec to the cluster stack.
func (e *env) loadBalancers(t *cloudformation.Template, st *stack) {
	s := e.spec
	var logToCreatedBucket []string
	// Which load balancers a container's deploy-time environment imports: read from every
	// service, so worked out once, not once per load balancer (which grew with the square of
	// the spec: 0.2 s at 10 000 services and 40 load balancers).
	importedDNS := s.DeployTimeLoadBalancers()
	for _, name := range sortedKeys(s.LoadBalancers) {
		lb := s.LoadBalancers[name]
		sg := &ec2.SecurityGroup{
			GroupDescription: "Load balancer " + LoadBalancerName(s, name),
			VpcId:            ptr(e.vpcID(vpcParam)),
			Tags:             e.tags(nameTag(s, Name(s, name))),
		}
		for _, lname := range sortedKeys(lb.Listeners) {
			l := lb.Listeners[lname]
			allow := lb.AllowFrom
			if l.AllowFrom != nil {
				allow = l.AllowFrom
			}
			for _, source := range allow {
				for _, proto := range ipProtocols(l.Protocol) {
					in := ec2.SecurityGroup_Ingress{
						IpProtocol: proto, FromPort: ptr(l.Port), ToPort: ptr(l.Port),
						Description: ptr(fmt.Sprintf("Listener %s (%s %d)", lname, l.Protocol, l.Port)),
					}
					if strings.HasPrefix(source, "sg-") {
						in.SourceSecurityGroupId = ptr(source)
					} else {
						in.CidrIp = ptr(source)
					}
					sg.SecurityGroupIngress = append(sg.SecurityGroupIngress, in)
				}
			}
		}
		if lb.RestrictEgress {
			// Replaces the default allow-all egress rule with one that matches nothing; the
			// rules toward the targets are separate SecurityGroupEgress resources, next to
			// the targets' ingress (see targetEgress).
			sg.SecurityGroupEgress = []ec2.SecurityGroup_Egress{{
				IpProtocol: "icmp", FromPort: ptr(252), ToPort: ptr(86), CidrIp: ptr("255.255.255.255/32"),
				Description: ptr("No traffic: egress only toward the targets, by the rules beside them"),
			}}
		}
		t.Resources[lbSecurityGroupID(name)] = sg

		subnets := e.subnetsRef(t, st, s.LoadBalancerPlacement(lb), logicalID(name)+"LoadBalancerSubnets", "Subnets of load balancer "+name)
		attrs := map[string]string{"deletion_protection.enabled": strconv.FormatBool(lb.DeletionProtection)}
		if lb.Type == "application" {
			attrs["idle_timeout.timeout_seconds"] = strconv.Itoa(lb.IdleTimeout)
			attrs["routing.http.drop_invalid_header_fields.enabled"] = strconv.FormatBool(lb.DropInvalidHeaderFields)
		}
		createdBucket := e.accessLogAttributes(name, lb, attrs)
		if createdBucket {
			logToCreatedBucket = append(logToCreatedBucket, name)
		}
		res := &elbv2.LoadBalancer{
			Name:           ptr(LoadBalancerName(s, name)),
			Type:           ptr(lb.Type),
			Scheme:         ptr(lb.Scheme),
			Subnets:        subnets,
			SecurityGroups: []string{Ref(lbSecurityGroupID(name))},
			Tags:           e.tags(nil),
		}
		for _, k := range sortedKeys(attrs) {
			res.LoadBalancerAttributes = append(res.LoadBalancerAttributes, elbv2.LoadBalancer_LoadBalancerAttribute{Key: ptr(k), Value: ptr(attrs[k])})
		}
		if createdBucket {
			// Elastic Load Balancing checks that it may write when access logs are turned on.
			res.AWSCloudFormationDependsOn = []string{accessLogsPolicyID}
		}
		t.Resources[lbID(name)] = res

		e.export(t, logicalID(name)+"LoadBalancerArn", "ARN of load balancer "+name, Ref(lbID(name)), ExportLoadBalancerArn(name))
		e.export(t, logicalID(name)+"LoadBalancerFullName", "Full name of load balancer "+name+" (for CloudWatch metrics)", GetAtt(lbID(name), "LoadBalancerFullName"), ExportLoadBalancerFullName(name))
		e.export(t, logicalID(name)+"LoadBalancerSecurityGroupId", "Security group of load balancer "+name, Ref(lbSecurityGroupID(name)), ExportLoadBalancerSG(name))
		dns := cloudformation.Output{Description: ptr("DNS name of load balancer " + name), Value: GetAtt(lbID(name), "DNSName")}
		if importedDNS[name] { // a container's deploy-time environment imports it
			dns.Export = &cloudformation.Export{Name: exportName(s, ExportLoadBalancerDNSName(name))}
		}
		t.Outputs[logicalID(name)+"LoadBalancerDNSName"] = dns

		for _, lname := range sortedKeys(lb.Listeners) {
			if _, dedicated := e.dedicated[[2]string{name, lname}]; dedicated {
				continue
			}
			t.Resources[listenerID(name, lname)] = sharedListener(Ref(lbID(name)), lb, lb.Listeners[lname])
			e.export(t, logicalID(name)+logicalID(lname)+"ListenerArn", "ARN of listener "+lname+" of load balancer "+name,
				Ref(listenerID(name, lname)), ExportListenerArn(name, lname))
		}
	}
	e.accessLogsBucket(t, logToCreatedBucket)
	e.instanceIngressFromLoadBalancers(t)
}

// sharedListener is a listener services attach to with rules. Requests no rule matches are
// redirected to HTTPS (plain HTTP beside an HTTPS listener) or answered 404.
func sharedListener(lbArn string, lb schema.LoadBalancer, l schema.Listener) *elbv2.Listener {
	res := listener(lbArn, l)
	httpsPort := 0
	for _, name := range sortedKeys(lb.Listeners) {
		if lb.Listeners[name].Protocol == "HTTPS" {
			httpsPort = lb.Listeners[name].Port
			break
		}
	}
	if l.Protocol == "HTTP" && httpsPort > 0 {
		res.DefaultActions = []elbv2.Listener_Action{{Type: "redirect", RedirectConfig: &elbv2.Listener_RedirectConfig{
			Protocol: ptr("HTTPS"), Port: ptr(strconv.Itoa(httpsPort)), StatusCode: "HTTP_301",
		}}}
	} else {
		res.DefaultActions = []elbv2.Listener_Action{{Type: "fixed-response", FixedResponseConfig: &elbv2.Listener_FixedResponseConfig{
			StatusCode: "404", ContentType: ptr("text/plain"), MessageBody: ptr("Not Found"),
		}}}
	}
	return res
}

// listener is a listener without its default actions.
func listener(lbArn string, l schema.Listener) *elbv2.Listener {
	res := &elbv2.Listener{LoadBalancerArn: lbArn, Port: ptr(l.Port), Protocol: ptr(l.Protocol)}
	if l.Protocol == "HTTPS" || l.Protocol == "TLS" {
		res.SslPolicy = ptr(l.SSLPolicy)
		if len(l.Certificates) > 0 {
			// The first certificate is the default; more are added with ListenerCertificate
			// resources, which CloudFormation requires for anything beyond the first.
			res.Certificates = []elbv2.Listener_Certificate{{CertificateArn: ptr(l.Certificates[0])}}
		}
	}
	return res
}

// extraCertificates adds the listener's certificates beyond the first.
func extraCertificates(t *cloudformation.Template, id, listenerArn string, l schema.Listener) {
	if len(l.Certificates) < 2 {
		return
	}
	lc := &elbv2.ListenerCertificate{ListenerArn: listenerArn}
	for _, c := range l.Certificates[1:] {
		lc.Certificates = append(lc.Certificates, elbv2.ListenerCertificate_Certificate{CertificateArn: ptr(c)})
	}
	t.Resources[id+"Certificates"] = lc
}

// instanceIngressFromLoadBalancers opens the instances of EC2 capacity to the load balancers of
// the bridge and host services placed on them: the ephemeral port range for dynamic host ports
// (R13: Linux 32768–60999 and Docker's 49153–65535), or the fixed host ports. Only from the load
// balancer's security group, and each rule once, however many services need it.
func (e *env) instanceIngressFromLoadBalancers(t *cloudformation.Template) {
	s := e.spec
	type rule struct {
		capacity, lb string
		from, to     int
	}
	var rules []rule
	for _, name := range sortedKeys(s.Services) {
		svc := s.Services[name]
		if svc.LoadBalancer == nil || s.OnFargate(svc) || s.NetworkMode(svc) == "awsvpc" {
			continue
		}
		hostPorts := func(container string, port int) (from, to int) {
			from, to = DynamicPortsFrom, DynamicPortsTo
			if s.NetworkMode(svc) == "host" {
				return port, port
			}
			if c, ok := svc.Containers[container]; ok {
				for _, pm := range c.Ports {
					if pm.Container == port && pm.Host != nil && *pm.Host != 0 {
						from, to = *pm.Host, *pm.Host
					}
				}
			}
			return from, to
		}
		container, port := s.Target(svc)
		targets := [][2]int{}
		from, to := hostPorts(container, port)
		targets = append(targets, [2]int{from, to})
		// The service's additional targets (after its own, so that the rules of specs without
		// them keep their numbers).
		for _, k := range sortedKeys(svc.LoadBalancer.AdditionalTargets) {
			at := svc.LoadBalancer.AdditionalTargets[k].AsLoadBalancer(svc.LoadBalancer.Name, container)
			from, to := hostPorts(at.Container, at.Port)
			targets = append(targets, [2]int{from, to})
		}
		for _, capName := range sortedKeys(s.Strategy(svc)) {
			if _, ok := s.Cluster.Capacity.EC2[capName]; !ok {
				continue
			}
			for _, ports := range targets {
				r := rule{capName, svc.LoadBalancer.Name, ports[0], ports[1]}
				if !slices.Contains(rules, r) {
					rules = append(rules, r)
				}
			}
		}
	}
	for _, r := range rules {
		desc := fmt.Sprintf("Tasks behind load balancer %s", r.lb)
		if r.from != r.to {
			desc += " (dynamic host ports)"
		}
		suffix := rulePortsID(r.from, r.to)
		t.Resources[fmt.Sprintf("%sIngressFrom%s%s", logicalID(r.capacity), logicalID(r.lb), suffix)] = &ec2.SecurityGroupIngress{
			GroupId:               ptr(Ref(logicalID(r.capacity) + "SecurityGroup")),
			SourceSecurityGroupId: ptr(Ref(lbSecurityGroupID(r.lb))),
			IpProtocol:            "tcp",
			FromPort:              ptr(r.from),
			ToPort:                ptr(r.to),
			Description:           ptr(desc),
		}
		t.Resources[fmt.Sprintf("%sEgressTo%s%s", logicalID(r.lb), logicalID(r.capacity), suffix)] = targetEgress(
			Ref(lbSecurityGroupID(r.lb)), Ref(logicalID(r.capacity)+"SecurityGroup"), "tcp", r.from, r.to,
			fmt.Sprintf("Instances of %s behind this load balancer", r.capacity))
	}
}

// rulePortsID ends the logical id of a rule between a load balancer and the instances of a
// capacity: it names the ports, so that a rule keeps its id whatever rules other services add
// or remove. (Numbered in order, as before, a rule added before another moved that one to a new
// id: CloudFormation creates the moved rule before it deletes the old one, and AWS refuses the
// second rule with the same ports and source, InvalidPermission.Duplicate, so adding a service
// failed the deploy.) The dynamic ports keep "1", the id of the only rule of the most common
// layout (one capacity behind one load balancer) in earlier versions: its stacks take this
// version without a rule created again. ecsgen plan blocks any update that would still create
// a rule twice (internal/plan, securityGroupRules).
func rulePortsID(from, to int) string {
	switch {
	case from == DynamicPortsFrom && to == DynamicPortsTo:
		return "1"
	case from == to:
		return fmt.Sprintf("Port%d", from)
	default:
		return fmt.Sprintf("Ports%dTo%d", from, to)
	}
}

// export adds an exported output to the cluster stack.
func (e *env) export(t *cloudformation.Template, id, description, value, key string) {
	t.Outputs[id] = cloudformation.Output{
		Description: ptr(description),
		Value:       value,
		Export:      &cloudformation.Export{Name: exportName(e.spec, key)},
	}
}

// targetEgress lets a load balancer's security group reach its targets' security group on
// their ports: the counterpart of the targets' ingress rule, which restrictEgress needs.
func targetEgress(lbGroup, targetGroup, proto string, from, to int, description string) *ec2.SecurityGroupEgress {
	return &ec2.SecurityGroupEgress{
		GroupId:                    lbGroup,
		DestinationSecurityGroupId: ptr(targetGroup),
		IpProtocol:                 proto,
		FromPort:                   ptr(from),
		ToPort:                     ptr(to),
		Description:                ptr(description),
	}
}
