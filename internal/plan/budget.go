package plan

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// simBudget is a budget as the simulation moves it: healthy is the count
// once every replacement so far is Ready.
type simBudget struct {
	pdb     *policyv1.PodDisruptionBudget
	desired int32
	healthy int32
	members int32
	// neverReady names members that will not become Ready.
	neverReady []string
	// pending names evicted members whose replacement fits nowhere.
	pending []string
	// lost names evicted members nothing replaces.
	lost []string
}

func (b *simBudget) key() string { return b.pdb.Namespace + "/" + b.pdb.Name }

// room is disruptionsAllowed once the cluster has settled.
func (b *simBudget) room() int32 { return b.healthy - b.desired }

// unhealthyGoes is the eviction's rule for an unready pod.
func (b *simBudget) unhealthyGoes() bool {
	if p := b.pdb.Spec.UnhealthyPodEvictionPolicy; p != nil && *p == policyv1.AlwaysAllow {
		return true
	}
	return b.healthy >= b.desired && b.desired > 0
}

// desiredHealthy is the status's when it is current, else computed from
// the spec as the disruption controller would, with the status's (or the
// members') expected count.
func desiredHealthy(pdb *policyv1.PodDisruptionBudget, members int32) int32 {
	st := pdb.Status
	if st.ObservedGeneration >= pdb.Generation && pdb.Generation > 0 {
		return st.DesiredHealthy
	}
	expected := st.ExpectedPods
	if expected == 0 {
		expected = members
	}
	switch minA, maxU := pdb.Spec.MinAvailable, pdb.Spec.MaxUnavailable; {
	case maxU != nil:
		n, _ := intstr.GetScaledValueFromIntOrPercent(maxU, int(expected), true)
		return max(expected-int32(n), 0)
	case minA != nil && minA.Type == intstr.Int:
		return minA.IntVal
	case minA != nil:
		n, _ := intstr.GetScaledValueFromIntOrPercent(minA, int(expected), true)
		return int32(n)
	}
	return 0
}

// never says why a budget can never allow a disruption, or "".
func (b *simBudget) never() string {
	minA, maxU := b.pdb.Spec.MinAvailable, b.pdb.Spec.MaxUnavailable
	switch {
	case maxU != nil && (maxU.Type == intstr.Int && maxU.IntVal == 0 || maxU.StrVal == "0%"):
		return fmt.Sprintf("budget %s has maxUnavailable %s: it never allows a disruption", b.pdb.Name, maxU.String())
	case minA != nil && minA.StrVal == "100%":
		return fmt.Sprintf("budget %s has minAvailable 100%%: it never allows a disruption", b.pdb.Name)
	case b.desired >= b.members:
		return fmt.Sprintf("budget %s needs %d healthy pods and selects %d: it never allows a disruption", b.pdb.Name, b.desired, b.members)
	}
	return ""
}

func selects(pdb *policyv1.PodDisruptionBudget, pod *corev1.Pod) bool {
	if pdb.Namespace != pod.Namespace {
		return false
	}
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	return err == nil && sel.Matches(labels.Set(pod.Labels))
}
