package pod

import (
	"fmt"
	"math"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validation mirrors pkg/apis/core/validation (ValidatePodCreate,
// ValidatePodSpec) with its paths and messages, for the fields clients of
// evictd set: containers, ports, resources, policies, scheduling fields.
// Deliberately left out: security contexts, affinity terms, topology spread
// constraints, probe and lifecycle handler contents, volume sources, env
// valueFrom sources and pod-specific annotations. Object metadata (name,
// labels, annotations) is checked by the store.

// specPath is the root of the pod spec's field paths.
var specPath = field.NewPath("spec")

// validateCreate is upstream's ValidatePodCreate.
func validateCreate(pod *corev1.Pod) field.ErrorList {
	errs := validatePod(pod)
	if len(pod.Spec.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(specPath.Child("ephemeralContainers"), "cannot be set on create"))
	}
	if pod.Spec.NodeName != "" && len(pod.Spec.SchedulingGates) != 0 {
		errs = append(errs, field.Forbidden(specPath.Child("nodeName"), "cannot be set until all schedulingGates have been cleared"))
	}
	return errs
}

// validatePod checks a pod's spec with the rules only pods (not templates)
// get on top of ValidatePodSpec.
func validatePod(pod *corev1.Pod) field.ErrorList {
	errs := validatePodSpec(&pod.Spec, specPath, true)
	errs = append(errs, validateImageWhitespace(pod.Spec.Containers, specPath.Child("containers"))...)
	return append(errs, validateImageWhitespace(pod.Spec.InitContainers, specPath.Child("initContainers"))...)
}

// ValidatePodSpec checks a pod spec, for pods and for the pod templates of
// workload resources, reporting errors under path.
func ValidatePodSpec(spec *corev1.PodSpec, path *field.Path) field.ErrorList {
	return validatePodSpec(spec, path, false)
}

// validatePodSpec is ValidatePodSpec; isPod tightens the rules that are
// looser for templates because defaulting will complete them in the pod.
func validatePodSpec(spec *corev1.PodSpec, path *field.Path, isPod bool) field.ErrorList {
	var errs field.ErrorList
	if spec.TerminationGracePeriodSeconds == nil {
		errs = append(errs, field.Required(path.Child("terminationGracePeriodSeconds"), ""))
	}
	volumes, volErrs := validateVolumes(spec.Volumes, path.Child("volumes"))
	errs = append(errs, volErrs...)
	errs = append(errs, validateContainers(spec.Containers, volumes, path.Child("containers"))...)
	errs = append(errs, validateInitContainers(spec.InitContainers, spec.Containers, volumes, path.Child("initContainers"))...)
	errs = append(errs, validateHostNetworkPorts(spec, path, isPod)...)
	errs = append(errs, validateEnum(spec.RestartPolicy, path.Child("restartPolicy"), restartPolicies)...)
	errs = append(errs, validateEnum(spec.DNSPolicy, path.Child("dnsPolicy"), dnsPolicies)...)
	errs = append(errs, metav1validation.ValidateLabels(spec.NodeSelector, path.Child("nodeSelector"))...)
	errs = append(errs, validateDNSConfig(spec, path.Child("dnsConfig"))...)
	errs = append(errs, validateReadinessGates(spec.ReadinessGates, path.Child("readinessGates"))...)
	errs = append(errs, validateSchedulingGates(spec.SchedulingGates, path.Child("schedulingGates"))...)
	errs = append(errs, validateName(spec.ServiceAccountName, path.Child("serviceAccountName"))...)
	errs = append(errs, validateName(spec.NodeName, path.Child("nodeName"))...)
	if d := spec.ActiveDeadlineSeconds; d != nil && (*d < 1 || *d > math.MaxInt32) {
		errs = append(errs, field.Invalid(path.Child("activeDeadlineSeconds"), *d, validation.InclusiveRangeError(1, math.MaxInt32)))
	}
	errs = append(errs, validateDNSLabel(spec.Hostname, path.Child("hostname"))...)
	errs = append(errs, validateDNSLabel(spec.Subdomain, path.Child("subdomain"))...)
	errs = append(errs, validateTolerations(spec.Tolerations, path.Child("tolerations"))...)
	errs = append(errs, validateName(spec.PriorityClassName, path.Child("priorityClassName"))...)
	if p := spec.PreemptionPolicy; p != nil {
		errs = append(errs, validateEnum(*p, path.Child("preemptionPolicy"), preemptionPolicies)...)
	}
	return errs
}

var (
	restartPolicies    = []corev1.RestartPolicy{corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}
	dnsPolicies        = []corev1.DNSPolicy{corev1.DNSClusterFirstWithHostNet, corev1.DNSClusterFirst, corev1.DNSDefault, corev1.DNSNone}
	preemptionPolicies = []corev1.PreemptionPolicy{corev1.PreemptLowerPriority, corev1.PreemptNever}
)

// validateEnum is upstream's pattern for enumerated fields: Required when
// empty, NotSupported (listing the values in upstream's order) otherwise.
func validateEnum[T ~string](value T, path *field.Path, supported []T) field.ErrorList {
	if value == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	for _, s := range supported {
		if value == s {
			return nil
		}
	}
	return field.ErrorList{field.NotSupported(path, value, supported)}
}

// validateName checks an optional reference to an object named as a DNS
// subdomain: nodes, service accounts, priority classes.
func validateName(name string, path *field.Path) field.ErrorList {
	if name == "" {
		return nil
	}
	var errs field.ErrorList
	for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(name, false) {
		errs = append(errs, field.Invalid(path, name, msg))
	}
	return errs
}

// validateDNSLabel checks an optional DNS label (hostname, subdomain).
func validateDNSLabel(value string, path *field.Path) field.ErrorList {
	if value == "" {
		return nil
	}
	return dns1123Label(value, path)
}

func dns1123Label(value string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(value) {
		errs = append(errs, field.Invalid(path, value, msg))
	}
	return errs
}

func qualifiedName(value string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsQualifiedName(value) {
		errs = append(errs, field.Invalid(path, value, msg))
	}
	return errs
}

// validateHostNetworkPorts requires host ports to equal container ports
// under hostNetwork; templates may leave them 0 for defaulting to fill.
func validateHostNetworkPorts(spec *corev1.PodSpec, path *field.Path, isPod bool) field.ErrorList {
	if !spec.HostNetwork {
		return nil
	}
	var errs field.ErrorList
	for i, c := range spec.Containers {
		for j, p := range c.Ports {
			if (isPod || p.HostPort != 0) && p.HostPort != p.ContainerPort {
				errs = append(errs, field.Invalid(path.Child("containers").Index(i).Child("ports").Index(j).Child("hostPort"),
					p.HostPort, "must match `containerPort` when `hostNetwork` is true"))
			}
		}
	}
	return errs
}

// validateDNSConfig requires a nameserver under dnsPolicy None and checks
// the nameserver IPs.
func validateDNSConfig(spec *corev1.PodSpec, path *field.Path) field.ErrorList {
	cfg := spec.DNSConfig
	if spec.DNSPolicy == corev1.DNSNone {
		if cfg == nil {
			return field.ErrorList{field.Required(path, fmt.Sprintf("must provide `dnsConfig` when `dnsPolicy` is %s", corev1.DNSNone))}
		}
		if len(cfg.Nameservers) == 0 {
			return field.ErrorList{field.Required(path.Child("nameservers"), fmt.Sprintf("must provide at least one DNS nameserver when `dnsPolicy` is %s", corev1.DNSNone))}
		}
	}
	if cfg == nil {
		return nil
	}
	var errs field.ErrorList
	for i, ns := range cfg.Nameservers {
		errs = append(errs, validation.IsValidIP(path.Child("nameservers").Index(i), ns)...)
	}
	return errs
}

func validateReadinessGates(gates []corev1.PodReadinessGate, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, g := range gates {
		errs = append(errs, qualifiedName(string(g.ConditionType), path.Index(i).Child("conditionType"))...)
	}
	return errs
}

func validateSchedulingGates(gates []corev1.PodSchedulingGate, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, g := range gates {
		errs = append(errs, qualifiedName(g.Name, path.Index(i))...)
		if seen[g.Name] {
			errs = append(errs, field.Duplicate(path.Index(i), g.Name))
		}
		seen[g.Name] = true
	}
	return errs
}

// validateImageWhitespace is the pod-only image check: templates tolerate
// surrounding whitespace for backward compatibility, pods do not.
func validateImageWhitespace(containers []corev1.Container, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, c := range containers {
		if len(strings.TrimSpace(c.Image)) != len(c.Image) {
			errs = append(errs, field.Invalid(path.Index(i).Child("image"), c.Image, "must not have leading or trailing whitespace"))
		}
	}
	return errs
}
