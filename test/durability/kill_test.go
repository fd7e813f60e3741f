package durability

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

// evictionClients is how many clients keep evicting the budget's pods.
const evictionClients = 4

// refusalsAfter is how many budget 429s the eviction clients must collect
// after a state is reached before the test takes it as settled: proof
// that they kept asking, and were refused, rather than a wait of some
// length.
const refusalsAfter = 20

// etcdFlags run an API server on the embedded etcd with the disruption
// controller only: no kubelet, scheduler or workload controller changes
// a pod behind the test's back.
var etcdFlags = []string{"--storage=etcd-embedded", "--nodes=0", "--controllers=disruption"}

// TestKillMidDrainEtcdEmbedded is issue 9's durability test: evictd serve
// --storage=etcd-embedded is killed with SIGKILL in the middle of a drain,
// while a writer creates and updates ConfigMaps and eviction clients keep
// posting; it is restarted on the same data directory and port. Then:
//   - every write acknowledged before the kill is there, at its
//     resourceVersion or a later one (the drain's cordon, every accepted
//     eviction, every ConfigMap write);
//   - every resourceVersion the restarted server hands out is greater than
//     every one seen before the kill;
//   - a watch from the last resourceVersion seen before the kill delivers
//     the writes after it, or answers 410 and a relist has them; an
//     informer started before the kill ends with a cache equal to a list;
//   - the backups docs/storage.md describes work: a copy of the data
//     directory of the killed server starts with every write acknowledged
//     before the kill; etcdctl's snapshot of the running member is whole
//     and holds the objects;
//   - no budget is ever over-disrupted: budgetPods−minAvailable pods are
//     evicted over both lifetimes, never more, and once the budget is
//     relaxed by one after the restart, exactly one more; the drain run
//     again after the restart evicts nothing.
//
// It is run at two moments of the drain: "blocked", once the budget is
// spent and refuses (evictions answered, the drain waiting), and
// "evicting", at the first eviction answered, while the others of its
// batch may be between their budget write and their pod's delete.
func TestKillMidDrainEtcdEmbedded(t *testing.T) {
	t.Parallel()
	for _, moment := range []killMoment{blockedByBudget, firstEviction} {
		t.Run(moment.name, func(t *testing.T) {
			t.Parallel()
			killMidDrain(t, moment)
		})
	}
}

// killMoment is when, in the drain, the server is killed.
type killMoment struct {
	name string
	// reached says whether the moment has come.
	reached func(*evictors, *drainRun) bool
}

var (
	blockedByBudget = killMoment{"blocked", func(ev *evictors, d *drainRun) bool {
		return isClosed(ev.blocked()) && d.midway()
	}}
	firstEviction = killMoment{"evicting", func(ev *evictors, _ *drainRun) bool {
		accepted, _, _ := ev.counts()
		return len(accepted) > 0
	}}
)

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func killMidDrain(t *testing.T, moment killMoment) {
	ctx := t.Context()
	dirs, listen := newServeDirs(t), freeListen(t)
	var lifetime atomic.Int32
	lifetime.Store(1)
	first := startServe(t, listen, dirs, etcdFlags...)
	client := kubernetes.NewForConfigOrDie(first.config)
	createCluster(ctx, t, client)

	seen := &rvMax{}
	follow := startFollower(ctx, t, client, seen)
	bg, stopBG := context.WithCancel(ctx)
	writing, stopWriting := context.WithCancel(bg)
	var clients, writers sync.WaitGroup
	t.Cleanup(func() { stopBG(); clients.Wait(); writers.Wait() }) // before the servers stop
	w := newWriter(client, seen, &lifetime)
	writers.Go(func() { w.run(writing) })
	waitAcks(ctx, t, w, 1, acksBeforeKill) // so that there is something to lose
	ev := newEvictors(client, &lifetime)
	for i := range evictionClients {
		clients.Go(func() { ev.run(bg, i) })
	}
	drained := startDrain(ctx, client, nodeName)

	waitMoment(ctx, t, moment, ev, drained)
	first.kill(t)
	drainEvicted, cordoned := drained.stop()
	maxBefore := seen.get()
	backup := newServeDirs(t)
	copyDir(t, dirs.data, backup.data)
	lifetime.Store(2)
	second := startServe(t, listen, dirs, etcdFlags...)
	endpoint := second.etcdEndpoint(t)
	if second.url != first.url {
		t.Fatalf("restarted on %s, not %s", second.url, first.url)
	}
	t.Logf("killed after %d acknowledged writes, highest resourceVersion seen %d; restarted", len(w.acked()), maxBefore)

	checkRevisionsIncrease(ctx, t, client, w, maxBefore)
	checkAcknowledged(ctx, t, client, w, drainEvicted, ev)
	checkCordoned(ctx, t, client, cordoned)
	t.Logf("watch from %d: %s", maxBefore, checkWatchResumes(ctx, t, client, maxBefore, waitAcks(ctx, t, w, 2, 5)))
	stopWriting() // its writes are checked; the budget's part needs no more
	writers.Wait()

	waitRefusals(ctx, t, ev)
	pending := checkBudget(ctx, t, client, budgetPods-minAvailable)
	relaxBudget(ctx, t, client)
	waitEvicted(ctx, t, client, budgetPods-minAvailable+1-pending)
	waitRefusals(ctx, t, ev)
	redrain(ctx, t, client)
	stopBG()
	clients.Wait()
	checkBudget(ctx, t, client, budgetPods-minAvailable+1)
	follow.checkCaught(ctx, t, client)
	checkSnapshot(ctx, t, endpoint, "/registry/core/configmaps/"+namespace+"/"+probeName)
	if most, least := follow.extremes(); most > budgetPods-minAvailable+1 || least < minAvailable-1 {
		t.Errorf("the informer saw %d pods terminating at once and a budget with %d healthy pods; want at most %d and at least %d",
			most, least, budgetPods-minAvailable+1, minAvailable-1)
	}
	checkBackup(ctx, t, backup, w.acked(), probeName)
	accepted, refused, errs := ev.counts()
	t.Logf("eviction clients: %d pods accepted, %d budget 429s (%s), %d other errors; %d writes acknowledged",
		len(accepted), refused, ev.latencies(), errs, len(w.acked()))
}

// acksBeforeKill is how many writes the writer must have had
// acknowledged before the drain starts, and so before the kill.
const acksBeforeKill = 20

// waitMoment waits for the moment to kill.
func waitMoment(ctx context.Context, t *testing.T, moment killMoment, ev *evictors, d *drainRun) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx, 2*time.Millisecond, waitTimeout, true, func(context.Context) (bool, error) {
		return moment.reached(ev, d), nil
	})
	if err != nil {
		accepted, refused, _ := ev.counts()
		t.Fatalf("the drain never reached the moment %q (%d pods accepted, %d refusals, drain midway: %v): %v",
			moment.name, len(accepted), refused, d.midway(), err)
	}
}

// probeName is the ConfigMap written first after the restart.
const probeName = "probe-after-restart"

// checkRevisionsIncrease: a write to the restarted server, and every
// write it acknowledged to the writer, has a resourceVersion above every
// one seen before the kill; the writer's writes, one after the other,
// have increasing resourceVersions over both lifetimes.
func checkRevisionsIncrease(ctx context.Context, t *testing.T, client kubernetes.Interface, w *writer, maxBefore int64) {
	t.Helper()
	probe, err := client.CoreV1().ConfigMaps(namespace).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: probeName}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("first write after the restart: %v", err)
	}
	if got := rv(t, probe.ResourceVersion); got <= maxBefore {
		t.Errorf("first write after the restart has resourceVersion %d, not above %d seen before the kill", got, maxBefore)
	}
	last := int64(0)
	for _, a := range w.acked() {
		got := rv(t, a.rv)
		if a.lifetime == 2 && got <= maxBefore {
			t.Errorf("restarted server acknowledged %s at %d, not above %d seen before the kill", a.name, got, maxBefore)
		}
		if got <= last {
			t.Errorf("writer's %s acknowledged at %d after a write at %d", a.name, got, last)
		}
		last = got
	}
}

// checkAcknowledged: every acknowledged write of the first lifetime is
// there — each ConfigMap at its resourceVersion (or a later one, from a
// write whose answer the kill cut) with its data, the drain's cordon, and
// every eviction answered 201 (the pod terminating, stamped
// DisruptionTarget by the Eviction API).
func checkAcknowledged(ctx context.Context, t *testing.T, client kubernetes.Interface, w *writer, drainEvicted map[string]bool, ev *evictors) {
	t.Helper()
	acked := w.latest() // before the list: the writer goes on meanwhile
	list, err := client.CoreV1().ConfigMaps(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]corev1.ConfigMap{}
	for _, cm := range list.Items {
		stored[cm.Name] = cm
	}
	for name, a := range acked {
		cm, ok := stored[name]
		switch {
		case !ok:
			t.Errorf("ConfigMap %s acknowledged at %s (lifetime %d) is gone", name, a.rv, a.lifetime)
		case rv(t, cm.ResourceVersion) < rv(t, a.rv):
			t.Errorf("ConfigMap %s is at %s, older than its acknowledged %s", name, cm.ResourceVersion, a.rv)
		case cm.ResourceVersion == a.rv && cm.Data["v"] != a.data:
			t.Errorf("ConfigMap %s at %s holds %q, acknowledged %q", name, a.rv, cm.Data["v"], a.data)
		}
	}
	accepted, _, _ := ev.counts()
	for pod := range drainEvicted {
		accepted[pod[len(namespace)+1:]] = true
	}
	for name := range accepted {
		pod, err := client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Errorf("pod %s, whose eviction was accepted: %v", name, err)
			continue
		}
		if pod.DeletionTimestamp == nil || !evictedByAPI(pod) {
			t.Errorf("pod %s, whose eviction was accepted, is not terminating with DisruptionTarget/EvictionByEvictionAPI: %+v",
				name, pod.Status.Conditions)
		}
	}
}

// checkCordoned: the drain's cordon, acknowledged before the kill, holds.
func checkCordoned(ctx context.Context, t *testing.T, client kubernetes.Interface, cordoned bool) {
	t.Helper()
	node, err := client.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cordoned && !node.Spec.Unschedulable {
		t.Errorf("node %s is schedulable again: the drain's acknowledged cordon was lost", nodeName)
	}
}

// waitAcks waits until the writer has at least n writes acknowledged in
// lifetime and returns them.
func waitAcks(ctx context.Context, t *testing.T, w *writer, lifetime int32, n int) []ack {
	t.Helper()
	var got []ack
	err := wait.PollUntilContextTimeout(ctx, 10*time.Millisecond, waitTimeout, true, func(context.Context) (bool, error) {
		got = got[:0]
		for _, a := range w.acked() {
			if a.lifetime == lifetime {
				got = append(got, a)
			}
		}
		return len(got) >= n, nil
	})
	if err != nil {
		t.Fatalf("the writer has %d writes acknowledged in lifetime %d, want %d: %v", len(got), lifetime, n, err)
	}
	return got
}
