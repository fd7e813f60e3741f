package membership

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	corelisters "k8s.io/client-go/listers/core/v1"
)

// ServicesToUpdate returns the keys of the Services a pod update concerns.
// A resync (same resourceVersion) concerns none. An endpoint change
// (deletion, readiness, IPs) concerns the Services selecting the new pod;
// a membership change (labels, hostname, subdomain) the symmetric
// difference of the old and new Service sets; both, their union.
func ServicesToUpdate(services corelisters.ServiceLister, old, cur *corev1.Pod) (sets.Set[string], error) {
	if old.ResourceVersion == cur.ResourceVersion {
		return sets.New[string](), nil
	}
	endpointChanged, membershipChanged := PodChanged(old, cur)
	if !endpointChanged && !membershipChanged {
		return sets.New[string](), nil
	}
	now, err := ServicesSelecting(services, cur)
	if err != nil || !membershipChanged {
		return now, err
	}
	before, err := ServicesSelecting(services, old)
	if err != nil {
		return nil, err
	}
	if endpointChanged {
		return now.Union(before), nil
	}
	return now.SymmetricDifference(before), nil
}

// PodChanged tells whether an update changes the pod's endpoint (first
// result) or which Services it belongs to (second).
func PodChanged(old, cur *corev1.Pod) (endpoint, membership bool) {
	membership = !maps.Equal(old.Labels, cur.Labels) ||
		old.Spec.Hostname != cur.Spec.Hostname || old.Spec.Subdomain != cur.Spec.Subdomain
	// Upstream compares the two deletionTimestamp pointers, and two decoded
	// versions of a pod never share one: every update of a terminating pod
	// counts as an endpoint change. Reproduced.
	if old.DeletionTimestamp != nil || cur.DeletionTimestamp != nil {
		return true, membership
	}
	if IsPodReady(old) != IsPodReady(cur) {
		return true, membership
	}
	if len(old.Status.PodIPs) != len(cur.Status.PodIPs) {
		return true, membership
	}
	for i := range old.Status.PodIPs {
		if old.Status.PodIPs[i].IP != cur.Status.PodIPs[i].IP {
			return true, membership
		}
	}
	// Name, namespace and UID are immutable, and nodeName is set before
	// the pod gets an IP: nothing else of an endpoint can change.
	return false, membership
}
