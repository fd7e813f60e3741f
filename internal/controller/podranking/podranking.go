// Package podranking orders a workload's active pods for scale-down, the
// way kube-controller-manager's ActivePodsWithRanks does
// (pkg/controller/controller_utils.go, with the GA PodDeletionCost and
// LogarithmicScaleDown behaviour): the pods that hurt least to lose come
// first. See the spec controllers-kubelet.md §4.5.1.
package podranking

import (
	"math"
	"sort"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// DeletionCostAnnotation holds an int32: pods with a lower cost are deleted
// first. Missing or unparsable means 0.
const DeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"

// phaseOrder ranks phases for deletion: Pending before Unknown before
// Running. Terminal phases are not active and map to 0 like Pending.
var phaseOrder = map[corev1.PodPhase]int{corev1.PodPending: 0, corev1.PodUnknown: 1, corev1.PodRunning: 2}

// Ranked is a sort.Interface over Pods whose Less is true when Pods[i]
// should be deleted before Pods[j]. Rank[i] is the number of active pods
// related to Pods[i] on its node (see Ranks); Swap keeps them paired.
type Ranked struct {
	Pods []*corev1.Pod
	Rank []int
	// Now buckets ages logarithmically; zero compares exact times.
	Now time.Time
}

// Sort orders pods (in place, with their ranks) for deletion as of now.
func Sort(pods []*corev1.Pod, ranks []int, now time.Time) {
	sort.Sort(Ranked{Pods: pods, Rank: ranks, Now: now})
}

// Len is the number of pods.
func (s Ranked) Len() int { return len(s.Pods) }

// Swap exchanges two pods and their ranks.
func (s Ranked) Swap(i, j int) {
	s.Pods[i], s.Pods[j] = s.Pods[j], s.Pods[i]
	s.Rank[i], s.Rank[j] = s.Rank[j], s.Rank[i]
}

// Less applies the first rule on which the two pods differ:
//  1. unassigned before assigned;
//  2. Pending before Unknown before Running;
//  3. not Ready before Ready;
//  4. lower pod-deletion-cost before higher;
//  5. higher rank (more related pods on the node) before lower;
//  6. both Ready: ready more recently before ready longer (see newer);
//  7. higher maximum container restart count before lower;
//  8. created more recently before created longer ago (see newer).
func (s Ranked) Less(i, j int) bool {
	a, b := s.Pods[i], s.Pods[j]
	if a.Spec.NodeName != b.Spec.NodeName && (a.Spec.NodeName == "" || b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if pa, pb := phaseOrder[a.Status.Phase], phaseOrder[b.Status.Phase]; pa != pb {
		return pa < pb
	}
	readyA, readyB := readyTime(a), readyTime(b)
	if (readyA != nil) != (readyB != nil) {
		return readyA == nil
	}
	if ca, cb := DeletionCost(a), DeletionCost(b); ca != cb {
		return ca < cb
	}
	if s.Rank[i] != s.Rank[j] {
		return s.Rank[i] > s.Rank[j]
	}
	if readyA != nil && !readyA.Equal(*readyB) {
		return s.newer(a, b, *readyA, *readyB)
	}
	if ra, rb := maxRestarts(a), maxRestarts(b); ra != rb {
		return ra > rb
	}
	if ta, tb := a.CreationTimestamp.Time, b.CreationTimestamp.Time; !ta.Equal(tb) {
		return s.newer(a, b, ta, tb)
	}
	return false
}

// newer reports whether a's time ta sorts before b's tb: a zero time
// first, then the later time. With Now set, times whose ages fall in the
// same power-of-two bucket of nanoseconds are equal and the pods' UIDs
// decide instead, so that scale-down does not always pick the very newest
// pods (upstream's LogarithmicScaleDown, GA since v1.31 and always on).
func (s Ranked) newer(a, b *corev1.Pod, ta, tb time.Time) bool {
	if s.Now.IsZero() || ta.IsZero() || tb.IsZero() {
		return afterOrZero(ta, tb)
	}
	if d := bucket(s.Now.Sub(ta)) - bucket(s.Now.Sub(tb)); d != 0 {
		return d < 0
	}
	return a.UID < b.UID
}

// bucket is floor(log2(age in ns)), or -1 for an age that is not positive.
func bucket(age time.Duration) int64 {
	if age <= 0 {
		return -1
	}
	return int64(math.Log2(float64(age)))
}

func afterOrZero(t1, t2 time.Time) bool {
	if t1.IsZero() || t2.IsZero() {
		return t1.IsZero()
	}
	return t1.After(t2)
}

// readyTime is the lastTransitionTime of pod's Ready=True condition, or nil
// if the pod is not Ready.
func readyTime(pod *corev1.Pod) *time.Time {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			if c.Status != corev1.ConditionTrue {
				return nil
			}
			t := c.LastTransitionTime.Time
			return &t
		}
	}
	return nil
}

// DeletionCost is pod's pod-deletion-cost annotation, 0 if missing or not
// an int32 (upstream ignores the parse error here; validation refuses such
// values on write anyway).
func DeletionCost(pod *corev1.Pod) int32 {
	v, ok := pod.Annotations[DeletionCostAnnotation]
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0
	}
	return int32(n)
}

func maxRestarts(pod *corev1.Pod) int32 {
	var m int32
	for _, c := range pod.Status.ContainerStatuses {
		m = max(m, c.RestartCount)
	}
	return m
}

// IsActive reports whether pod counts toward a workload's replicas: not
// Succeeded or Failed and not being deleted.
func IsActive(pod *corev1.Pod) bool {
	return pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed &&
		pod.DeletionTimestamp == nil
}

// Ranks returns, for each of pods, how many active pods of related share
// its node (unassigned pods share the node ""). related is usually every
// pod of every workload with the same controller as pods' own (all
// ReplicaSets of a Deployment), so scale-down thins out crowded nodes
// first.
func Ranks(pods, related []*corev1.Pod) []int {
	onNode := map[string]int{}
	for _, p := range related {
		if IsActive(p) {
			onNode[p.Spec.NodeName]++
		}
	}
	ranks := make([]int, len(pods))
	for i, p := range pods {
		ranks[i] = onNode[p.Spec.NodeName]
	}
	return ranks
}
