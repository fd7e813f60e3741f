package tainteviction

import (
	"io"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)

func taintedNode(added *time.Time) *corev1.Node {
	taint := corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}
	if added != nil {
		taint.TimeAdded = &metav1.Time{Time: *added}
	}
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Spec: corev1.NodeSpec{Taints: []corev1.Taint{taint}}}
}

func pod(tolerations ...corev1.Toleration) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", UID: "u1"},
		Spec:       corev1.PodSpec{NodeName: "n1", Tolerations: tolerations},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
}

func tolerate(seconds *int64) corev1.Toleration {
	return corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: seconds}
}

func TestDue(t *testing.T) {
	t.Parallel()
	added := t0.Add(-100 * time.Second)
	tests := []struct {
		name      string
		node      *corev1.Node
		pod       *corev1.Pod
		wantEvict bool
		wantDue   time.Time
	}{
		{name: "no taint", node: &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, pod: pod()},
		{name: "not tolerated: at once", node: taintedNode(&added), pod: pod(), wantEvict: true, wantDue: t0},
		{name: "tolerated for ever", node: taintedNode(&added), pod: pod(tolerate(nil))},
		{name: "tolerated 300 s from timeAdded", node: taintedNode(&added), pod: pod(tolerate(ptr.To[int64](300))), wantEvict: true, wantDue: added.Add(300 * time.Second)},
		{name: "shortest of two tolerations", node: taintedNode(&added), pod: pod(tolerate(ptr.To[int64](300)), tolerate(ptr.To[int64](60))), wantEvict: true, wantDue: added.Add(60 * time.Second)},
		{name: "no timeAdded counts from first sight", node: taintedNode(nil), pod: pod(tolerate(ptr.To[int64](30))), wantEvict: true, wantDue: t0.Add(30 * time.Second)},
		{name: "tolerating everything", node: taintedNode(&added), pod: pod(corev1.Toleration{Operator: corev1.TolerationOpExists})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &Controller{clock: clocktesting.NewFakeClock(t0), firstSeen: map[string]time.Time{}}
			due, evict := c.due(tt.node, tt.pod)
			if evict != tt.wantEvict || !due.Equal(tt.wantDue) {
				t.Errorf("due = %v, %v; want %v, %v", due, evict, tt.wantDue, tt.wantEvict)
			}
		})
	}
}

func TestEvictsWhenTolerationRunsOut(t *testing.T) {
	t.Parallel()
	added := t0
	client := fake.NewClientset(taintedNode(&added), pod(tolerate(ptr.To[int64](300))))
	factory := informers.NewSharedInformerFactory(client, 0)
	clk := clocktesting.NewFakeClock(t0)
	events := record.NewFakeRecorder(10)
	c, err := New(client, factory, events, clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop); factory.Shutdown(); c.queue.ShutDown() })
	factory.Start(stop)
	cache.WaitForCacheSync(stop, c.synced...)
	ctx := t.Context()

	if err := c.sync(ctx, "default/p"); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Pods("default").Get(ctx, "p", metav1.GetOptions{}); err != nil {
		t.Fatalf("pod gone before its toleration ran out: %v", err)
	}
	clk.Step(300 * time.Second)
	if err := c.sync(ctx, "default/p"); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Pods("default").Get(ctx, "p", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("pod still there after its toleration ran out: %v", err)
	}
	if got := <-events.Events; got != "Normal TaintManagerEviction Marking for deletion Pod default/p" {
		t.Errorf("event = %q", got)
	}
	var sawCondition bool
	for _, a := range client.Actions() {
		if a.GetVerb() == "update" && a.GetSubresource() == "status" {
			p := a.(k8stesting.UpdateAction).GetObject().(*corev1.Pod)
			for _, cond := range p.Status.Conditions {
				sawCondition = sawCondition || (cond.Type == corev1.DisruptionTarget && cond.Reason == "DeletionByTaintManager")
			}
		}
	}
	if !sawCondition {
		t.Error("no DisruptionTarget/DeletionByTaintManager condition was written before the delete")
	}
}
