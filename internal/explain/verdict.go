package explain

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxDisruptedPods is the API server's bound on status.disruptedPods.
const maxDisruptedPods = 2000

// verdict explains one pod: the decision from the objects read, the
// server's dry-run answer, the reasons and the fix.
func (s *session) verdict(ctx context.Context, pod *corev1.Pod) (*PodVerdict, error) {
	v := &PodVerdict{Namespace: pod.Namespace, Name: pod.Name, Node: pod.Spec.NodeName,
		Phase: string(pod.Status.Phase), Ready: podReady(pod)}
	o, err := s.ownerOf(ctx, pod)
	if err != nil {
		return nil, err
	}
	v.Owner = o.String()
	var matched []*policyv1.PodDisruptionBudget
	if !bypasses(pod) {
		if matched, err = s.matching(ctx, pod); err != nil {
			return nil, err
		}
	}
	var budgets []*Budget
	for _, pdb := range matched {
		v.Budgets = append(v.Budgets, pdb.Name)
		b, err := s.budget(ctx, pdb)
		if err != nil {
			return nil, err
		}
		budgets = append(budgets, b)
	}
	v.Decision = decide(pod, matched)
	explainDecision(v, pod, matched, budgets)
	if note := drainNote(pod); note != "" {
		v.Why = append(v.Why, note)
	}
	v.Evictable = v.Decision.Evictable()
	if v.DryRun, err = s.e.dryRun(ctx, pod); err != nil {
		return nil, err
	}
	if v.DryRun != nil {
		served := v.DryRun.Code == 201
		v.DryRun.Disagrees = served != v.Evictable
		v.Evictable = served
	}
	return v, nil
}

// decide is the API server's decision (spec §2) on the objects read.
func decide(pod *corev1.Pod, matched []*policyv1.PodDisruptionBudget) Decision {
	switch {
	case bypasses(pod):
		return Bypass
	case len(matched) == 0:
		return NoBudget
	case len(matched) > 1:
		return MultipleBudgets
	}
	pdb := matched[0]
	if !podReady(pod) && skipsBudget(pdb) {
		return UnhealthyAllowed
	}
	switch {
	case pdb.Status.ObservedGeneration < pdb.Generation:
		return StaleBudget
	case pdb.Status.DisruptionsAllowed < 0:
		return NegativeBudget
	case len(pdb.Status.DisruptedPods) > maxDisruptedPods:
		return TooManyDisrupted
	case pdb.Status.DisruptionsAllowed == 0:
		return BudgetExhausted
	}
	return Allowed
}

// bypasses: Pending, terminal and deleting pods skip every budget.
func bypasses(pod *corev1.Pod) bool {
	switch pod.Status.Phase {
	case corev1.PodPending, corev1.PodSucceeded, corev1.PodFailed:
		return true
	}
	return pod.DeletionTimestamp != nil
}

// skipsBudget is the rule for an unready pod: AlwaysAllow, or a budget
// that is met with something to keep (desiredHealthy > 0).
func skipsBudget(pdb *policyv1.PodDisruptionBudget) bool {
	if alwaysAllow(pdb) {
		return true
	}
	return pdb.Status.CurrentHealthy >= pdb.Status.DesiredHealthy && pdb.Status.DesiredHealthy > 0
}

func alwaysAllow(pdb *policyv1.PodDisruptionBudget) bool {
	p := pdb.Spec.UnhealthyPodEvictionPolicy
	return p != nil && *p == policyv1.AlwaysAllow
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// explainDecision fills Why, AlwaysAllow and Fix for the decision.
func explainDecision(v *PodVerdict, pod *corev1.Pod, matched []*policyv1.PodDisruptionBudget, budgets []*Budget) {
	switch v.Decision {
	case Bypass:
		v.Why = []string{bypassReason(pod)}
		return
	case NoBudget:
		v.Why = []string{"No PodDisruptionBudget selects the pod: its eviction is always allowed."}
		return
	case MultipleBudgets:
		v.Why = []string{overlap(pod, matched)}
		v.AlwaysAllow = "None: the 500 for several budgets comes before any policy is read."
		v.Fix = fmt.Sprintf("Fix the overlapping selector: change budget %s or %s so that only one of them selects the pod's labels %s.",
			matched[0].Name, matched[1].Name, labelString(pod.Labels))
		return
	}
	pdb, b := matched[0], budgets[0]
	v.AlwaysAllow = alwaysAllowEffect(pod, pdb, v.Decision)
	switch v.Decision {
	case UnhealthyAllowed:
		v.Why = []string{unhealthyReason(pdb)}
	case Allowed:
		v.Why = []string{fmt.Sprintf("Budget %s allows %d more disruption(s) (healthy %d, desired %d): the eviction consumes one.",
			pdb.Name, pdb.Status.DisruptionsAllowed, pdb.Status.CurrentHealthy, pdb.Status.DesiredHealthy)}
	case StaleBudget:
		v.Why = findingMessages(b, FindingStale, FindingNoController)
		v.Fix = b.Fix
	case NegativeBudget:
		v.Why = []string{fmt.Sprintf("Budget %s has status.disruptionsAllowed %d: the API server answers 403 until the disruption controller rewrites it.",
			pdb.Name, pdb.Status.DisruptionsAllowed)}
		v.Fix = "Run the disruption controller so that it rewrites the budget's status."
	case TooManyDisrupted:
		v.Why = []string{fmt.Sprintf("Budget %s lists %d disrupted pods (more than %d): the disruption controller is far behind; the API server answers 403.",
			pdb.Name, len(pdb.Status.DisruptedPods), maxDisruptedPods)}
		v.Fix = "Run the disruption controller so that it confirms the pending evictions."
	case BudgetExhausted:
		v.Why = append([]string{fmt.Sprintf("Budget %s allows no disruption now (healthy %d, desired %d, expected %d).",
			pdb.Name, pdb.Status.CurrentHealthy, pdb.Status.DesiredHealthy, pdb.Status.ExpectedPods)}, findingMessages(b)...)
		v.Fix = b.Fix
	}
}

func bypassReason(pod *corev1.Pod) string {
	if pod.DeletionTimestamp != nil {
		return "The pod is already being deleted: a further eviction is allowed and changes no budget."
	}
	return fmt.Sprintf("The pod is %s: pods that are not running are evicted without consulting any budget.", pod.Status.Phase)
}

func unhealthyReason(pdb *policyv1.PodDisruptionBudget) string {
	if alwaysAllow(pdb) {
		return fmt.Sprintf("The pod is not Ready and budget %s has unhealthyPodEvictionPolicy AlwaysAllow: it goes without consuming the budget.", pdb.Name)
	}
	return fmt.Sprintf("The pod is not Ready and budget %s is met (healthy %d >= desired %d): an unready pod goes without consuming the budget.",
		pdb.Name, pdb.Status.CurrentHealthy, pdb.Status.DesiredHealthy)
}

// alwaysAllowEffect says what unhealthyPodEvictionPolicy AlwaysAllow would
// change for this pod.
func alwaysAllowEffect(pod *corev1.Pod, pdb *policyv1.PodDisruptionBudget, d Decision) string {
	switch {
	case podReady(pod):
		return "None: the pod is Ready, and a Ready pod always needs the budget."
	case alwaysAllow(pdb):
		return "Already AlwaysAllow: unready pods are evicted without the budget."
	case d == UnhealthyAllowed:
		return "None now: the budget is met, so IfHealthyBudget already lets this unready pod go."
	}
	return fmt.Sprintf("With AlwaysAllow this unready pod would be evicted now without the budget; under IfHealthyBudget an unready pod goes only while healthy (%d) >= desired (%d) > 0.",
		pdb.Status.CurrentHealthy, pdb.Status.DesiredHealthy)
}

// overlap names the budgets selecting pod and their selectors.
func overlap(pod *corev1.Pod, matched []*policyv1.PodDisruptionBudget) string {
	parts := make([]string, 0, len(matched))
	for _, pdb := range matched {
		parts = append(parts, fmt.Sprintf("%s (selector %s)", pdb.Name, selectorString(pdb.Spec.Selector)))
	}
	return fmt.Sprintf("%d budgets select the pod (labels %s): %s. The API server answers 500: \"This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.\"",
		len(matched), labelString(pod.Labels), strings.Join(parts, " and "))
}

func findingMessages(b *Budget, codes ...string) []string {
	var out []string
	for _, f := range b.Findings {
		if len(codes) == 0 || slices.Contains(codes, f.Code) {
			out = append(out, f.Message)
		}
	}
	return out
}

// drainNote says when kubectl drain would not evict the pod at all.
func drainNote(pod *corev1.Pod) string {
	if _, mirror := pod.Annotations[corev1.MirrorPodAnnotationKey]; mirror {
		return "A static (mirror) pod: kubectl drain cannot remove it; only its kubelet's manifest can."
	}
	if ref := metav1.GetControllerOf(pod); ref != nil && ref.Kind == "DaemonSet" {
		return "A DaemonSet pod: kubectl drain --ignore-daemonsets leaves it in place (the DaemonSet would recreate it)."
	}
	if metav1.GetControllerOf(pod) == nil && !bypasses(pod) {
		return "No controller owns the pod: kubectl drain refuses it without --force, and nothing recreates it once evicted."
	}
	return ""
}
