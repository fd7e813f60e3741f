package store_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry/store"
)

// TestListSharedDecodesOncePerRevision: unchanged objects are handed out
// again without decoding; a changed or deleted one is not.
func TestListSharedDecodesOncePerRevision(t *testing.T) {
	t.Parallel()
	st, _ := newPodStore(t)
	ctx := context.Background()
	createPod(t, st, "a")
	createPod(t, st, "b")
	first, err := st.ListShared(ctx, "default")
	if err != nil || len(first) != 2 {
		t.Fatalf("list: %v, %d items", err, len(first))
	}
	if _, _, err := st.Update(ctx, "default", "b", func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod)
		p.Labels = map[string]string{"changed": "yes"}
		return p, nil
	}, store.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	second, err := st.ListShared(ctx, "default")
	if err != nil || len(second) != 2 {
		t.Fatalf("list: %v, %d items", err, len(second))
	}
	if second[0] != first[0] {
		t.Error("unchanged pod a was decoded again")
	}
	if second[1] == first[1] || second[1].(*corev1.Pod).Labels["changed"] != "yes" {
		t.Error("changed pod b was not decoded again")
	}
	if _, _, err := st.Delete(ctx, "default", "a", nil); err != nil {
		t.Fatal(err)
	}
	third, err := st.ListShared(ctx, "default")
	if err != nil || len(third) != 1 || third[0].(*corev1.Pod).Name != "b" {
		t.Fatalf("after delete: %v, %d items", err, len(third))
	}
}
