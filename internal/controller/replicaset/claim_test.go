package replicaset

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// TestSyncClaimsPods: matching orphans are adopted, owned pods whose labels
// no longer match are released (and replaced), others' pods are left alone.
func TestSyncClaimsPods(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{}, newRS("rs", 2),
		newPod("orphan", ""),
		newPod("relabelled", "rs", labelled(map[string]string{"app": "db"})),
		newPod("others", "other"),
	)
	f.mustSync("rs")
	owners := map[string]types.UID{}
	for _, p := range f.apiPods() {
		if ref := metav1.GetControllerOf(p); ref != nil {
			owners[p.Name] = ref.UID
		} else {
			owners[p.Name] = ""
		}
	}
	if owners["orphan"] != "uid-rs" || owners["relabelled"] != "" || owners["others"] != "uid-other" {
		t.Errorf("owners = %v", owners)
	}
	if n := f.creates.Load(); n != 1 {
		t.Errorf("%d pods created, want 1 (the adopted orphan counts)", n)
	}
}

// TestSyncDoesNotAdoptForADeletedReplicaSet: the cache shows the RS alive
// but the API server says it is being deleted; the adoption fails.
func TestSyncDoesNotAdoptForADeletedReplicaSet(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{}, newRS("rs", 1), newPod("orphan", ""))
	live := f.rs("rs")
	live.DeletionTimestamp = &metav1.Time{Time: t0}
	live.Finalizers = []string{"foregroundDeletion"}
	if err := f.client.Tracker().Update(appsv1.SchemeGroupVersion.WithResource("replicasets"), live, ns); err != nil {
		t.Fatal(err)
	}
	if err := f.sync("rs"); err == nil {
		t.Error("sync succeeded")
	}
	if ref := metav1.GetControllerOf(f.apiPods()[0]); ref != nil {
		t.Errorf("orphan adopted: %+v", ref)
	}
}

// TestSyncOfADeletingReplicaSetOnlyWritesStatus: no creates, no deletes.
func TestSyncOfADeletingReplicaSetOnlyWritesStatus(t *testing.T) {
	t.Parallel()
	rs := newRS("rs", 3, func(rs *appsv1.ReplicaSet) { rs.DeletionTimestamp = &metav1.Time{Time: t0} })
	f := newFixture(t, Options{}, rs, newPod("a", "rs"))
	f.mustSync("rs")
	if got := f.actions(); len(got) != 1 || got[0] != "update replicasets/status" {
		t.Errorf("actions = %v, want only the status write", got)
	}
}

// TestHandlers checks what each informer event queues and observes.
func TestHandlers(t *testing.T) {
	t.Parallel()
	key := ns + "/rs"
	bump := func(p *corev1.Pod) { p.ResourceVersion = "2" }
	tests := []struct {
		name      string
		event     func(c *Controller)
		wantQueue []string
		wantAdd   int // outstanding creations afterwards, from 1
		wantAfter time.Duration
	}{
		{name: "owned pod added", event: func(c *Controller) { c.addPod(newPod("a", "rs")) }, wantQueue: []string{key}, wantAdd: 0},
		{name: "pod of a recreated RS ignored", event: func(c *Controller) {
			c.addPod(newPod("a", "", func(p *corev1.Pod) {
				p.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(&metav1.ObjectMeta{Name: "rs", UID: "old"}, replicaSetKind)}
			}))
		}, wantAdd: 1},
		{name: "orphan added wakes its selectors", event: func(c *Controller) { c.addPod(newPod("a", "")) }, wantQueue: []string{key}, wantAdd: 1},
		{name: "orphan of other labels wakes nobody", event: func(c *Controller) { c.addPod(newPod("a", "", labelled(map[string]string{"app": "db"}))) }, wantAdd: 1},
		{name: "resync ignored", event: func(c *Controller) { c.updatePod(newPod("a", "rs"), newPod("a", "rs")) }, wantAdd: 1},
		{name: "became ready with minReadySeconds", event: func(c *Controller) {
			c.updatePod(newPod("a", "rs"), newPod("a", "rs", bump, ready(t0)))
		}, wantQueue: []string{key}, wantAdd: 1, wantAfter: 11 * time.Second},
		{name: "released pod wakes its old owner", event: func(c *Controller) {
			c.updatePod(newPod("a", "rs"), newPod("a", "", bump, labelled(map[string]string{"app": "db"})))
		}, wantQueue: []string{key}, wantAdd: 1},
		{name: "deleted pod", event: func(c *Controller) { c.deletePod(newPod("a", "rs")) }, wantQueue: []string{key}, wantAdd: 1},
		{name: "ReplicaSet deleted drops its expectations", event: func(c *Controller) { c.deleteWorkload(newRS("rs", 1)) },
			wantQueue: []string{key}, wantAdd: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, Options{}, newRS("rs", 1, minReady(10)))
			f.c.expectations.ExpectCreations(key, 1)
			tt.event(f.c)
			if got := f.delayed.drain(); len(got) != len(tt.wantQueue) || (len(got) == 1 && got[0] != tt.wantQueue[0]) {
				t.Errorf("queued %v, want %v", got, tt.wantQueue)
			}
			add, _, ok := f.c.expectations.Get(key)
			if !ok {
				add = -1
			}
			if add != tt.wantAdd {
				t.Errorf("outstanding creations = %d, want %d", add, tt.wantAdd)
			}
			after := f.delayed.take()
			if (tt.wantAfter == 0) != (len(after) == 0) || (len(after) == 1 && after[0].after != tt.wantAfter) {
				t.Errorf("AddAfter calls = %v, want after %v", after, tt.wantAfter)
			}
		})
	}
}
