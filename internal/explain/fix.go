package explain

import (
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"
)

// maxScaleSearch bounds the replicas fix searches above the current scale.
const maxScaleSearch = 1000

// fix is the smallest concrete change that gives the budget room: a spec
// that can never allow a disruption first, then a status that lags, then
// pods to wait for, then a scale.
func (a *analysis) fix() string {
	pdb, st := a.pdb, a.pdb.Status
	minA, maxU := pdb.Spec.MinAvailable, pdb.Spec.MaxUnavailable
	switch {
	case a.stale() && a.lag() >= staleAfter:
		return fmt.Sprintf("Start the disruption controller (kube-controller-manager's, or evictd controllers) so that it processes budget %s.", pdb.Name)
	case a.stale():
		return fmt.Sprintf("Wait a few seconds for the disruption controller to process budget %s's new spec, then retry.", pdb.Name)
	case st.DisruptionsAllowed > 0:
		return ""
	case maxU != nil && isZero(maxU):
		return fmt.Sprintf("Set maxUnavailable on budget %s to 1 (0 forbids every voluntary eviction).", pdb.Name)
	case minA != nil && minA.Type == intstr.String && minA.StrVal == "100%":
		return fmt.Sprintf("Lower minAvailable on budget %s below 100%% (100%% forbids every voluntary eviction).", pdb.Name)
	case st.ExpectedPods == 0 && len(a.unscalable()) > 0:
		return fmt.Sprintf("Give budget %s an integer minAvailable (it counts the selected pods themselves), or run the pods under a Deployment or StatefulSet.", pdb.Name)
	}
	deficit := st.DesiredHealthy + 1 - st.CurrentHealthy
	if deficit <= 0 {
		return fmt.Sprintf("Wait for the disruption controller to recompute budget %s (its status says healthy %d, desired %d).", pdb.Name, st.CurrentHealthy, st.DesiredHealthy)
	}
	if o, _ := a.stuckRollout(); o != nil && a.onlyHopeless(int(deficit)) {
		return fmt.Sprintf("Roll %s back (kubectl rollout undo %s) or fix its new pods: they are not becoming Ready, and budget %s lacks %d healthy pod(s).",
			o, o, pdb.Name, deficit)
	}
	if f := a.waitFix(int(deficit)); f != "" {
		return f
	}
	if f := a.scaleFix(); f != "" {
		return f
	}
	return a.partialFix(int(deficit))
}

// partialFix is the fix when neither waiting nor one owner's scale gives
// room: the unready pods and more pods, or a looser budget.
func (a *analysis) partialFix(deficit int) string {
	pdb, st := a.pdb, a.pdb.Status
	loosen := fmt.Sprintf("loosen budget %s", pdb.Name)
	if m := pdb.Spec.MinAvailable; m != nil && m.Type == intstr.Int {
		loosen = fmt.Sprintf("lower budget %s's minAvailable to %d", pdb.Name, max(st.CurrentHealthy-1, 0))
	}
	var names []string
	for _, p := range a.unready() {
		names = append(names, p.pod.Name)
	}
	if len(names) == 0 {
		return fmt.Sprintf("Add %d more Ready pod(s) that budget %s selects, or %s.", deficit, pdb.Name, loosen)
	}
	return fmt.Sprintf("Wait for pod %s to be Ready and add %d more Ready pod(s) that budget %s selects, or %s.",
		strings.Join(names, ", "), deficit-len(names), pdb.Name, loosen)
}

// waitFix names the unready pods whose readiness alone gives room:
// running ones to wait for, crash-looping ones to fix.
func (a *analysis) waitFix(deficit int) string {
	unready := a.unready()
	if len(unready) < deficit {
		return ""
	}
	// Pods that are merely slow come first: waiting is the smaller fix.
	slices.SortStableFunc(unready, func(x, y selectedPod) int {
		lx, ly := neverReady(x.pod), neverReady(y.pod)
		switch {
		case lx == ly:
			return 0
		case ly:
			return -1
		}
		return 1
	})
	var wait, repair []string
	for _, p := range unready[:deficit] {
		if neverReady(p.pod) {
			repair = append(repair, p.pod.Name)
		} else {
			wait = append(wait, p.pod.Name)
		}
	}
	var parts []string
	if len(wait) > 0 {
		parts = append(parts, fmt.Sprintf("Wait for pod %s to be Ready", strings.Join(wait, ", ")))
	}
	if len(repair) > 0 {
		parts = append(parts, fmt.Sprintf("fix pod %s (crash-looping or never Ready: waiting will not help) so that it becomes Ready", strings.Join(repair, ", ")))
	}
	s := strings.Join(parts, "; ")
	return strings.ToUpper(s[:1]) + s[1:] + fmt.Sprintf(": budget %s then allows one disruption.", a.pdb.Name)
}

// scaleFix finds the smallest scale of the pods' one owner at which the
// budget allows a disruption once the new pods are Ready.
func (a *analysis) scaleFix() string {
	o := a.singleOwner()
	if o == nil || o.Replicas == nil {
		return ""
	}
	st := a.pdb.Status
	from := *o.Replicas
	for r := from + 1; r <= from+maxScaleSearch; r++ {
		healthy := st.CurrentHealthy + (r - from)
		desired, ok := a.desiredAt(r)
		if !ok {
			return ""
		}
		if healthy > desired {
			return fmt.Sprintf("Scale %s to %d (from %d): once the new pods are Ready, budget %s allows one disruption.", o, r, from, a.pdb.Name)
		}
	}
	return ""
}

// desiredAt is desiredHealthy at replicas r, as the disruption controller
// computes it.
func (a *analysis) desiredAt(r int32) (int32, bool) {
	minA, maxU := a.pdb.Spec.MinAvailable, a.pdb.Spec.MaxUnavailable
	switch {
	case maxU != nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(maxU, int(r), true)
		return max(r-int32(n), 0), err == nil
	case minA != nil && minA.Type == intstr.Int:
		return minA.IntVal, true
	case minA != nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(minA, int(r), true)
		return int32(n), err == nil
	}
	return 0, true
}

// onlyHopeless tells whether waiting cannot give the budget its deficit:
// fewer unready pods that may still become Ready than it lacks.
func (a *analysis) onlyHopeless(deficit int) bool {
	hopeful := 0
	for _, p := range a.unready() {
		if !neverReady(p.pod) {
			hopeful++
		}
	}
	return hopeful < deficit
}
