package endpoints

import (
	"math"

	corev1 "k8s.io/api/core/v1"
)

const (
	// maxCapacity is the most addresses one Endpoints object carries;
	// EndpointSlices exist for bigger Services.
	maxCapacity = 1000
	// overCapacityTruncated is the value of the over-capacity annotation.
	overCapacityTruncated = "truncated"
)

// truncate cuts ep down to maxCapacity addresses and reports whether it
// had to. Ready addresses are kept before not-ready ones; whichever kind
// is cut is cut in each subset in proportion to its share, rounded up.
func truncate(ep *corev1.Endpoints) bool {
	ready, notReady := 0, 0
	for _, s := range ep.Subsets {
		ready += len(s.Addresses)
		notReady += len(s.NotReadyAddresses)
	}
	if ready+notReady <= maxCapacity {
		return false
	}
	cutReady := ready > maxCapacity
	room, total := maxCapacity-ready, notReady
	if cutReady {
		room, total = maxCapacity, ready
	}
	left := room
	for i := range ep.Subsets {
		s := &ep.Subsets[i]
		n := len(s.NotReadyAddresses)
		if cutReady {
			n = len(s.Addresses)
		}
		take := min(int(math.Ceil(float64(n)/float64(total)*float64(room))), left)
		if cutReady {
			s.Addresses = s.Addresses[:min(take, len(s.Addresses))]
			s.NotReadyAddresses = []corev1.EndpointAddress{}
			left -= len(s.Addresses)
		} else {
			s.NotReadyAddresses = s.NotReadyAddresses[:min(take, len(s.NotReadyAddresses))]
			left -= len(s.NotReadyAddresses)
		}
	}
	return true
}

// capacityAnnotationCorrect: stored subsets over capacity are never
// correct (they must be cut), and under it the annotation must be absent.
// A truncated Endpoints never equals its untruncated desired subsets, so
// an over-capacity Service is rewritten on every sync, as upstream.
func capacityAnnotationCorrect(annotations map[string]string, subsets []corev1.EndpointSubset) bool {
	n := 0
	for _, s := range subsets {
		n += len(s.Addresses) + len(s.NotReadyAddresses)
	}
	if n > maxCapacity {
		return false
	}
	_, ok := annotations[corev1.EndpointsOverCapacity]
	return !ok
}
