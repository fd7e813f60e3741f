package disruption

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// pendingDisruptions rebuilds status.disruptedPods from the selected pods:
// an entry survives only while its pod exists, is selected, has no
// deletionTimestamp and is younger than DeletionTimeout. An expired entry
// earns a NotDeleted warning on the pod. recheck is when the earliest
// surviving entry expires (zero if none).
func (c *Controller) pendingDisruptions(pdb *policyv1.PodDisruptionBudget, pods []*corev1.Pod, now time.Time) (map[string]metav1.Time, time.Time) {
	kept := map[string]metav1.Time{}
	var recheck time.Time
	if pdb.Status.DisruptedPods == nil {
		return kept, recheck
	}
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil {
			continue // deletion seen: the eviction went through
		}
		at, ok := pdb.Status.DisruptedPods[pod.Name]
		if !ok {
			continue
		}
		expires := at.Add(DeletionTimeout)
		if expires.Before(now) {
			// The namespace printed twice is upstream's format string, kept verbatim.
			c.recorder.Eventf(pod, corev1.EventTypeWarning, "NotDeleted", "Pod was expected by PDB %s/%s to be deleted but it wasn't",
				pdb.Namespace, pdb.Namespace)
			continue
		}
		if recheck.IsZero() || expires.Before(recheck) {
			recheck = expires
		}
		kept[pod.Name] = at
	}
	return kept, recheck
}

// countHealthy counts the selected pods that are Ready, not terminating and
// not awaiting an approved eviction. Phase, minReadySeconds and
// unhealthyPodEvictionPolicy play no part here.
func countHealthy(pods []*corev1.Pod, disrupted map[string]metav1.Time, now time.Time) int32 {
	var n int32
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil {
			continue
		}
		if at, ok := disrupted[pod.Name]; ok && at.Add(DeletionTimeout).After(now) {
			continue
		}
		if isPodReady(pod) {
			n++
		}
	}
	return n
}

// isPodReady is true iff the pod has condition Ready=True; nothing else is
// consulted.
func isPodReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
