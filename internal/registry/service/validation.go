package service

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	netutils "k8s.io/utils/net"
	"k8s.io/utils/ptr"
)

// The enumerations validation accepts, sorted as upstream lists them.
var (
	serviceTypes     = []corev1.ServiceType{corev1.ServiceTypeClusterIP, corev1.ServiceTypeExternalName, corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort}
	affinities       = []corev1.ServiceAffinity{corev1.ServiceAffinityClientIP, corev1.ServiceAffinityNone}
	protocols        = []corev1.Protocol{corev1.ProtocolSCTP, corev1.ProtocolTCP, corev1.ProtocolUDP}
	trafficPolicies  = []string{"Cluster", "Local"}
	familyPolicies   = []corev1.IPFamilyPolicy{corev1.IPFamilyPolicyPreferDualStack, corev1.IPFamilyPolicyRequireDualStack, corev1.IPFamilyPolicySingleStack}
	families         = []corev1.IPFamily{corev1.IPv4Protocol, corev1.IPv6Protocol}
	specPath         = field.NewPath("spec")
	clusterIPsPath   = specPath.Child("clusterIPs")
	ipFamiliesPath   = specPath.Child("ipFamilies")
	familyPolicyPath = specPath.Child("ipFamilyPolicy")
)

// maxAffinitySeconds is upstream's MaxClientIPServiceAffinitySeconds (one
// day), which k8s.io/api does not export.
const maxAffinitySeconds = 86400

// The range of node ports, kube-apiserver's default --service-node-port-range.
const (
	nodePortMin = 30000
	nodePortMax = 32767
)

// validateCreate checks a new service after PrepareForCreate.
func validateCreate(svc *corev1.Service) field.ErrorList {
	errs := validateService(svc, nil)
	errs = append(errs, familyErrors(svc)...)
	return append(errs, allocationErrors(svc)...)
}

// validateUpdate is upstream's ValidateServiceUpdate: cluster IPs and IP
// families keep their primary value, the load balancer class is fixed,
// and the new state must be a valid service.
func validateUpdate(svc, old *corev1.Service) field.ErrorList {
	errs := validateClusterIPsUpdate(svc, old)
	errs = append(errs, validateIPFamiliesUpdate(svc, old)...)
	if old.Spec.Type == corev1.ServiceTypeLoadBalancer && svc.Spec.Type == corev1.ServiceTypeLoadBalancer &&
		!ptr.Equal(old.Spec.LoadBalancerClass, svc.Spec.LoadBalancerClass) {
		errs = append(errs, field.Invalid(specPath.Child("loadBalancerClass"), svc.Spec.LoadBalancerClass, "may not change once set"))
	}
	errs = append(errs, validateService(svc, old)...)
	errs = append(errs, familyErrors(svc)...)
	return append(errs, allocationErrors(svc)...)
}

// validateService is upstream's ValidateService without the metadata
// checks the store makes. old (nil on create) lets addresses stored before
// strict IP validation stay.
func validateService(svc, old *corev1.Service) field.ErrorList {
	spec := &svc.Spec
	var errs field.ErrorList
	if len(spec.Ports) == 0 && !isHeadless(svc) && spec.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(specPath.Child("ports"), ""))
	}
	errs = append(errs, validateTypeSpecific(svc)...)
	errs = append(errs, validatePorts(svc)...)
	if spec.Selector != nil {
		errs = append(errs, metav1validation.ValidateLabels(spec.Selector, specPath.Child("selector"))...)
	}
	errs = append(errs, validateSessionAffinity(spec)...)
	errs = append(errs, validateClusterIPs(svc, old)...)
	errs = append(errs, validateExternalIPs(svc, old)...)
	switch {
	case spec.Type == "":
		errs = append(errs, field.Required(specPath.Child("type"), ""))
	case !slices.Contains(serviceTypes, spec.Type):
		errs = append(errs, field.NotSupported(specPath.Child("type"), spec.Type, serviceTypes))
	}
	errs = append(errs, validateTrafficPolicies(svc)...)
	if spec.LoadBalancerClass != nil {
		if spec.Type != corev1.ServiceTypeLoadBalancer {
			errs = append(errs, field.Forbidden(specPath.Child("loadBalancerClass"), "may only be used when `type` is 'LoadBalancer'"))
		} else {
			errs = append(errs, qualifiedName(specPath.Child("loadBalancerClass"), *spec.LoadBalancerClass)...)
		}
	}
	return errs
}

// validateTypeSpecific checks what each type requires or forbids.
func validateTypeSpecific(svc *corev1.Service) field.ErrorList {
	spec := &svc.Spec
	headless := len(spec.ClusterIPs) == 1 && spec.ClusterIPs[0] == corev1.ClusterIPNone
	var errs field.ErrorList
	switch spec.Type {
	case corev1.ServiceTypeLoadBalancer, corev1.ServiceTypeNodePort:
		if headless {
			errs = append(errs, field.Invalid(clusterIPsPath.Index(0), spec.ClusterIPs[0], fmt.Sprintf("may not be set to 'None' for %s services", spec.Type)))
		}
		if spec.Type == corev1.ServiceTypeLoadBalancer && spec.AllocateLoadBalancerNodePorts == nil {
			errs = append(errs, field.Required(specPath.Child("allocateLoadBalancerNodePorts"), ""))
		}
	case corev1.ServiceTypeExternalName:
		if len(spec.ClusterIPs) > 0 {
			errs = append(errs, field.Forbidden(clusterIPsPath, "may not be set for ExternalName services"))
		}
		if len(spec.IPFamilies) > 0 {
			errs = append(errs, field.Forbidden(ipFamiliesPath, "may not be set for ExternalName services"))
		}
		if spec.IPFamilyPolicy != nil {
			errs = append(errs, field.Forbidden(familyPolicyPath, "may not be set for ExternalName services"))
		}
		// The name may end in a dot, marking it fully qualified.
		if cname := strings.TrimSuffix(spec.ExternalName, "."); cname != "" {
			for _, msg := range validation.IsDNS1123Subdomain(cname) {
				errs = append(errs, field.Invalid(specPath.Child("externalName"), cname, msg))
			}
		} else {
			errs = append(errs, field.Required(specPath.Child("externalName"), ""))
		}
	}
	return errs
}

// validatePorts checks each port, then the combinations: names unique and
// required when there are several, node ports only where they mean
// something, and no (protocol, port) or (protocol, nodePort) twice.
func validatePorts(svc *corev1.Service) field.ErrorList {
	var errs field.ErrorList
	names := map[string]bool{}
	type key struct {
		protocol corev1.Protocol
		port     int32
	}
	ports, nodePorts := map[key]bool{}, map[key]bool{}
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		path := specPath.Child("ports").Index(i)
		errs = append(errs, validatePort(p, len(svc.Spec.Ports) > 1, names, path)...)
		errs = append(errs, validateNodePort(svc.Spec.Type, p, path)...)
		if p.NodePort != 0 {
			k := key{p.Protocol, p.NodePort}
			if nodePorts[k] {
				errs = append(errs, field.Duplicate(path.Child("nodePort"), p.NodePort))
			}
			nodePorts[k] = true
		}
		k := key{p.Protocol, p.Port}
		if ports[k] {
			errs = append(errs, field.Duplicate(path, corev1.ServicePort{Protocol: p.Protocol, Port: p.Port}))
		}
		ports[k] = true
	}
	return errs
}

// validatePort is upstream's validateServicePort.
func validatePort(p *corev1.ServicePort, requireName bool, names map[string]bool, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch {
	case requireName && p.Name == "":
		errs = append(errs, field.Required(path.Child("name"), ""))
	case p.Name != "":
		for _, msg := range validation.IsDNS1123Label(p.Name) {
			errs = append(errs, field.Invalid(path.Child("name"), p.Name, msg))
		}
		if names[p.Name] {
			errs = append(errs, field.Duplicate(path.Child("name"), p.Name))
		}
		names[p.Name] = true
	}
	for _, msg := range validation.IsValidPortNum(int(p.Port)) {
		errs = append(errs, field.Invalid(path.Child("port"), p.Port, msg))
	}
	switch {
	case p.Protocol == "":
		errs = append(errs, field.Required(path.Child("protocol"), ""))
	case !slices.Contains(protocols, p.Protocol):
		errs = append(errs, field.NotSupported(path.Child("protocol"), p.Protocol, protocols))
	}
	errs = append(errs, validatePortNumOrName(p.TargetPort, path.Child("targetPort"))...)
	if p.AppProtocol != nil {
		errs = append(errs, qualifiedName(path.Child("appProtocol"), *p.AppProtocol)...)
	}
	return errs
}

func validatePortNumOrName(port intstr.IntOrString, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if port.Type == intstr.String {
		for _, msg := range validation.IsValidPortName(port.StrVal) {
			errs = append(errs, field.Invalid(path, port.StrVal, msg))
		}
		return errs
	}
	for _, msg := range validation.IsValidPortNum(port.IntValue()) {
		errs = append(errs, field.Invalid(path, port.IntValue(), msg))
	}
	return errs
}

// validateNodePort forbids node ports on ClusterIP services and checks the
// range of the others (upstream's port allocator does the latter).
func validateNodePort(t corev1.ServiceType, p *corev1.ServicePort, path *field.Path) field.ErrorList {
	if p.NodePort == 0 {
		return nil
	}
	switch t {
	case corev1.ServiceTypeClusterIP:
		return field.ErrorList{field.Forbidden(path.Child("nodePort"), "may not be used when `type` is 'ClusterIP'")}
	case corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
		if p.NodePort < nodePortMin || p.NodePort > nodePortMax {
			msg := fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %d-%d", nodePortMin, nodePortMax)
			return field.ErrorList{field.Invalid(path.Child("nodePort"), p.NodePort, msg)}
		}
	}
	return nil
}

func validateSessionAffinity(spec *corev1.ServiceSpec) field.ErrorList {
	path := specPath.Child("sessionAffinityConfig")
	switch spec.SessionAffinity {
	case "":
		return field.ErrorList{field.Required(specPath.Child("sessionAffinity"), "")}
	case corev1.ServiceAffinityNone:
		if spec.SessionAffinityConfig != nil {
			return field.ErrorList{field.Forbidden(path, "must not be set when session affinity is None")}
		}
	case corev1.ServiceAffinityClientIP:
		const required = "when session affinity type is ClientIP"
		c := spec.SessionAffinityConfig
		switch {
		case c == nil:
			return field.ErrorList{field.Required(path, required)}
		case c.ClientIP == nil:
			return field.ErrorList{field.Required(path.Child("clientIP"), required)}
		case c.ClientIP.TimeoutSeconds == nil:
			return field.ErrorList{field.Required(path.Child("clientIP", "timeoutSeconds"), required)}
		}
		if t := *c.ClientIP.TimeoutSeconds; t <= 0 || t > maxAffinitySeconds {
			msg := fmt.Sprintf("must be greater than 0 and less than %d", maxAffinitySeconds)
			return field.ErrorList{field.Invalid(path.Child("clientIP", "timeoutSeconds"), t, msg)}
		}
	default:
		return field.ErrorList{field.NotSupported(specPath.Child("sessionAffinity"), spec.SessionAffinity, affinities)}
	}
	return nil
}

func validateExternalIPs(svc, old *corev1.Service) field.ErrorList {
	var oldIPs []string
	if old != nil {
		oldIPs = old.Spec.ExternalIPs
	}
	var errs field.ErrorList
	for i, ip := range svc.Spec.ExternalIPs {
		path := specPath.Child("externalIPs").Index(i)
		if ipErrs := validation.IsValidIPForLegacyField(path, ip, true, oldIPs); len(ipErrs) > 0 {
			errs = append(errs, ipErrs...)
			continue
		}
		errs = append(errs, validateEndpointIP(ip, path)...)
	}
	return errs
}

// validateEndpointIP is upstream's ValidateEndpointIP (the endpoints
// package has the same rules for endpoint addresses).
func validateEndpointIP(value string, path *field.Path) field.ErrorList {
	ip := netutils.ParseIPSloppy(value)
	var errs field.ErrorList
	if ip.IsUnspecified() {
		errs = append(errs, field.Invalid(path, value, fmt.Sprintf("may not be unspecified (%v)", value)))
	}
	if ip.IsLoopback() {
		errs = append(errs, field.Invalid(path, value, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
	}
	if ip.IsLinkLocalUnicast() {
		errs = append(errs, field.Invalid(path, value, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
	}
	if ip.IsLinkLocalMulticast() {
		errs = append(errs, field.Invalid(path, value, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
	}
	return errs
}

// validateTrafficPolicies checks the external and internal traffic
// policies and the health check node port that goes with Local.
func validateTrafficPolicies(svc *corev1.Service) field.ErrorList {
	spec := &svc.Spec
	var errs field.ErrorList
	etp := specPath.Child("externalTrafficPolicy")
	switch {
	case !externallyAccessible(svc):
		if spec.ExternalTrafficPolicy != "" {
			errs = append(errs, field.Invalid(etp, spec.ExternalTrafficPolicy, "may only be set for externally-accessible services"))
		}
	case spec.ExternalTrafficPolicy == "":
		errs = append(errs, field.Required(etp, ""))
	case !slices.Contains(trafficPolicies, string(spec.ExternalTrafficPolicy)):
		errs = append(errs, field.NotSupported(etp, spec.ExternalTrafficPolicy, trafficPolicies))
	}
	if spec.HealthCheckNodePort != 0 && !needsHealthCheck(svc) {
		errs = append(errs, field.Invalid(specPath.Child("healthCheckNodePort"), spec.HealthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
	}
	itp := specPath.Child("internalTrafficPolicy")
	switch p := spec.InternalTrafficPolicy; {
	case p == nil:
		if needsInternalTrafficPolicy(spec.Type) {
			errs = append(errs, field.Required(itp, ""))
		}
	case !slices.Contains(trafficPolicies, string(*p)):
		errs = append(errs, field.NotSupported(itp, *p, trafficPolicies))
	}
	return errs
}

// validateLoadBalancerStatus is upstream's ValidateLoadBalancerStatus for
// the fields evictd clients set: ingress IPs and hostnames.
func validateLoadBalancerStatus(status *corev1.LoadBalancerStatus, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ing := range status.Ingress {
		p := path.Child("ingress").Index(i)
		if ing.IP != "" {
			errs = append(errs, validation.IsValidIPForLegacyField(p.Child("ip"), ing.IP, true, nil)...)
		}
		if ing.Hostname != "" {
			for _, msg := range validation.IsDNS1123Subdomain(ing.Hostname) {
				errs = append(errs, field.Invalid(p.Child("hostname"), ing.Hostname, msg))
			}
			if netutils.ParseIPSloppy(ing.Hostname) != nil {
				errs = append(errs, field.Invalid(p.Child("hostname"), ing.Hostname, "must be a DNS name, not an IP address"))
			}
		}
	}
	return errs
}

func qualifiedName(path *field.Path, value string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsQualifiedName(value) {
		errs = append(errs, field.Invalid(path, value, msg))
	}
	return errs
}
