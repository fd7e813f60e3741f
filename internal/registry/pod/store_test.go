package pod_test

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	testclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry/pod"
	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/storage/memory"
)

// TestLifecycleThroughStore runs the pod rules inside the generic store:
// create, a kubelet status write, a rejected spec change and a graceful
// delete followed by the kubelet's final one.
func TestLifecycleThroughStore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clock := testclock.NewFakePassiveClock(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	mem := memory.New(memory.Options{})
	t.Cleanup(func() { _ = mem.Close() })
	pods, err := store.New(pod.Resource(), mem, store.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}

	in := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "default"},
		Spec:       corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
	obj, err := pods.Create(ctx, in, store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created := obj.(*corev1.Pod)
	if created.Status.Phase != corev1.PodPending || created.Status.QOSClass != corev1.PodQOSBestEffort || created.Generation != 1 ||
		created.Spec.Containers[0].ImagePullPolicy != corev1.PullAlways || *created.Spec.Priority != 0 {
		t.Fatalf("created pod not prepared: generation %d status %+v", created.Generation, created.Status)
	}

	update := func(sub string, change func(*corev1.Pod)) (runtime.Object, error) {
		out, _, err := pods.Update(ctx, "default", "web-1", func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*corev1.Pod)
			change(p)
			return p, nil
		}, store.UpdateOptions{Subresource: sub})
		return out, err
	}
	if _, err := update("status", func(p *corev1.Pod) { p.Status.Phase = corev1.PodRunning }); err != nil {
		t.Fatal(err)
	}
	_, err = update("", func(p *corev1.Pod) { p.Spec.NodeName = "node-2" })
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), "spec: Forbidden: pod updates may not change fields other than") {
		t.Fatalf("nodeName change: got %v, want 422 spec: Forbidden", err)
	}

	obj, removed, err := pods.Delete(ctx, "default", "web-1", &metav1.DeleteOptions{})
	if err != nil || removed {
		t.Fatalf("graceful delete: removed %v, err %v", removed, err)
	}
	deleting := obj.(*corev1.Pod)
	if g := deleting.DeletionGracePeriodSeconds; g == nil || *g != 30 || !deleting.DeletionTimestamp.Time.Equal(clock.Now().Add(30*time.Second)) {
		t.Fatalf("deletion grace %v at %v, want 30s from now", g, deleting.DeletionTimestamp)
	}
	if _, removed, err = pods.Delete(ctx, "default", "web-1", &metav1.DeleteOptions{GracePeriodSeconds: ptr.To(int64(0))}); err != nil || !removed {
		t.Fatalf("final delete: removed %v, err %v", removed, err)
	}
}
