package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/evictd/evictd/internal/registry/pod"
	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/storage/memory"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newPodStore(t *testing.T) (*store.Store, *clocktesting.FakeClock) {
	t.Helper()
	clock := clocktesting.NewFakeClock(epoch)
	mem := memory.New(memory.Options{})
	t.Cleanup(func() { _ = mem.Close() })
	st, err := store.New(pod.Resource(), mem, store.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	return st, clock
}

type podOpt func(*corev1.Pod)

func scheduled(p *corev1.Pod) { p.Spec.NodeName = "n1" }
func succeeded(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }
func finalized(p *corev1.Pod) { p.Finalizers = []string{"test.k8s.io/finalizer"} }
func grace(s int64) podOpt    { return func(p *corev1.Pod) { p.Spec.TerminationGracePeriodSeconds = &s } }
func deleteGrace(s int64) *metav1.DeleteOptions {
	return &metav1.DeleteOptions{GracePeriodSeconds: &s}
}

func createPod(t *testing.T, st *store.Store, name string, opts ...podOpt) *corev1.Pod {
	t.Helper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}},
	}
	for _, o := range opts {
		o(p)
	}
	status := p.Status
	obj, err := st.Create(context.Background(), p, store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := obj.(*corev1.Pod)
	if status.Phase != "" { // status is wiped on create: set it as a kubelet would
		out, _, err := st.Update(context.Background(), "default", name, func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod)
			p.Status.Phase = status.Phase
			return p, nil
		}, store.UpdateOptions{Subresource: "status"})
		if err != nil {
			t.Fatal(err)
		}
		created = out.(*corev1.Pod)
	}
	return created
}

func TestPodGracefulDeletion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		pod         []podOpt
		deletes     []*metav1.DeleteOptions // applied in order, each after advancing the clock by advance
		advance     time.Duration
		wantRemoved bool
		wantGrace   int64
		wantTS      time.Time // deletionTimestamp when kept
	}{
		{name: "scheduled pod gets the default 30s", pod: []podOpt{scheduled}, deletes: []*metav1.DeleteOptions{{}},
			wantGrace: 30, wantTS: epoch.Add(30 * time.Second)},
		{name: "spec grace is used", pod: []podOpt{scheduled, grace(5)}, deletes: []*metav1.DeleteOptions{{}},
			wantGrace: 5, wantTS: epoch.Add(5 * time.Second)},
		{name: "options override spec", pod: []podOpt{scheduled}, deletes: []*metav1.DeleteOptions{deleteGrace(7)},
			wantGrace: 7, wantTS: epoch.Add(7 * time.Second)},
		{name: "negative grace becomes 1", pod: []podOpt{scheduled}, deletes: []*metav1.DeleteOptions{deleteGrace(-5)},
			wantGrace: 1, wantTS: epoch.Add(time.Second)},
		{name: "never scheduled is removed at once", pod: nil, deletes: []*metav1.DeleteOptions{{}}, wantRemoved: true},
		{name: "terminal is removed at once", pod: []podOpt{scheduled, succeeded}, deletes: []*metav1.DeleteOptions{{}}, wantRemoved: true},
		{name: "grace 0 is removed at once", pod: []podOpt{scheduled}, deletes: []*metav1.DeleteOptions{deleteGrace(0)}, wantRemoved: true},
		{name: "a longer second grace changes nothing", pod: []podOpt{scheduled}, deletes: []*metav1.DeleteOptions{deleteGrace(10), deleteGrace(60)},
			advance: 2 * time.Second, wantGrace: 10, wantTS: epoch.Add(10 * time.Second)},
		{name: "a second delete without grace changes nothing", pod: []podOpt{scheduled}, deletes: []*metav1.DeleteOptions{deleteGrace(10), {}},
			advance: 2 * time.Second, wantGrace: 10, wantTS: epoch.Add(10 * time.Second)},
		{name: "a shorter second grace shortens", pod: []podOpt{scheduled}, deletes: []*metav1.DeleteOptions{deleteGrace(30), deleteGrace(5)},
			advance: 2 * time.Second, wantGrace: 5, wantTS: epoch.Add(5 * time.Second)},
		{name: "a shortened deadline in the past is clamped to now with grace 1", pod: []podOpt{scheduled}, deletes: []*metav1.DeleteOptions{deleteGrace(30), deleteGrace(5)},
			advance: 20 * time.Second, wantGrace: 1, wantTS: epoch.Add(20 * time.Second)},
		{name: "a second delete with grace 0 removes", pod: []podOpt{scheduled}, deletes: []*metav1.DeleteOptions{deleteGrace(30), deleteGrace(0)},
			advance: time.Second, wantRemoved: true},
		{name: "finalizers keep a pod deleted with grace 0", pod: []podOpt{scheduled, finalized}, deletes: []*metav1.DeleteOptions{deleteGrace(0)},
			wantGrace: 0, wantTS: epoch},
		{name: "finalizers keep an unscheduled pod", pod: []podOpt{finalized}, deletes: []*metav1.DeleteOptions{{}},
			wantGrace: 0, wantTS: epoch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, clock := newPodStore(t)
			created := createPod(t, st, "p", tt.pod...)
			var removed bool
			var out runtime.Object
			for i, opts := range tt.deletes {
				if i > 0 {
					clock.Step(tt.advance)
				}
				var err error
				out, removed, err = st.Delete(context.Background(), "default", "p", opts)
				if err != nil {
					t.Fatalf("delete %d: %v", i, err)
				}
			}
			if removed != tt.wantRemoved {
				t.Fatalf("removed = %v, want %v", removed, tt.wantRemoved)
			}
			_, err := st.Get(context.Background(), "default", "p")
			if tt.wantRemoved {
				if !apierrors.IsNotFound(err) {
					t.Fatalf("get after removal: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := out.(*corev1.Pod)
			if got.DeletionTimestamp == nil || !got.DeletionTimestamp.Time.Equal(tt.wantTS) {
				t.Errorf("deletionTimestamp = %v, want %v", got.DeletionTimestamp, tt.wantTS)
			}
			if got.DeletionGracePeriodSeconds == nil || *got.DeletionGracePeriodSeconds != tt.wantGrace {
				t.Errorf("deletionGracePeriodSeconds = %v, want %d", got.DeletionGracePeriodSeconds, tt.wantGrace)
			}
			if got.Generation != created.Generation+1 {
				t.Errorf("generation = %d, want %d (bumped once on the first delete)", got.Generation, created.Generation+1)
			}
		})
	}
}

func TestDeletePreconditions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pre     func(p *corev1.Pod) *metav1.Preconditions
		wantErr string
	}{
		{name: "matching uid and resourceVersion", pre: func(p *corev1.Pod) *metav1.Preconditions {
			return &metav1.Preconditions{UID: &p.UID, ResourceVersion: &p.ResourceVersion}
		}},
		{name: "wrong uid", pre: func(*corev1.Pod) *metav1.Preconditions {
			u := types.UID("other")
			return &metav1.Preconditions{UID: &u}
		}, wantErr: `Operation cannot be fulfilled on Pod "p": the UID in the precondition (other) does not match the UID in record`},
		{name: "stale resourceVersion", pre: func(*corev1.Pod) *metav1.Preconditions {
			rv := "1"
			return &metav1.Preconditions{ResourceVersion: &rv}
		}, wantErr: "The object might have been modified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, _ := newPodStore(t)
			p := createPod(t, st, "p", scheduled)
			_, _, err := st.Delete(context.Background(), "default", "p", &metav1.DeleteOptions{Preconditions: tt.pre(p)})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !apierrors.IsConflict(err) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want a Conflict containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestDeleteWatchSequence(t *testing.T) {
	t.Parallel()
	st, _ := newPodStore(t)
	createPod(t, st, "p", scheduled)
	w, err := st.Watch(context.Background(), "default", store.WatchOptions{ResourceVersion: currentRV(t, st)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, _, err := st.Delete(context.Background(), "default", "p", &metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Delete(context.Background(), "default", "p", deleteGrace(0)); err != nil {
		t.Fatal(err)
	}
	var got []watch.EventType
	for len(got) < 3 {
		select {
		case ev := <-w.ResultChan():
			got = append(got, ev.Type)
		case <-time.After(5 * time.Second):
			t.Fatalf("events %v, want 3", got)
		}
	}
	want := []watch.EventType{watch.Modified, watch.Modified, watch.Deleted}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("events %v, want %v", got, want)
		}
	}
}

func TestRemovingLastFinalizerOfDeletedPodRemovesIt(t *testing.T) {
	t.Parallel()
	st, _ := newPodStore(t)
	createPod(t, st, "p", finalized)
	if _, removed, err := st.Delete(context.Background(), "default", "p", &metav1.DeleteOptions{}); err != nil || removed {
		t.Fatalf("delete: removed %v, err %v", removed, err)
	}
	_, _, err := st.Update(context.Background(), "default", "p", func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod)
		p.Finalizers = nil
		return p, nil
	}, store.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(context.Background(), "default", "p"); !apierrors.IsNotFound(err) {
		t.Fatalf("get after finalizer removal: %v, want NotFound", err)
	}
}

func TestPropagationPolicyFinalizers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		policy metav1.DeletionPropagation
		want   string
	}{
		{policy: metav1.DeletePropagationForeground, want: metav1.FinalizerDeleteDependents},
		{policy: metav1.DeletePropagationOrphan, want: metav1.FinalizerOrphanDependents},
	}
	for _, tt := range tests {
		t.Run(string(tt.policy), func(t *testing.T) {
			t.Parallel()
			st, _ := newPodStore(t)
			createPod(t, st, "p")
			out, removed, err := st.Delete(context.Background(), "default", "p", &metav1.DeleteOptions{PropagationPolicy: &tt.policy})
			if err != nil || removed {
				t.Fatalf("removed %v, err %v", removed, err)
			}
			if f := out.(*corev1.Pod).Finalizers; len(f) != 1 || f[0] != tt.want {
				t.Errorf("finalizers %v, want [%s]", f, tt.want)
			}
		})
	}
}

func TestDryRunDeleteChangesNothing(t *testing.T) {
	t.Parallel()
	st, _ := newPodStore(t)
	p := createPod(t, st, "p", scheduled)
	if _, _, err := st.Delete(context.Background(), "default", "p", &metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(context.Background(), "default", "p")
	if err != nil {
		t.Fatal(err)
	}
	if rv := got.(*corev1.Pod).ResourceVersion; rv != p.ResourceVersion {
		t.Fatalf("resourceVersion %s after dry run, want %s", rv, p.ResourceVersion)
	}
}

func currentRV(t *testing.T, st *store.Store) string {
	t.Helper()
	list, err := st.List(context.Background(), "default", store.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return list.(*corev1.PodList).ResourceVersion
}
