package disruption

import (
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
)

// want is the status a sync should write.
type want struct {
	expected, desired, current, allowed int32
	reason                              string // of the DisruptionAllowed condition
	message                             string
	disrupted                           []string // names left in status.disruptedPods
}

var (
	webSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	rsOfD       = controllerRef("apps/v1", "Deployment", "d")
)

// staleOwnerUID points a pod's controller ref at an earlier incarnation of
// its owner.
func staleOwnerUID(p *corev1.Pod) { p.OwnerReferences[0].UID = "uid-of-a-deleted-owner" }

func unmanagedEvent(sel *metav1.LabelSelector) event {
	return event{"PodDisruptionBudget ns/pdb", corev1.EventTypeWarning, "UnmanagedPods", fmt.Sprintf(
		"Pods selected by this PodDisruptionBudget (selector: %v) were found to be unmanaged. As a result, the status of the PDB "+
			"cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set "+
			"\".spec.minAvailable\" field of the PDB to an integer value.", sel)}
}

func expectedCountFailed(msg string) event {
	return event{"PodDisruptionBudget ns/pdb", corev1.EventTypeWarning, "CalculateExpectedPodCountFailed",
		"Failed to calculate the number of expected pods: " + msg}
}

var noPodsEvent = event{"PodDisruptionBudget ns/pdb", corev1.EventTypeNormal, "NoPods", "No matching pods found"}

func TestSyncStatus(t *testing.T) {
	t.Parallel()
	int1, int2, int5 := intstr.FromInt32(1), intstr.FromInt32(2), intstr.FromInt32(5)
	byRC, byRS1, byRS2 := ownedBy("v1", "ReplicationController", "rc"), ownedBy("apps/v1", "ReplicaSet", "rs1"), ownedBy("apps/v1", "ReplicaSet", "rs2")
	bySS := ownedBy("apps/v1", "StatefulSet", "ss")
	sentinel := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
		Key: "pdb.kubernetes.io/deprecated-v1beta1-empty-selector-match", Operator: metav1.LabelSelectorOpExists}}}
	bogus := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}}

	tests := []struct {
		name        string
		pdb         *policyv1.PodDisruptionBudget
		objs        []runtime.Object
		scales      func(*scaleServer)
		want        want
		wantEvents  []event
		wantRecheck []delayed
	}{
		{
			name: "minAvailable integer with every pod ready",
			pdb:  newPDB("pdb", minAvailable(int2)),
			objs: []runtime.Object{newPod("a"), newPod("b"), newPod("c")},
			want: want{expected: 3, desired: 2, current: 3, allowed: 1, reason: "SufficientPods"},
		},
		{
			name: "minAvailable integer counts unready, terminating and terminal pods as expected but not healthy",
			pdb:  newPDB("pdb", minAvailable(int2)),
			objs: []runtime.Object{newPod("a"), newPod("b", notReady), newPod("c", terminating),
				newPod("d", phase(corev1.PodSucceeded), notReady), newPod("e", noConditions)},
			want: want{expected: 5, desired: 2, current: 1, allowed: 0, reason: "InsufficientPods"},
		},
		{
			name: "minAvailable integer: a Ready pod counts whatever its phase",
			pdb:  newPDB("pdb", minAvailable(int1)),
			objs: []runtime.Object{newPod("a", phase(corev1.PodPending)), newPod("b", phase(corev1.PodFailed))},
			want: want{expected: 2, desired: 1, current: 2, allowed: 1, reason: "SufficientPods"},
		},
		{
			name: "minAvailable integer above the number of pods",
			pdb:  newPDB("pdb", minAvailable(int5)),
			objs: []runtime.Object{newPod("a"), newPod("b")},
			want: want{expected: 2, desired: 5, current: 2, allowed: 0, reason: "InsufficientPods"},
		},
		{
			name:       "minAvailable integer with no matching pods",
			pdb:        newPDB("pdb", minAvailable(int2)),
			want:       want{expected: 0, desired: 2, current: 0, allowed: 0, reason: "InsufficientPods"},
			wantEvents: []event{noPodsEvent},
		},
		{
			name: "minAvailable integer never looks at controllers",
			pdb:  newPDB("pdb", minAvailable(int1)),
			objs: []runtime.Object{newPod("a", byRS1), newPod("b", ownedBy("example.com/v1", "Gizmo", "g")), newPod("c")},
			want: want{expected: 3, desired: 1, current: 3, allowed: 2, reason: "SufficientPods"},
		},
		{
			name: "minAvailable 34% of a ReplicationController of 3 rounds up to 2",
			pdb:  newPDB("pdb", minAvailable(intstr.FromString("34%"))),
			objs: []runtime.Object{newRC("rc", 3), newPod("a", byRC), newPod("b", byRC), newPod("c", byRC)},
			want: want{expected: 3, desired: 2, current: 3, allowed: 1, reason: "SufficientPods"},
		},
		{
			name:       "an unmanaged ready pod counts as healthy but not as expected",
			pdb:        newPDB("pdb", minAvailable(intstr.FromString("34%"))),
			objs:       []runtime.Object{newRC("rc", 3), newPod("a", byRC), newPod("b", byRC), newPod("c", byRC), newPod("rogue")},
			want:       want{expected: 3, desired: 2, current: 4, allowed: 2, reason: "SufficientPods"},
			wantEvents: []event{unmanagedEvent(webSelector)},
		},
		{
			name:       "percent budget over unmanaged pods only: expected 0, no SyncFailed",
			pdb:        newPDB("pdb", minAvailable(intstr.FromString("50%"))),
			objs:       []runtime.Object{newPod("a"), newPod("b")},
			want:       want{expected: 0, desired: 0, current: 2, allowed: 0, reason: "InsufficientPods"},
			wantEvents: []event{unmanagedEvent(webSelector)},
		},
		{
			name:       "maxUnavailable over unmanaged pods only",
			pdb:        newPDB("pdb", maxUnavailable(int1)),
			objs:       []runtime.Object{newPod("a")},
			want:       want{expected: 0, desired: 0, current: 1, allowed: 0, reason: "InsufficientPods"},
			wantEvents: []event{unmanagedEvent(webSelector)},
		},
		{
			name: "maxUnavailable integer counts a Deployment once across its ReplicaSets",
			pdb:  newPDB("pdb", maxUnavailable(int1)),
			objs: []runtime.Object{newDeployment("d", 4), newRS("rs1", 1, rsOfD), newRS("rs2", 3, rsOfD),
				newPod("a", byRS1), newPod("b", byRS1), newPod("c", byRS2), newPod("e", byRS2), newPod("f", byRS2)},
			want: want{expected: 4, desired: 3, current: 5, allowed: 2, reason: "SufficientPods"},
		},
		{
			name: "a ReplicaSet without a Deployment uses its own replicas",
			pdb:  newPDB("pdb", maxUnavailable(int5)),
			objs: []runtime.Object{newRS("rs1", 2), newPod("a", byRS1), newPod("b", byRS1)},
			want: want{expected: 2, desired: 0, current: 2, allowed: 2, reason: "SufficientPods"},
		},
		{
			name: "maxUnavailable 30% of a StatefulSet of 7 rounds up to 3",
			pdb:  newPDB("pdb", maxUnavailable(intstr.FromString("30%"))),
			objs: []runtime.Object{newStatefulSet("ss", 7), newPod("p0", bySS), newPod("p1", bySS), newPod("p2", bySS),
				newPod("p3", bySS), newPod("p4", bySS), newPod("p5", bySS), newPod("p6", bySS, notReady)},
			want: want{expected: 7, desired: 4, current: 6, allowed: 2, reason: "SufficientPods"},
		},
		{
			name: "maxUnavailable 0 blocks every disruption",
			pdb:  newPDB("pdb", maxUnavailable(intstr.FromInt32(0))),
			objs: []runtime.Object{newRC("rc", 3), newPod("a", byRC), newPod("b", byRC), newPod("c", byRC)},
			want: want{expected: 3, desired: 3, current: 3, allowed: 0, reason: "InsufficientPods"},
		},
		{
			name: "maxUnavailable 0% blocks every disruption",
			pdb:  newPDB("pdb", maxUnavailable(intstr.FromString("0%"))),
			objs: []runtime.Object{newRC("rc", 3), newPod("a", byRC), newPod("b", byRC), newPod("c", byRC)},
			want: want{expected: 3, desired: 3, current: 3, allowed: 0, reason: "InsufficientPods"},
		},
		{
			name: "maxUnavailable 0 with a surplus healthy pod allows one",
			pdb:  newPDB("pdb", maxUnavailable(intstr.FromInt32(0))),
			objs: []runtime.Object{newRC("rc", 2), newPod("a", byRC), newPod("b", byRC), newPod("c", byRC)},
			want: want{expected: 2, desired: 2, current: 3, allowed: 1, reason: "SufficientPods"},
		},
		{
			name: "distinct controllers are summed",
			pdb:  newPDB("pdb", maxUnavailable(int1)),
			objs: []runtime.Object{newRC("rc", 2), newStatefulSet("ss", 3), newPod("a", byRC), newPod("b", bySS), newPod("c", bySS)},
			want: want{expected: 5, desired: 4, current: 3, allowed: 0, reason: "InsufficientPods"},
		},
		{
			name: "neither minAvailable nor maxUnavailable",
			pdb:  newPDB("pdb"),
			objs: []runtime.Object{newPod("a"), newPod("b")},
			want: want{expected: 0, desired: 0, current: 2, allowed: 0, reason: "InsufficientPods"},
		},
		{
			name:   "any owner through its scale subresource",
			pdb:    newPDB("pdb", maxUnavailable(int1)),
			objs:   []runtime.Object{newPod("a", ownedBy("example.com/v1", "Widget", "w")), newPod("b", ownedBy("example.com/v1", "Widget", "w"))},
			scales: func(s *scaleServer) { s.set(widgets.GroupResource(), "w", "uid-w", 3) },
			want:   want{expected: 3, desired: 2, current: 2, allowed: 0, reason: "InsufficientPods"},
		},
		{
			name:       "a scale with another UID is not the owner",
			pdb:        newPDB("pdb", maxUnavailable(int1)),
			objs:       []runtime.Object{newPod("a", ownedBy("example.com/v1", "Widget", "w"))},
			scales:     func(s *scaleServer) { s.set(widgets.GroupResource(), "w", "uid-other", 3) },
			want:       want{reason: "SyncFailed", message: `found no controllers for pod "a"`},
			wantEvents: []event{expectedCountFailed(`found no controllers for pod "a"`)},
		},
		{
			name:       "a controller ref to a deleted ReplicaSet fails the sync",
			pdb:        newPDB("pdb", minAvailable(intstr.FromString("50%"))),
			objs:       []runtime.Object{newPod("a", byRS1)},
			want:       want{reason: "SyncFailed", message: `found no controllers for pod "a"`},
			wantEvents: []event{expectedCountFailed(`found no controllers for pod "a"`)},
		},
		{
			name:       "a controller ref with a stale UID fails the sync",
			pdb:        newPDB("pdb", maxUnavailable(int1)),
			objs:       []runtime.Object{newRC("rc", 3), newPod("a", byRC, staleOwnerUID)},
			want:       want{reason: "SyncFailed", message: `found no controllers for pod "a"`},
			wantEvents: []event{expectedCountFailed(`found no controllers for pod "a"`)},
		},
		{
			name:       "an owner whose resource has no scale subresource",
			pdb:        newPDB("pdb", maxUnavailable(int1)),
			objs:       []runtime.Object{newPod("a", ownedBy("example.com/v1", "Gadget", "g"))},
			want:       want{reason: "SyncFailed", message: "gadgets.example.com does not implement the scale subresource"},
			wantEvents: []event{expectedCountFailed("gadgets.example.com does not implement the scale subresource")},
		},
		{
			name:       "an owner kind the RESTMapper does not know",
			pdb:        newPDB("pdb", maxUnavailable(int1)),
			objs:       []runtime.Object{newPod("a", ownedBy("example.com/v1", "Gizmo", "g"))},
			want:       want{reason: "SyncFailed", message: `no matches for kind "Gizmo" in version "example.com/v1"`},
			wantEvents: []event{expectedCountFailed(`no matches for kind "Gizmo" in version "example.com/v1"`)},
		},
		{
			name:       "an unparsable owner apiVersion",
			pdb:        newPDB("pdb", maxUnavailable(int1)),
			objs:       []runtime.Object{newPod("a", ownedBy("a/b/c", "Widget", "w"))},
			want:       want{reason: "SyncFailed", message: "unexpected GroupVersion string: a/b/c"},
			wantEvents: []event{expectedCountFailed("unexpected GroupVersion string: a/b/c")},
		},
		{
			name:       "a maxUnavailable string without %",
			pdb:        newPDB("pdb", maxUnavailable(intstr.FromString("10"))),
			objs:       []runtime.Object{newRC("rc", 3), newPod("a", byRC)},
			want:       want{reason: "SyncFailed", message: "invalid value for IntOrString: invalid type: string is not a percentage"},
			wantEvents: []event{expectedCountFailed("invalid value for IntOrString: invalid type: string is not a percentage")},
		},
		{
			name:       "a null selector matches nothing",
			pdb:        newPDB("pdb", minAvailable(int1), selector(nil)),
			objs:       []runtime.Object{newPod("a"), newPod("b")},
			want:       want{expected: 0, desired: 1, current: 0, allowed: 0, reason: "InsufficientPods"},
			wantEvents: []event{noPodsEvent},
		},
		{
			name: "an empty selector matches every pod of the namespace",
			pdb:  newPDB("pdb", minAvailable(int1), selector(&metav1.LabelSelector{})),
			objs: []runtime.Object{newPod("a"), newPod("b", labelled(map[string]string{"app": "db"})), newPod("c", labelled(nil)),
				newPod("elsewhere", inNamespace("other"))},
			want: want{expected: 3, desired: 1, current: 3, allowed: 2, reason: "SufficientPods"},
		},
		{
			name:       "the v1beta1 empty-selector sentinel matches nothing",
			pdb:        newPDB("pdb", minAvailable(int1), selector(sentinel)),
			objs:       []runtime.Object{newPod("a"), newPod("b")},
			want:       want{expected: 0, desired: 1, current: 0, allowed: 0, reason: "InsufficientPods"},
			wantEvents: []event{noPodsEvent},
		},
		{
			name: "an invalid selector fails the sync",
			pdb:  newPDB("pdb", minAvailable(int1), selector(bogus)),
			objs: []runtime.Object{newPod("a")},
			want: want{reason: "SyncFailed", message: `"Bogus" is not a valid label selector operator`},
			wantEvents: []event{{"PodDisruptionBudget ns/pdb", corev1.EventTypeWarning, "NoPods",
				`Failed to get pods: "Bogus" is not a valid label selector operator`}},
		},
		{
			name: "pods evicted within the last 2 minutes are not healthy",
			pdb: newPDB("pdb", minAvailable(int1),
				disrupted(map[string]time.Time{"a": t0.Add(-time.Minute), "b": t0.Add(-30 * time.Second)})),
			objs:        []runtime.Object{newPod("a"), newPod("b"), newPod("c")},
			want:        want{expected: 3, desired: 1, current: 1, allowed: 0, reason: "InsufficientPods", disrupted: []string{"a", "b"}},
			wantRecheck: []delayed{{"ns/pdb", time.Minute}},
		},
		{
			name:        "a pod evicted more than 2 minutes ago that still exists is healthy again",
			pdb:         newPDB("pdb", minAvailable(int1), disrupted(map[string]time.Time{"a": t0.Add(-DeletionTimeout - time.Second)})),
			objs:        []runtime.Object{newPod("a"), newPod("b")},
			want:        want{expected: 2, desired: 1, current: 2, allowed: 1, reason: "SufficientPods"},
			wantEvents:  []event{{"Pod ns/a", corev1.EventTypeWarning, "NotDeleted", "Pod was expected by PDB ns/ns to be deleted but it wasn't"}},
			wantRecheck: nil,
		},
		{
			name:        "an entry exactly 2 minutes old is still pending",
			pdb:         newPDB("pdb", minAvailable(int1), disrupted(map[string]time.Time{"a": t0.Add(-DeletionTimeout)})),
			objs:        []runtime.Object{newPod("a"), newPod("b")},
			want:        want{expected: 2, desired: 1, current: 2, allowed: 1, reason: "SufficientPods", disrupted: []string{"a"}},
			wantRecheck: []delayed{{"ns/pdb", 0}},
		},
		{
			name: "entries of terminating or vanished pods are dropped",
			pdb: newPDB("pdb", minAvailable(int1),
				disrupted(map[string]time.Time{"a": t0.Add(-10 * time.Second), "gone": t0.Add(-10 * time.Second)})),
			objs: []runtime.Object{newPod("a", terminating), newPod("b"), newPod("c")},
			want: want{expected: 3, desired: 1, current: 2, allowed: 1, reason: "SufficientPods"},
		},
		{
			name: "observedGeneration follows metadata.generation",
			pdb:  newPDB("pdb", minAvailable(int1), generation(3, 2)),
			objs: []runtime.Object{newPod("a"), newPod("b")},
			want: want{expected: 2, desired: 1, current: 2, allowed: 1, reason: "SufficientPods"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, append(tt.objs, tt.pdb)...)
			if tt.scales != nil {
				tt.scales(f.scales)
			}
			f.mustSync("pdb")
			got := f.pdb("pdb")
			checkStatus(t, got, tt.pdb, tt.want)
			if events := f.events.take(); !slices.Equal(events, tt.wantEvents) {
				t.Errorf("events:\n got %q\nwant %q", events, tt.wantEvents)
			}
			if rechecks := f.rechecks.take(); !slices.Equal(rechecks, tt.wantRecheck) {
				t.Errorf("rechecks: got %v, want %v", rechecks, tt.wantRecheck)
			}
		})
	}
}

// checkStatus compares got's status with w. before is the PDB as it was
// before the sync: a SyncFailed write keeps its other status fields.
func checkStatus(t *testing.T, got, before *policyv1.PodDisruptionBudget, w want) {
	t.Helper()
	s := got.Status
	failed := w.reason == policyv1.SyncFailedReason
	wantStatus := policyv1.PodDisruptionBudgetStatus{
		ExpectedPods: w.expected, DesiredHealthy: w.desired, CurrentHealthy: w.current, DisruptionsAllowed: w.allowed,
		ObservedGeneration: got.Generation,
	}
	if failed {
		wantStatus = *before.Status.DeepCopy()
		wantStatus.DisruptionsAllowed = 0
	}
	gotNumbers := [5]int64{int64(s.ExpectedPods), int64(s.DesiredHealthy), int64(s.CurrentHealthy), int64(s.DisruptionsAllowed), s.ObservedGeneration}
	wantNumbers := [5]int64{int64(wantStatus.ExpectedPods), int64(wantStatus.DesiredHealthy), int64(wantStatus.CurrentHealthy), int64(wantStatus.DisruptionsAllowed), wantStatus.ObservedGeneration}
	if gotNumbers != wantNumbers {
		t.Errorf("status [expected desired current allowed observedGeneration] = %v, want %v", gotNumbers, wantNumbers)
	}
	if !failed {
		if keys := sets.List(sets.KeySet(s.DisruptedPods)); !slices.Equal(keys, w.disrupted) && len(keys)+len(w.disrupted) > 0 {
			t.Errorf("disruptedPods = %v, want %v", keys, w.disrupted)
		}
		for name, at := range s.DisruptedPods {
			if orig := before.Status.DisruptedPods[name]; !at.Equal(&orig) {
				t.Errorf("disruptedPods[%s] = %v, want the original %v", name, at, before.Status.DisruptedPods[name])
			}
		}
	}
	cond := meta.FindStatusCondition(s.Conditions, policyv1.DisruptionAllowedCondition)
	if cond == nil {
		t.Fatalf("no DisruptionAllowed condition in %+v", s.Conditions)
	}
	wantCond := metav1.Condition{
		Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionFalse, Reason: w.reason, Message: w.message,
		ObservedGeneration: s.ObservedGeneration, LastTransitionTime: metav1.NewTime(t0),
	}
	if w.reason == policyv1.SufficientPodsReason {
		wantCond.Status = metav1.ConditionTrue
	}
	if !cond.LastTransitionTime.Equal(&wantCond.LastTransitionTime) || *cond != wantCond {
		t.Errorf("condition:\n got %+v\nwant %+v", *cond, wantCond)
	}
}

func TestSyncWritesOnlyWhenSomethingChanged(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(f *fixture)
		writes int
	}{
		{name: "nothing changed", change: func(*fixture) {}, writes: 0},
		{name: "a pod turned unready", change: func(f *fixture) { f.add(newPod("c", notReady)) }, writes: 1},
		{name: "the spec's generation moved", change: func(f *fixture) {
			p := f.pdb("pdb")
			p.Generation++
			f.refreshWith(p)
		}, writes: 1},
		{name: "the condition was SyncFailed with the same numbers", change: func(f *fixture) {
			p := f.pdb("pdb")
			p.Status.Conditions[0].Reason, p.Status.Conditions[0].Status = policyv1.SyncFailedReason, metav1.ConditionFalse
			f.refreshWith(p)
		}, writes: 1},
		{name: "the condition is missing", change: func(f *fixture) {
			p := f.pdb("pdb")
			p.Status.Conditions = nil
			f.refreshWith(p)
		}, writes: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, newPDB("pdb", minAvailable(intstr.FromInt32(1))), newPod("a"), newPod("b"))
			f.mustSync("pdb")
			f.refresh()
			f.client.ClearActions()
			tt.change(f)
			f.mustSync("pdb")
			if got := len(f.statusWrites("poddisruptionbudgets")); got != tt.writes {
				t.Errorf("status writes = %d, want %d", got, tt.writes)
			}
		})
	}
}

// refreshWith stores p in the API and the cache, as if someone else wrote it.
func (f *fixture) refreshWith(p *policyv1.PodDisruptionBudget) {
	f.t.Helper()
	if err := f.client.Tracker().Update(pdbResource, p, ns); err != nil {
		f.t.Fatal(err)
	}
	f.refresh()
}

func TestSyncSendsTheCachedResourceVersion(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newPDB("pdb", minAvailable(intstr.FromInt32(1))), newPod("a"))
	f.mustSync("pdb")
	writes := f.statusWrites("poddisruptionbudgets")
	if len(writes) != 1 {
		t.Fatalf("status writes = %d, want 1", len(writes))
	}
	if rv := writes[0].GetObject().(*policyv1.PodDisruptionBudget).ResourceVersion; rv != "1" {
		t.Errorf("resourceVersion sent = %q, want the cached %q", rv, "1")
	}
}

// An eviction that wrote the PDB after the cache was filled must win: the
// controller's write conflicts, nothing is overwritten, no fail-safe runs,
// and the retry computes from the eviction's status.
func TestSyncConflictNeverOverwritesAnEviction(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newPDB("pdb", minAvailable(intstr.FromInt32(1))), newPod("a"), newPod("b"))
	f.mustSync("pdb")
	f.refresh() // cache: allowed 1

	// The eviction handler approves evicting a: allowed 0, disruptedPods{a}.
	evicted := f.pdb("pdb")
	evicted.Status.DisruptionsAllowed = 0
	evicted.Status.DisruptedPods = map[string]metav1.Time{"a": metav1.NewTime(t0)}
	evicted.ResourceVersion = "3"
	if err := f.client.Tracker().Update(pdbResource, evicted, ns); err != nil {
		t.Fatal(err)
	}
	// A new pod triggers a sync while the cache still holds the old PDB.
	f.add(newPod("c"))
	f.client.ClearActions()
	f.c.queue.Add("ns/pdb")
	if !f.c.processNextPDB(t.Context()) {
		t.Fatal("queue shut down")
	}
	if n := f.c.queue.NumRequeues("ns/pdb"); n != 1 {
		t.Errorf("requeues after a Conflict = %d, want 1 (rate-limited retry)", n)
	}
	if writes := f.statusWrites("poddisruptionbudgets"); len(writes) != 1 {
		t.Errorf("status writes = %d, want only the conflicting one (no fail-safe)", len(writes))
	}
	if got := f.pdb("pdb"); got.Status.DisruptionsAllowed != 0 || len(got.Status.DisruptedPods) != 1 {
		t.Fatalf("eviction's status was overwritten: %+v", got.Status)
	}

	f.refresh() // the informer catches up; the retry starts from the eviction's status
	if !f.c.processNextPDB(t.Context()) {
		t.Fatal("queue shut down")
	}
	got := f.pdb("pdb")
	if got.Status.CurrentHealthy != 2 || got.Status.DisruptionsAllowed != 1 || !got.Status.DisruptedPods["a"].Time.Equal(t0) {
		t.Errorf("after retry: current %d allowed %d disrupted %v; want 2, 1, {a}",
			got.Status.CurrentHealthy, got.Status.DisruptionsAllowed, got.Status.DisruptedPods)
	}
	if n := f.c.queue.NumRequeues("ns/pdb"); n != 0 {
		t.Errorf("requeues after success = %d, want 0 (forgotten)", n)
	}
}

func TestFailSafeKeepsTheRestOfTheStatus(t *testing.T) {
	t.Parallel()
	before := policyv1.PodDisruptionBudgetStatus{
		ObservedGeneration: 4, DisruptionsAllowed: 2, CurrentHealthy: 3, DesiredHealthy: 1, ExpectedPods: 3,
		DisruptedPods: map[string]metav1.Time{"x": metav1.NewTime(t0.Add(-time.Minute))},
		Conditions: []metav1.Condition{{
			Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionTrue, Reason: policyv1.SufficientPodsReason,
			ObservedGeneration: 4, LastTransitionTime: metav1.NewTime(t0.Add(-time.Hour)),
		}, {Type: "Other", Status: metav1.ConditionTrue, Reason: "Kept", LastTransitionTime: metav1.NewTime(t0.Add(-time.Hour))}},
	}
	pdb := newPDB("pdb", maxUnavailable(intstr.FromInt32(1)), withStatus(before), func(p *policyv1.PodDisruptionBudget) { p.Generation = 5 })
	f := newFixture(t, pdb, newPod("a", ownedBy("apps/v1", "ReplicaSet", "gone")))
	f.mustSync("pdb")

	got := f.pdb("pdb").Status
	want := *before.DeepCopy()
	want.DisruptionsAllowed = 0
	want.Conditions[0] = metav1.Condition{
		Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionFalse, Reason: policyv1.SyncFailedReason,
		Message: `found no controllers for pod "a"`, ObservedGeneration: 4, LastTransitionTime: metav1.NewTime(t0),
	}
	if !equalStatus(got, want) {
		t.Errorf("status after fail-safe:\n got %+v\nwant %+v", got, want)
	}

	// The next successful sync is never "up to date" with a SyncFailed
	// condition, so it rewrites it.
	f.refresh()
	f.add(newRS("gone", 2)) // the owner shows up: expected 2, desired 1, current 1
	f.clock.Step(time.Second)
	f.mustSync("pdb")
	cond := meta.FindStatusCondition(f.pdb("pdb").Status.Conditions, policyv1.DisruptionAllowedCondition)
	if cond.Reason != policyv1.InsufficientPodsReason || cond.Message != "" || cond.ObservedGeneration != 5 || !cond.LastTransitionTime.Time.Equal(t0) {
		t.Errorf("condition after recovery = %+v; want InsufficientPods, no message, observedGeneration 5, lastTransitionTime unchanged (status stayed False)", cond)
	}
}

func equalStatus(a, b policyv1.PodDisruptionBudgetStatus) bool {
	return fmt.Sprintf("%+v", a) == fmt.Sprintf("%+v", b)
}

func TestSyncOfADeletedPDBDoesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newPod("a"))
	f.mustSync("gone")
	if actions := f.client.Actions(); len(actions) != 0 {
		t.Errorf("actions = %v, want none", actions)
	}
}

// TestPercentRounding covers the rounding examples of upstream's unit tests
// through the scale path.
func TestPercentRounding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		minAvailable string
		maxUnavail   string
		scale        int32
		wantDesired  int32
	}{
		{name: "minAvailable 34% of 3", minAvailable: "34%", scale: 3, wantDesired: 2},
		{name: "minAvailable 20% of 10", minAvailable: "20%", scale: 10, wantDesired: 2},
		{name: "minAvailable 28% of 11", minAvailable: "28%", scale: 11, wantDesired: 4},
		{name: "minAvailable 28% of 22", minAvailable: "28%", scale: 22, wantDesired: 7},
		{name: "minAvailable 100% of 5", minAvailable: "100%", scale: 5, wantDesired: 5},
		{name: "maxUnavailable 30% of 7", maxUnavail: "30%", scale: 7, wantDesired: 4},
		{name: "maxUnavailable 1% of 7 rounds up to 1", maxUnavail: "1%", scale: 7, wantDesired: 6},
		{name: "maxUnavailable 100% of 7", maxUnavail: "100%", scale: 7, wantDesired: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opt := minAvailable(intstr.FromString(tt.minAvailable))
			if tt.maxUnavail != "" {
				opt = maxUnavailable(intstr.FromString(tt.maxUnavail))
			}
			pdb := newPDB("pdb", opt)
			f := newFixture(t, newRC("rc", tt.scale))
			e, err := f.c.expect(t.Context(), pdb, []*corev1.Pod{newPod("a", ownedBy("v1", "ReplicationController", "rc"))})
			if err != nil {
				t.Fatal(err)
			}
			if e.expected != tt.scale || e.desired != tt.wantDesired {
				t.Errorf("expected/desired = %d/%d, want %d/%d", e.expected, e.desired, tt.scale, tt.wantDesired)
			}
		})
	}
}

// TestScaleLookupsAreDeduplicated checks that many pods of one owner cost one
// scale GET.
func TestScaleLookupsAreDeduplicated(t *testing.T) {
	t.Parallel()
	byW := ownedBy("example.com/v1", "Widget", "w")
	f := newFixture(t, newPDB("pdb", maxUnavailable(intstr.FromInt32(1))), newPod("a", byW), newPod("b", byW), newPod("c", byW))
	f.scales.set(widgets.GroupResource(), "w", "uid-w", 3)
	f.mustSync("pdb")
	gets := 0
	for _, a := range f.scales.client.Actions() {
		if a.GetVerb() == "get" && a.GetResource().GroupResource() == (schema.GroupResource{Group: "example.com", Resource: "widgets"}) {
			gets++
		}
	}
	if gets != 1 {
		t.Errorf("scale GETs = %d, want 1", gets)
	}
}
