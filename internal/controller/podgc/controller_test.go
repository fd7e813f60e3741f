package podgc

import (
	"io"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	clocktesting "k8s.io/utils/clock/testing"
)

var t0 = time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)

func newController(t *testing.T, threshold int, objs ...runtime.Object) (*Controller, *fake.Clientset, *clocktesting.FakeClock) {
	t.Helper()
	client := fake.NewClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	clk := clocktesting.NewFakeClock(t0)
	c, err := New(client, factory, clk, threshold, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop); factory.Shutdown() })
	factory.Start(stop)
	cache.WaitForCacheSync(stop, c.synced...)
	return c, client, clk
}

func podOn(name, node string, phase corev1.PodPhase, created time.Time) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: k8stypes.UID("uid-" + name), CreationTimestamp: metav1.NewTime(created)},
		Spec:       corev1.PodSpec{NodeName: node},
		Status:     corev1.PodStatus{Phase: phase},
	}
}

func node(name string, ready corev1.ConditionStatus, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       corev1.NodeSpec{Taints: taints},
		Status:     corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}},
	}
}

func exists(t *testing.T, client *fake.Clientset, name string) bool {
	t.Helper()
	_, err := client.CoreV1().Pods("default").Get(t.Context(), name, metav1.GetOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	return err == nil
}

func TestOrphansGoAfterTheQuarantine(t *testing.T) {
	t.Parallel()
	c, client, clk := newController(t, 0, node("alive", corev1.ConditionTrue),
		podOn("orphan", "gone", corev1.PodRunning, t0), podOn("kept", "alive", corev1.PodRunning, t0))
	c.collect(t.Context())
	clk.Step(Quarantine - time.Second)
	c.collect(t.Context())
	if !exists(t, client, "orphan") {
		t.Fatal("orphan deleted before the quarantine ended")
	}
	clk.Step(time.Second)
	c.collect(t.Context())
	if exists(t, client, "orphan") {
		t.Fatal("orphan still there after the quarantine")
	}
	if !exists(t, client, "kept") {
		t.Fatal("a pod on a live node was deleted")
	}
	var failed bool
	for _, a := range client.Actions() {
		if a.GetVerb() == "update" && a.GetSubresource() == "status" {
			pod := a.(interface{ GetObject() runtime.Object }).GetObject().(*corev1.Pod)
			for _, cond := range pod.Status.Conditions {
				failed = failed || (pod.Status.Phase == corev1.PodFailed && cond.Type == corev1.DisruptionTarget && cond.Reason == "DeletionByPodGC")
			}
		}
	}
	if !failed {
		t.Error("the orphan was not marked Failed with DisruptionTarget/DeletionByPodGC first")
	}
}

func TestCollects(t *testing.T) {
	t.Parallel()
	now := metav1.NewTime(t0)
	terminating := func(p *corev1.Pod) *corev1.Pod { p.DeletionTimestamp = &now; return p }
	oos := corev1.Taint{Key: corev1.TaintNodeOutOfService, Effect: corev1.TaintEffectNoExecute}
	tests := []struct {
		name      string
		threshold int
		objs      []runtime.Object
		gone      []string
		kept      []string
	}{
		{
			name: "terminating and never scheduled",
			objs: []runtime.Object{terminating(podOn("p", "", corev1.PodPending, t0))},
			gone: []string{"p"},
		},
		{
			name: "terminating on an out-of-service node that is not ready",
			objs: []runtime.Object{node("n", corev1.ConditionFalse, oos), terminating(podOn("p", "n", corev1.PodRunning, t0)), podOn("q", "n", corev1.PodRunning, t0)},
			gone: []string{"p"}, kept: []string{"q"},
		},
		{
			name: "out-of-service but ready keeps its pods",
			objs: []runtime.Object{node("n", corev1.ConditionTrue, oos), terminating(podOn("p", "n", corev1.PodRunning, t0))},
			kept: []string{"p"},
		},
		{
			name:      "terminated beyond the threshold, oldest first",
			threshold: 1,
			objs: []runtime.Object{node("n", corev1.ConditionTrue),
				podOn("old", "n", corev1.PodSucceeded, t0), podOn("new", "n", corev1.PodFailed, t0.Add(time.Minute)), podOn("running", "n", corev1.PodRunning, t0)},
			gone: []string{"old"}, kept: []string{"new", "running"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, client, _ := newController(t, tt.threshold, tt.objs...)
			c.collect(t.Context())
			for _, name := range tt.gone {
				if exists(t, client, name) {
					t.Errorf("%s was not collected", name)
				}
			}
			for _, name := range tt.kept {
				if !exists(t, client, name) {
					t.Errorf("%s was collected", name)
				}
			}
			if pods, _ := c.pods.List(labels.Everything()); len(pods) == 0 && len(tt.objs) == 0 {
				t.Error("empty fixture")
			}
		})
	}
}
