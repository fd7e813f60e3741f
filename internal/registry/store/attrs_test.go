package store_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/evictd/evictd/internal/registry/store"
)

// TestSelectorsFollowChanges: lists and watches with selectors must see an
// object's current labels and fields, whatever the attribute cache
// remembered from earlier revisions.
func TestSelectorsFollowChanges(t *testing.T) {
	t.Parallel()
	st, _ := newPodStore(t)
	ctx := context.Background()
	createPod(t, st, "p", scheduled) // on n1
	onN1 := store.Predicate{Field: fields.OneTermEqualSelector("spec.nodeName", "n1")}
	web := store.Predicate{Label: labels.SelectorFromSet(labels.Set{"app": "web"})}
	count := func(p store.Predicate) int {
		list, err := st.List(ctx, "default", store.ListOptions{Predicate: p})
		if err != nil {
			t.Fatal(err)
		}
		return len(list.(*corev1.PodList).Items)
	}
	if count(onN1) != 1 || count(web) != 0 {
		t.Fatalf("before: onN1 %d web %d", count(onN1), count(web))
	}
	w, err := st.Watch(ctx, "default", store.WatchOptions{Predicate: web, ResourceVersion: currentRV(t, st)})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	label := func(v string) {
		t.Helper()
		if _, _, err := st.Update(ctx, "default", "p", func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod)
			if v == "" {
				delete(p.Labels, "app")
			} else {
				p.Labels = map[string]string{"app": v}
			}
			return p, nil
		}, store.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	label("web")
	if count(web) != 1 {
		t.Fatalf("after labelling: web %d, want 1", count(web))
	}
	label("db")
	if count(web) != 0 {
		t.Fatalf("after relabelling: web %d, want 0", count(web))
	}
	for _, want := range []watch.EventType{watch.Added, watch.Deleted} {
		select {
		case ev := <-w.ResultChan():
			if ev.Type != want || ev.Object.(*corev1.Pod).Name != "p" {
				t.Fatalf("event %s, want %s", ev.Type, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %s event", want)
		}
	}
	if _, _, err := st.Delete(ctx, "default", "p", &metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	if count(onN1) != 0 {
		t.Fatal("deleted pod still listed")
	}
}
