package disruption

import (
	"fmt"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
)

func TestPodEventsEnqueueTheFirstMatchingPDB(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		pdbs      []runtime.Object
		wantKeys  []string // any one of these, once
		wantEvent bool
	}{
		{name: "no PDB selects the pod", pdbs: []runtime.Object{newPDB("db", selector(&metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}))}},
		{name: "a PDB with a null selector never selects", pdbs: []runtime.Object{newPDB("none", selector(nil))}},
		{name: "one PDB selects the pod", pdbs: []runtime.Object{newPDB("web")}, wantKeys: []string{"ns/web"}},
		{name: "an empty selector selects the pod", pdbs: []runtime.Object{newPDB("all", selector(&metav1.LabelSelector{}))}, wantKeys: []string{"ns/all"}},
		{name: "two PDBs select the pod: one is queued, with a warning", pdbs: []runtime.Object{newPDB("web"), newPDB("all", selector(&metav1.LabelSelector{}))},
			wantKeys: []string{"ns/web", "ns/all"}, wantEvent: true},
	}
	handlers := []struct {
		name string
		call func(c *Controller, pod *corev1.Pod)
	}{
		{"add", func(c *Controller, pod *corev1.Pod) { c.addPod(pod) }},
		{"update", func(c *Controller, pod *corev1.Pod) { c.updatePod(pod, pod) }},
		{"delete", func(c *Controller, pod *corev1.Pod) { c.deletePod(pod) }},
		{"delete seen through a tombstone", func(c *Controller, pod *corev1.Pod) {
			c.deletePod(cache.DeletedFinalStateUnknown{Key: "ns/a", Obj: pod})
		}},
	}
	for _, tt := range tests {
		for _, h := range handlers {
			t.Run(tt.name+"/"+h.name, func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, tt.pdbs...)
				pod := newPod("a")
				h.call(f.c, pod)
				if got := f.c.queue.Len(); got != min(1, len(tt.wantKeys)) {
					t.Fatalf("queue length = %d, want %d", got, min(1, len(tt.wantKeys)))
				}
				events := f.events.take()
				if len(tt.wantKeys) == 0 {
					if len(events) != 0 {
						t.Errorf("events = %v, want none", events)
					}
					return
				}
				key, _ := f.c.queue.Get()
				if !slices.Contains(tt.wantKeys, key) {
					t.Errorf("queued %q, want one of %v", key, tt.wantKeys)
				}
				var want []event
				if tt.wantEvent {
					_, name, _ := cache.SplitMetaNamespaceKey(key)
					want = []event{{"Pod ns/a", corev1.EventTypeWarning, "MultiplePodDisruptionBudgets",
						fmt.Sprintf(`Pod "ns"/"a" matches multiple PodDisruptionBudgets.  Chose %q arbitrarily.`, name)}}
				}
				if !slices.Equal(events, want) {
					t.Errorf("events = %q, want %q", events, want)
				}
			})
		}
	}
}

func TestPDBEventsEnqueueThePDB(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pdb := newPDB("web")
	f.c.enqueuePDB(pdb)
	f.c.enqueuePDB(cache.DeletedFinalStateUnknown{Key: "ns/gone", Obj: newPDB("gone")})
	var got []string
	for f.c.queue.Len() > 0 {
		key, _ := f.c.queue.Get()
		got = append(got, key)
		f.c.queue.Done(key)
	}
	if want := []string{"ns/web", "ns/gone"}; !slices.Equal(got, want) {
		t.Errorf("queued %v, want %v", got, want)
	}
}
