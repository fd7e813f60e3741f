package pod

import (
	"context"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	netutils "k8s.io/utils/net"
)

// statusStrategy serves pods/status: the kubelet's and controllers' writes
// of status, conditions and (unlike most resources) labels and annotations.
type statusStrategy struct{ strategy }

// PrepareForUpdate keeps the old spec, owner references and deletion
// timestamp. Owner references are guarded because old kubelets sent them
// back corrupted; the QoS class, set once at creation, is restored when a
// writer dropped it, and so are observed generations a writer left unset.
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	pod, oldPod := obj.(*corev1.Pod), old.(*corev1.Pod)
	pod.Spec = oldPod.Spec
	pod.DeletionTimestamp = nil // the store keeps the stored value
	pod.OwnerReferences = oldPod.OwnerReferences
	if pod.Status.QOSClass == "" {
		pod.Status.QOSClass = oldPod.Status.QOSClass
	}
	preserveObservedGeneration(&pod.Status, &oldPod.Status)
}

// ValidateUpdate is upstream's ValidatePodStatusUpdate. It checks neither
// status.phase values nor phase transitions: upstream leaves both to the
// kubelet.
func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	pod, oldPod := obj.(*corev1.Pod), old.(*corev1.Pod)
	status, oldStatus := &pod.Status, &oldPod.Status
	// Upstream roots the condition paths at metadata, not status; clients
	// see metadata.conditions[i].Type, so we do too.
	errs := validateConditions(status.Conditions, field.NewPath("metadata", "conditions"))
	path := field.NewPath("status")
	if n := status.NominatedNodeName; n != oldStatus.NominatedNodeName && n != "" {
		errs = append(errs, validateName(n, path.Child("nominatedNodeName"))...)
	}
	errs = append(errs, apimachineryvalidation.ValidateImmutableField(status.QOSClass, oldStatus.QOSClass, path.Child("qosClass"))...)
	errs = append(errs, validateStateTransitions(status.ContainerStatuses, oldStatus.ContainerStatuses,
		path.Child("containerStatuses"), oldPod.Spec.RestartPolicy, nil)...)
	errs = append(errs, validateStateTransitions(status.InitContainerStatuses, oldStatus.InitContainerStatuses,
		path.Child("initContainerStatuses"), oldPod.Spec.RestartPolicy, oldPod.Spec.InitContainers)...)
	errs = append(errs, validateStateTransitions(status.EphemeralContainerStatuses, oldStatus.EphemeralContainerStatuses,
		path.Child("ephemeralContainerStatuses"), corev1.RestartPolicyNever, nil)...)
	errs = append(errs, validatePodIPs(status.PodIPs, path.Child("podIPs"))...)
	return append(errs, validateHostIPs(status, path.Child("hostIPs"))...)
}

// systemConditions may use their unqualified names; other condition types
// must be qualified names.
var systemConditions = []corev1.PodConditionType{corev1.PodScheduled, corev1.PodReady, corev1.PodInitialized}

func validateConditions(conditions []corev1.PodCondition, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, c := range conditions {
		if !slices.Contains(systemConditions, c.Type) {
			errs = append(errs, qualifiedName(string(c.Type), path.Index(i).Child("Type"))...)
		}
	}
	return errs
}

// validateStateTransitions forbids bringing a terminated container back
// when the restart policy says it stays terminated: never under Never, and
// not after success under OnFailure. Sidecars (init containers with
// restartPolicy Always) may always restart.
func validateStateTransitions(statuses, old []corev1.ContainerStatus, path *field.Path, policy corev1.RestartPolicy, inits []corev1.Container) field.ErrorList {
	if policy == corev1.RestartPolicyAlways {
		return nil
	}
	var errs field.ErrorList
	for i, o := range old {
		term := o.State.Terminated
		if term == nil || (term.ExitCode != 0 && policy == corev1.RestartPolicyOnFailure) || isSidecar(inits, o.Name) {
			continue
		}
		for _, s := range statuses {
			if s.Name == o.Name && s.State.Terminated == nil {
				errs = append(errs, field.Forbidden(path.Index(i).Child("state"), "may not be transitioned to non-terminated state"))
			}
		}
	}
	return errs
}

func isSidecar(inits []corev1.Container, name string) bool {
	for i := range inits {
		if inits[i].Name == name {
			return isRestartableInit(&inits[i])
		}
	}
	return false
}

// validatePodIPs: valid IPs, at most one per family, no duplicates.
func validatePodIPs(ips []corev1.PodIP, path *field.Path) field.ErrorList {
	list := make([]string, len(ips))
	for i, ip := range ips {
		list[i] = ip.IP
	}
	return validateIPList(list, path, func(i int) any { return ips[i] })
}

// validateHostIPs: as pod IPs, and the first must be status.hostIP.
func validateHostIPs(status *corev1.PodStatus, path *field.Path) field.ErrorList {
	if len(status.HostIPs) == 0 {
		return nil
	}
	var errs field.ErrorList
	if status.HostIP != status.HostIPs[0].IP {
		errs = append(errs, field.Invalid(path.Index(0).Child("ip"), status.HostIPs[0].IP, "must be equal to `hostIP`"))
	}
	list := make([]string, len(status.HostIPs))
	for i, ip := range status.HostIPs {
		list[i] = ip.IP
	}
	return append(errs, validateIPList(list, path, func(i int) any { return status.HostIPs[i] })...)
}

func validateIPList(ips []string, path *field.Path, item func(int) any) field.ErrorList {
	var errs field.ErrorList
	for i, ip := range ips {
		errs = append(errs, validation.IsValidIP(path.Index(i), ip)...)
	}
	if len(ips) < 2 {
		return errs
	}
	if dual, err := netutils.IsDualStackIPStrings(ips); err != nil || !dual || len(ips) > 2 {
		items := make([]any, len(ips))
		for i := range ips {
			items[i] = item(i)
		}
		errs = append(errs, field.Invalid(path, items, "may specify no more than one IP for each IP family"))
	}
	seen := map[string]bool{}
	for i, ip := range ips {
		if seen[ip] {
			errs = append(errs, field.Duplicate(path.Index(i), item(i)))
		}
		seen[ip] = true
	}
	return errs
}

// preserveObservedGeneration keeps observedGeneration values a writer left
// at zero, for the pod and for each condition (matched by type, in order).
func preserveObservedGeneration(status, old *corev1.PodStatus) {
	if status.ObservedGeneration == 0 {
		status.ObservedGeneration = old.ObservedGeneration
	}
	oldGens := map[corev1.PodConditionType][]int64{}
	for _, c := range old.Conditions {
		oldGens[c.Type] = append(oldGens[c.Type], c.ObservedGeneration)
	}
	for i := range status.Conditions {
		c := &status.Conditions[i]
		var gen int64
		if gens := oldGens[c.Type]; len(gens) > 0 {
			gen, oldGens[c.Type] = gens[0], gens[1:]
		}
		if c.ObservedGeneration == 0 {
			c.ObservedGeneration = gen
		}
	}
}
