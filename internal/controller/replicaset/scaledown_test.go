package replicaset

import (
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestSyncDeletesInRankOrder scales down and checks which pods go. The
// ordering rules themselves are tested in podranking; these rows check the
// controller feeds them (rank from related pods, the clock's now) and
// deletes exactly the surplus.
func TestSyncDeletesInRankOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		replicas int32
		objs     []runtime.Object
		want     []string
	}{
		{name: "unassigned, then pending, then not ready", replicas: 1, objs: []runtime.Object{
			newPod("running-ready", "rs", ready(t0.Add(-time.Hour))),
			newPod("running", "rs"),
			newPod("pending", "rs", phase(corev1.PodPending)),
			newPod("unassigned", "rs", onNode("")),
		}, want: []string{"pending", "running", "unassigned"}},
		{name: "newest ready first", replicas: 2, objs: []runtime.Object{
			newPod("old", "rs", ready(t0.Add(-10*time.Hour))),
			newPod("new", "rs", ready(t0.Add(-time.Minute))),
			newPod("mid", "rs", ready(t0.Add(-time.Hour))),
		}, want: []string{"new"}},
		{name: "lower deletion cost first", replicas: 1, objs: []runtime.Object{
			newPod("cheap", "rs", func(p *corev1.Pod) {
				p.Annotations = map[string]string{"controller.kubernetes.io/pod-deletion-cost": "-10"}
			}),
			newPod("default", "rs", func(p *corev1.Pod) { p.CreationTimestamp = metav1.NewTime(t0.Add(-time.Second)) }),
		}, want: []string{"cheap"}},
		{name: "a bare ReplicaSet ranks nothing: co-location does not decide", replicas: 1, objs: []runtime.Object{
			newPod("crowded", "rs", onNode("n1")),
			newPod("other-rs-pod", "other", onNode("n1")),
			newPod("alone", "rs", onNode("n2"), func(p *corev1.Pod) { p.CreationTimestamp = metav1.NewTime(t0.Add(-time.Minute)) }),
		}, want: []string{"alone"}},
		{name: "everything goes unsorted", replicas: 0, objs: []runtime.Object{
			newPod("a", "rs"), newPod("b", "rs"), newPod("orphan-other-labels", "", labelled(map[string]string{"app": "db"})),
		}, want: []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, Options{}, append([]runtime.Object{newRS("rs", tt.replicas)}, tt.objs...)...)
			f.mustSync("rs")
			got := deletedPods(f)
			if !slices.Equal(got, tt.want) {
				t.Errorf("deleted %v, want %v", got, tt.want)
			}
			if r := f.events.reasons(); r[reasonSuccessfulDelete] != len(tt.want) {
				t.Errorf("events = %v, want %d SuccessfulDelete", r, len(tt.want))
			}
			if keys := f.c.expectations.GetUIDs(ns + "/rs"); keys.Len() != len(tt.want) {
				t.Errorf("expected deletions %v, want %v", keys.UnsortedList(), tt.want)
			}
		})
	}
}

// TestSyncRanksByCoLocationUnderOneController: two ReplicaSets of one
// Deployment; the pod sharing its node with more of the Deployment's pods
// goes first.
func TestSyncRanksByCoLocationUnderOneController(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{},
		newRS("rs", 1, controlledBy("uid-d")), newRS("old", 2, controlledBy("uid-d"), func(rs *appsv1.ReplicaSet) {
			rs.Spec.Selector.MatchLabels = map[string]string{"app": "web", "v": "1"}
		}),
		newPod("crowded", "rs", onNode("n1")),
		newPod("old-1", "old", onNode("n1"), labelled(map[string]string{"app": "web", "v": "1"})),
		newPod("alone", "rs", onNode("n2"), func(p *corev1.Pod) { p.CreationTimestamp = metav1.NewTime(t0.Add(-time.Minute)) }),
	)
	f.mustSync("rs")
	if got := deletedPods(f); !slices.Equal(got, []string{"crowded"}) {
		t.Errorf("deleted %v, want [crowded]", got)
	}
}

// TestDeletionObservedOnce: the expectation for a deleted pod is met by its
// deletionTimestamp update, and the final delete does not count again.
func TestDeletionObservedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{}, newRS("rs", 1), newPod("a", "rs"), newPod("b", "rs", func(p *corev1.Pod) {
		p.CreationTimestamp = metav1.NewTime(t0)
	}))
	f.mustSync("rs")
	if got := deletedPods(f); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("deleted %v, want [b]", got)
	}
	key := ns + "/rs"
	if f.c.expectations.SatisfiedExpectations(key) {
		t.Fatal("satisfied before the deletion was observed")
	}
	old := newPod("b", "rs")
	cur := newPod("b", "rs", deleting, func(p *corev1.Pod) { p.ResourceVersion = "2" })
	f.c.updatePod(old, cur)
	if !f.c.expectations.SatisfiedExpectations(key) {
		t.Fatal("not satisfied after the deletionTimestamp was observed")
	}
	f.c.expectations.ExpectCreations(key, 0) // keep a record to watch
	f.c.deletePod(cur)
	if _, del, _ := f.c.expectations.Get(key); del != 0 {
		t.Errorf("the final delete lowered the expectations again: del = %d", del)
	}
}

// deletedPods lists the pods the sync deleted, in name order.
func deletedPods(f *fixture) []string {
	var names []string
	for _, a := range f.client.Actions() {
		if d, ok := a.(interface{ GetName() string }); ok && a.GetVerb() == "delete" && a.GetResource() == podResource {
			names = append(names, d.GetName())
		}
	}
	slices.Sort(names)
	return names
}
