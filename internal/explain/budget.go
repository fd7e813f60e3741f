package explain

import (
	"context"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const (
	// staleAfter is how long a budget's status may lag its spec before
	// explain says no disruption controller seems to run: a running one
	// catches up within a second or two.
	staleAfter = 30 * time.Second
	// deletionTimeout is the disruption controller's: how long a
	// disruptedPods entry keeps its pod out of currentHealthy.
	deletionTimeout = 2 * time.Minute
)

// selectedPod is a pod a budget selects, with its owner.
type selectedPod struct {
	pod   *corev1.Pod
	owner *owner
}

// budget analyses pdb once per session.
func (s *session) budget(ctx context.Context, pdb *policyv1.PodDisruptionBudget) (*Budget, error) {
	if b, ok := s.analyse[pdb.UID]; ok {
		return b, nil
	}
	pods, err := s.namespacePods(ctx, pdb.Namespace)
	if err != nil {
		return nil, err
	}
	b := newBudget(pdb)
	var selected []selectedPod
	for i := range pods {
		pod := &pods[i]
		if !selects(pdb, pod) {
			continue
		}
		o, err := s.ownerOf(ctx, pod)
		if err != nil {
			return nil, err
		}
		selected = append(selected, selectedPod{pod: pod, owner: o})
		b.Pods = append(b.Pods, budgetPod(pod, o))
	}
	a := analysis{pdb: pdb, pods: selected, now: s.e.clock.Now()}
	b.Findings = a.findings()
	b.Fix = a.fix()
	s.analyse[pdb.UID] = b
	s.order = append(s.order, pdb.UID)
	return b, nil
}

func newBudget(pdb *policyv1.PodDisruptionBudget) *Budget {
	b := &Budget{
		Namespace: pdb.Namespace, Name: pdb.Name, Selector: selectorString(pdb.Spec.Selector),
		UnhealthyPodEvictionPolicy: string(policyv1.IfHealthyBudget),
		Generation:                 pdb.Generation, ObservedGeneration: pdb.Status.ObservedGeneration,
		DisruptionsAllowed: pdb.Status.DisruptionsAllowed, CurrentHealthy: pdb.Status.CurrentHealthy,
		DesiredHealthy: pdb.Status.DesiredHealthy, ExpectedPods: pdb.Status.ExpectedPods,
		Pods: []BudgetPod{},
	}
	if p := pdb.Spec.UnhealthyPodEvictionPolicy; p != nil {
		b.UnhealthyPodEvictionPolicy = string(*p)
	}
	if m := pdb.Spec.MinAvailable; m != nil {
		b.MinAvailable = m.String()
	}
	if m := pdb.Spec.MaxUnavailable; m != nil {
		b.MaxUnavailable = m.String()
	}
	return b
}

func budgetPod(pod *corev1.Pod, o *owner) BudgetPod {
	bp := BudgetPod{Name: pod.Name, Ready: podReady(pod), Deleting: pod.DeletionTimestamp != nil, Owner: o.String()}
	if !bp.Ready {
		bp.NotReadySince = notReadySince(pod).UTC().Format(time.RFC3339)
	}
	bp.CrashLoopBackOff, bp.Restarts = crashLoop(pod)
	return bp
}

// notReadySince is when the pod's Ready condition last left True, or its
// creation when it never had one.
func notReadySince(pod *corev1.Pod) time.Time {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady && !c.LastTransitionTime.IsZero() {
			return c.LastTransitionTime.Time
		}
	}
	return pod.CreationTimestamp.Time
}

// annotationNeverReady is evictd's simulated-kubelet annotation for a pod
// that never becomes Ready (docs/kubelet.md).
const annotationNeverReady = "sim.evictd.io/never-ready"

// neverReady tells whether waiting cannot make the pod Ready: evictd's
// never-ready annotation, or a container in CrashLoopBackOff.
func neverReady(pod *corev1.Pod) bool {
	loop, _ := crashLoop(pod)
	return loop || pod.Annotations[annotationNeverReady] == "true"
}

// crashLoop tells whether a container waits in CrashLoopBackOff, and the
// pod's restarts.
func crashLoop(pod *corev1.Pod) (bool, int32) {
	var looping bool
	var restarts int32
	for _, cs := range pod.Status.ContainerStatuses {
		restarts += cs.RestartCount
		if w := cs.State.Waiting; w != nil && w.Reason == "CrashLoopBackOff" {
			looping = true
		}
	}
	return looping, restarts
}

// analysis works out why one budget is stale or exhausted.
type analysis struct {
	pdb  *policyv1.PodDisruptionBudget
	pods []selectedPod
	now  time.Time
}

func (a *analysis) stale() bool { return a.pdb.Status.ObservedGeneration < a.pdb.Generation }

// lag is how long the status has been behind the spec.
func (a *analysis) lag() time.Duration {
	at := a.pdb.CreationTimestamp.Time
	for _, m := range a.pdb.ManagedFields {
		if m.Subresource == "" && m.Time != nil && m.Time.After(at) {
			at = m.Time.Time
		}
	}
	return a.now.Sub(at)
}

// unready lists the selected pods that are neither Ready nor deleting.
func (a *analysis) unready() []selectedPod {
	var out []selectedPod
	for _, p := range a.pods {
		if p.pod.DeletionTimestamp == nil && !podReady(p.pod) {
			out = append(out, p)
		}
	}
	return out
}

// liveHealthy counts the pods the disruption controller would count as
// healthy now.
func (a *analysis) liveHealthy() int32 {
	var n int32
	for _, p := range a.pods {
		at, disrupted := a.pdb.Status.DisruptedPods[p.pod.Name]
		if p.pod.DeletionTimestamp == nil && podReady(p.pod) && !(disrupted && at.Add(deletionTimeout).After(a.now)) {
			n++
		}
	}
	return n
}

func (a *analysis) findings() []Finding {
	var out []Finding
	add := func(code, format string, args ...any) {
		out = append(out, Finding{Code: code, Message: fmt.Sprintf(format, args...)})
	}
	pdb, st := a.pdb, a.pdb.Status
	if a.stale() {
		add(FindingStale, "Budget %s's status is for generation %d but its spec is at generation %d: evictions get 429 \"is still being processed\" (Retry-After 10 s) until the disruption controller catches up.",
			pdb.Name, st.ObservedGeneration, pdb.Generation)
		if lag := a.lag(); lag >= staleAfter {
			add(FindingNoController, "The status has lagged the spec for %s: no disruption controller seems to be running.", lag.Round(time.Second))
		}
	}
	a.disruptedFindings(add)
	if !a.stale() {
		if live := a.liveHealthy(); live != st.CurrentHealthy {
			add(FindingStatusDrift, "status.currentHealthy is %d but %d selected pods count as healthy now: the status is behind the pods (the controller is catching up, or not running).",
				st.CurrentHealthy, live)
		}
	}
	if st.DisruptionsAllowed == 0 || a.stale() {
		a.exhaustedFindings(add)
	}
	return out
}

// disruptedFindings reads status.disruptedPods: fresh entries keep pods
// out of currentHealthy; entries past the controller's timeout mean it
// does not run.
func (a *analysis) disruptedFindings(add func(code, format string, args ...any)) {
	var pending, expired []string
	for name, at := range a.pdb.Status.DisruptedPods {
		switch age := a.now.Sub(at.Time); {
		case age > deletionTimeout+staleAfter:
			expired = append(expired, fmt.Sprintf("%s (%s ago)", name, age.Round(time.Second)))
		default:
			pending = append(pending, name)
		}
	}
	if len(pending) > 0 {
		add(FindingPendingDisruptions, "Approved evictions not yet seen as deletions (%s) keep those pods out of currentHealthy for up to 2m.", strings.Join(sorted(pending), ", "))
	}
	if len(expired) > 0 {
		add(FindingNoController, "disruptedPods entries older than the controller's 2m timeout remain (%s): no disruption controller seems to be running.", strings.Join(sorted(expired), ", "))
	}
}

// exhaustedFindings say why the budget gives no room.
func (a *analysis) exhaustedFindings(add func(code, format string, args ...any)) {
	pdb, st := a.pdb, a.pdb.Status
	if c := condition(pdb); c != nil && c.Reason == policyv1.SyncFailedReason {
		add(FindingSyncFailed, "The disruption controller failed to compute the budget (SyncFailed): %s", c.Message)
	}
	minA, maxU := pdb.Spec.MinAvailable, pdb.Spec.MaxUnavailable
	switch {
	case maxU != nil && isZero(maxU):
		add(FindingMaxUnavailableZero, "Budget %s has maxUnavailable %s: it allows no voluntary disruption at all.", pdb.Name, maxU.String())
	case minA != nil && minA.Type == intstr.String && minA.StrVal == "100%":
		add(FindingMinAvailableAll, "Budget %s has minAvailable 100%%: every selected pod must stay available.", pdb.Name)
	case minA != nil && st.ExpectedPods > 0 && st.DesiredHealthy >= st.ExpectedPods:
		add(FindingReplicasEqualMin, "Budget %s keeps %d of %d pods available (minAvailable %s)%s: with %d pods there is no room for a disruption.",
			pdb.Name, st.DesiredHealthy, st.ExpectedPods, minA.String(), a.ownerReplicas(), st.ExpectedPods)
	}
	if (maxU != nil || minA != nil && minA.Type == intstr.String) && len(a.pods) > 0 {
		if names := a.unscalable(); len(names) > 0 {
			add(FindingNoScalableOwner, "Budget %s uses a %s, which counts pods by their owners' scale; %s no owner with a scale (Deployment, ReplicaSet, StatefulSet, ReplicationController), so expectedPods is %d.",
				pdb.Name, budgetKind(pdb), plural(names, "has", "have"), st.ExpectedPods)
		}
	}
	a.unreadyFindings(add)
}

func (a *analysis) unreadyFindings(add func(code, format string, args ...any)) {
	var unready, looping []string
	for _, p := range a.unready() {
		since := notReadySince(p.pod)
		note := ""
		if neverReady(p.pod) {
			note = ", annotated " + annotationNeverReady + ": it will never be Ready"
		}
		unready = append(unready, fmt.Sprintf("%s (not Ready since %s, %s ago%s)", p.pod.Name, since.UTC().Format(time.RFC3339), a.now.Sub(since).Round(time.Second), note))
		if loop, restarts := crashLoop(p.pod); loop {
			looping = append(looping, fmt.Sprintf("%s (%d restarts)", p.pod.Name, restarts))
		}
	}
	if o, hash := a.stuckRollout(); o != nil {
		add(FindingRolloutNotReady, "%s is rolling out: its new pods (pod-template-hash %s) are not Ready, while the budget counts the old ones.", o, hash)
	}
	if len(unready) > 0 {
		add(FindingUnreadyPods, "Selected pods not Ready, so not healthy: %s.", strings.Join(unready, ", "))
	}
	if len(looping) > 0 {
		add(FindingCrashLoop, "Pods in CrashLoopBackOff, which will not become Ready by waiting: %s.", strings.Join(looping, ", "))
	}
}

// unscalable names the selected pods the controller cannot count by scale.
func (a *analysis) unscalable() []string {
	var out []string
	for _, p := range a.pods {
		if p.owner == nil || p.owner.Scalable != nil && !*p.owner.Scalable {
			out = append(out, p.pod.Name)
		}
	}
	return out
}

// ownerReplicas is ", deployment/web has 2 replicas" when every selected
// pod has one owner with a scale.
func (a *analysis) ownerReplicas() string {
	if o := a.singleOwner(); o != nil && o.Replicas != nil {
		return fmt.Sprintf(", and %s has %d replicas", o, *o.Replicas)
	}
	return ""
}

// singleOwner is the one scalable owner of every selected pod, if any.
func (a *analysis) singleOwner() *owner {
	var one *owner
	for _, p := range a.pods {
		if p.owner == nil || p.owner.Scalable == nil || !*p.owner.Scalable || one != nil && one.String() != p.owner.String() {
			return nil
		}
		one = p.owner
	}
	return one
}

func condition(pdb *policyv1.PodDisruptionBudget) *metav1.Condition {
	for i := range pdb.Status.Conditions {
		if pdb.Status.Conditions[i].Type == policyv1.DisruptionAllowedCondition {
			return &pdb.Status.Conditions[i]
		}
	}
	return nil
}

func isZero(v *intstr.IntOrString) bool {
	return v.Type == intstr.Int && v.IntVal == 0 || v.Type == intstr.String && v.StrVal == "0%"
}

func budgetKind(pdb *policyv1.PodDisruptionBudget) string {
	if pdb.Spec.MaxUnavailable != nil {
		return "maxUnavailable (" + pdb.Spec.MaxUnavailable.String() + ")"
	}
	return "percentage minAvailable (" + pdb.Spec.MinAvailable.String() + ")"
}

func plural(names []string, one, many string) string {
	if len(names) == 1 {
		return "pod " + names[0] + " " + one
	}
	return "pods " + strings.Join(names, ", ") + " " + many
}

// stuckRollout finds a Deployment whose pods of one template are all
// unready while its pods of another template are Ready: a rollout whose
// new pods do not become Ready, the seed's example of a stuck eviction.
func (a *analysis) stuckRollout() (*owner, string) {
	type counts struct{ ready, unready int }
	// Keyed by name: each ReplicaSet resolves to its own *owner value.
	byHash := map[string]map[string]*counts{}
	owners := map[string]*owner{}
	for _, p := range a.pods {
		if p.owner == nil || p.owner.Kind != "Deployment" || p.pod.DeletionTimestamp != nil {
			continue
		}
		hash, key := p.pod.Labels[appsv1.DefaultDeploymentUniqueLabelKey], p.owner.String()
		owners[key] = p.owner
		if byHash[key] == nil {
			byHash[key] = map[string]*counts{}
		}
		c := byHash[key][hash]
		if c == nil {
			c = &counts{}
			byHash[key][hash] = c
		}
		if podReady(p.pod) {
			c.ready++
		} else {
			c.unready++
		}
	}
	for key, hashes := range byHash {
		var stuck string
		healthyOther := false
		for hash, c := range hashes {
			switch {
			case c.ready == 0 && c.unready > 0:
				stuck = hash
			case c.ready > 0:
				healthyOther = true
			}
		}
		if stuck != "" && healthyOther {
			return owners[key], stuck
		}
	}
	return nil, ""
}
