package nodelifecycle

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

var t0 = time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)

type fixture struct {
	t      *testing.T
	ctx    context.Context
	client *fake.Clientset
	clock  *clocktesting.FakeClock
	events *record.FakeRecorder
	c      *Controller
}

func newFixture(t *testing.T, objs ...runtime.Object) *fixture {
	t.Helper()
	client := fake.NewClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	f := &fixture{t: t, ctx: t.Context(), client: client, clock: clocktesting.NewFakeClock(t0), events: record.NewFakeRecorder(100)}
	c, err := New(client, factory, f.events, f.clock, Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f.c = c
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop); factory.Shutdown(); c.noSchedule.ShutDown() })
	factory.Start(stop)
	if !cache.WaitForCacheSync(t.Context().Done(), c.synced...) {
		t.Fatal("caches never synced")
	}
	return f
}

func readyNode(name, zone string, heartbeat time.Time) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelTopologyZone: zone}},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			LastHeartbeatTime: metav1.NewTime(heartbeat), LastTransitionTime: metav1.NewTime(heartbeat),
		}}},
	}
}

func readyPod(name, node string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       corev1.PodSpec{NodeName: node},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
			{Type: corev1.PodReady, Status: corev1.ConditionTrue},
		}},
	}
}

func lease(node string, renew time.Time) *coordinationv1.Lease {
	t := metav1.NewMicroTime(renew)
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: node, Namespace: corev1.NamespaceNodeLease},
		Spec:       coordinationv1.LeaseSpec{RenewTime: &t},
	}
}

// eventually polls cond (informer caches catch up asynchronously).
func (f *fixture) eventually(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// renew renews the node's lease now, and waits for the cache to see it.
func (f *fixture) renew(node string) {
	f.t.Helper()
	l := lease(node, f.clock.Now())
	if _, err := f.client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Update(f.ctx, l, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
	f.eventually("lease in cache", func() bool { return f.c.leaseRenewTime(node).Equal(f.clock.Now()) })
}

func (f *fixture) node(name string) *corev1.Node {
	f.t.Helper()
	n, err := f.client.CoreV1().Nodes().Get(f.ctx, name, metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// cached waits until the informer has the node's latest version.
func (f *fixture) cached(name string) {
	f.t.Helper()
	want := f.node(name)
	f.eventually("node "+name+" in cache", func() bool {
		n, err := f.c.nodes.Get(name)
		// The fake clientset keeps no resourceVersions: compare objects.
		return err == nil && equality.Semantic.DeepEqual(n, want)
	})
}

func readyStatus(n *corev1.Node) corev1.ConditionStatus {
	if c := condition(n, corev1.NodeReady); c != nil {
		return c.Status
	}
	return ""
}

func TestSilentNodeGoesUnknownAndIsTainted(t *testing.T) {
	t.Parallel()
	// A healthy node in another zone: with every zone down, upstream stops
	// tainting altogether.
	f := newFixture(t, readyNode("n1", "a", t0), readyPod("p1", "n1"), readyNode("ok", "b", t0), lease("ok", t0))
	f.c.monitorNodes(f.ctx)
	if got := readyStatus(f.node("n1")); got != corev1.ConditionTrue {
		t.Fatalf("Ready = %s right after a heartbeat, want True", got)
	}

	f.clock.Step(DefaultGracePeriod) // exactly at the grace: still alive
	f.renew("ok")
	f.c.monitorNodes(f.ctx)
	if got := readyStatus(f.node("n1")); got != corev1.ConditionTrue {
		t.Fatalf("Ready = %s at the grace period, want True", got)
	}
	f.clock.Step(time.Second)
	f.renew("ok")
	f.c.monitorNodes(f.ctx)
	n := f.node("n1")
	if c := condition(n, corev1.NodeReady); c.Status != corev1.ConditionUnknown || c.Reason != "NodeStatusUnknown" || c.Message != "Kubelet stopped posting node status." {
		t.Fatalf("Ready after the grace = %+v, want Unknown/NodeStatusUnknown", c)
	}
	for _, typ := range []corev1.NodeConditionType{corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure} {
		if c := condition(n, typ); c == nil || c.Status != corev1.ConditionUnknown || c.Reason != "NodeStatusNeverUpdated" {
			t.Errorf("%s = %+v, want Unknown/NodeStatusNeverUpdated", typ, c)
		}
	}
	pod, _ := f.client.CoreV1().Pods("default").Get(f.ctx, "p1", metav1.GetOptions{})
	if c := podCondition(pod, corev1.PodReady); c.Status != corev1.ConditionFalse {
		t.Errorf("pod Ready = %s, want False", c.Status)
	}
	if got := <-f.events.Events; got != "Normal NodeNotReady Node n1 status is now: NodeNotReady" {
		t.Errorf("event = %q", got)
	}

	// The next pass queues the node; the zone's limiter taints it.
	f.cached("n1")
	f.c.monitorNodes(f.ctx)
	f.c.taintNoExecute(f.ctx)
	n = f.node("n1")
	if !hasTaint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute) {
		t.Fatalf("taints = %+v, want unreachable:NoExecute", n.Spec.Taints)
	}
}

func TestLeaseRenewalKeepsANodeAlive(t *testing.T) {
	t.Parallel()
	f := newFixture(t, readyNode("n1", "a", t0), lease("n1", t0))
	f.c.monitorNodes(f.ctx)
	for range 4 { // 120 s without a status heartbeat, a lease every 30 s
		f.clock.Step(30 * time.Second)
		f.renew("n1")
		f.c.monitorNodes(f.ctx)
	}
	if got := readyStatus(f.node("n1")); got != corev1.ConditionTrue {
		t.Fatalf("Ready = %s with a renewed lease, want True", got)
	}
}

func TestNoScheduleTaintsMirrorConditions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*corev1.Node)
		want []string
	}{
		{name: "ready and schedulable", edit: func(*corev1.Node) {}},
		{name: "cordoned", edit: func(n *corev1.Node) { n.Spec.Unschedulable = true }, want: []string{corev1.TaintNodeUnschedulable}},
		{name: "not ready", edit: func(n *corev1.Node) { n.Status.Conditions[0].Status = corev1.ConditionFalse }, want: []string{corev1.TaintNodeNotReady}},
		{name: "unknown and memory pressure", edit: func(n *corev1.Node) {
			n.Status.Conditions[0].Status = corev1.ConditionUnknown
			n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionTrue})
		}, want: []string{corev1.TaintNodeUnreachable, corev1.TaintNodeMemoryPressure}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			node := readyNode("n1", "a", t0)
			node.Spec.Taints = []corev1.Taint{{Key: "user", Effect: corev1.TaintEffectNoSchedule}}
			tt.edit(node)
			f := newFixture(t, node)
			if err := f.c.mirrorNoSchedule(f.ctx, "n1"); err != nil {
				t.Fatal(err)
			}
			got := f.node("n1")
			if keys := taintKeys(got, corev1.TaintEffectNoSchedule, managedNoSchedule); !equalStrings(keys, tt.want) {
				t.Errorf("managed NoSchedule taints = %v, want %v", keys, tt.want)
			}
			if !hasTaint(got, "user", corev1.TaintEffectNoSchedule) {
				t.Errorf("the user's taint was dropped: %+v", got.Spec.Taints)
			}
		})
	}
}

func TestReadyAgainLosesNoExecuteTaint(t *testing.T) {
	t.Parallel()
	node := readyNode("n1", "a", t0)
	added := metav1.NewTime(t0)
	node.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute, TimeAdded: &added}}
	f := newFixture(t, node)
	f.c.monitorNodes(f.ctx)
	if n := f.node("n1"); len(n.Spec.Taints) != 0 {
		t.Fatalf("taints = %+v, want none on a Ready node", n.Spec.Taints)
	}
}

func TestZoneRateLimitsTainting(t *testing.T) {
	t.Parallel()
	var objs []runtime.Object
	for _, name := range []string{"n1", "n2", "n3"} {
		n := readyNode(name, "a", t0)
		n.Status.Conditions[0].Status = corev1.ConditionFalse
		objs = append(objs, n)
	}
	objs = append(objs, readyNode("ok", "b", t0)) // another zone stays healthy
	f := newFixture(t, objs...)
	f.c.monitorNodes(f.ctx)
	f.c.taintNoExecute(f.ctx)
	tainted := func() int {
		n := 0
		for _, name := range []string{"n1", "n2", "n3"} {
			if hasTaint(f.node(name), corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute) {
				n++
			}
		}
		return n
	}
	if got := tainted(); got != 1 {
		t.Fatalf("%d nodes tainted at once, want 1 (burst 1)", got)
	}
	f.clock.Step(10 * time.Second) // 0.1 nodes/s: one more token
	f.c.taintNoExecute(f.ctx)
	if got := tainted(); got != 2 {
		t.Fatalf("%d nodes tainted after 10 s, want 2", got)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	c := &Controller{opts: Options{}}
	c.opts.defaults()
	T, F, U := corev1.ConditionTrue, corev1.ConditionFalse, corev1.ConditionUnknown
	tests := []struct {
		name     string
		statuses []corev1.ConditionStatus
		want     zoneState
	}{
		{name: "all ready", statuses: []corev1.ConditionStatus{T, T, T}, want: stateNormal},
		{name: "none ready", statuses: []corev1.ConditionStatus{F, U}, want: stateFullDisruption},
		{name: "two of three down is not enough nodes", statuses: []corev1.ConditionStatus{F, U, T}, want: stateNormal},
		{name: "three of five down", statuses: []corev1.ConditionStatus{F, U, F, T, T}, want: statePartialDisruption},
		{name: "three of six down is under the threshold", statuses: []corev1.ConditionStatus{F, U, F, T, T, T}, want: stateNormal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := c.classify(tt.statuses); got != tt.want {
				t.Errorf("classify(%v) = %s, want %s", tt.statuses, got, tt.want)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
