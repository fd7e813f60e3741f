package drain_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/drain"
	"github.com/evictd/evictd/pkg/testserver"
)

// events records a drain's events.
type events struct {
	mu  sync.Mutex
	all []drain.Event
}

func (e *events) observe(ev drain.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

func (e *events) of(typ drain.EventType) []drain.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []drain.Event
	for _, ev := range e.all {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// run drains nodes with opts (DefaultOptions changed by set).
func (c *cluster) run(t *testing.T, set func(*drain.Options), nodes ...string) (*drain.Report, *events) {
	t.Helper()
	ev := &events{}
	opts := drain.DefaultOptions()
	opts.Timeout = 30 * time.Second
	opts.Observe = ev.observe
	if set != nil {
		set(&opts)
	}
	return drain.New(c.client, opts).Run(t.Context(), nodes), ev
}

// podReport finds name's report on the node.
func podReport(t *testing.T, n drain.NodeReport, name string) drain.PodReport {
	t.Helper()
	for _, p := range n.Pods {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no report for pod %s on %s: %+v", name, n.Name, n.Pods)
	return drain.PodReport{}
}

func exitCode(err error) int {
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestDrainDone drains a node of a Deployment whose budget lets one pod
// go at a time: every pod is gone, by UID, and pacing kept the budget
// from refusing a single eviction.
func TestDrainDone(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	c.createDeployment(t, "web", 6)
	c.createBudget(t, "web", maxUnavailable(1), 1)
	before := c.podsOn(t, "node-1")
	if len(before) == 0 {
		t.Fatal("no pods on node-1 to drain")
	}
	report, ev := c.run(t, nil, "node-1")
	if err := report.Err(); err != nil {
		t.Fatalf("drain: %v\n%+v", err, report)
	}
	n := report.Nodes[0]
	if n.Outcome != drain.NodeOutcomeDrained || len(n.Pods) != len(before) {
		t.Fatalf("node report %s with %d pods, want Drained with %d", n.Outcome, len(n.Pods), len(before))
	}
	for i := range before {
		p := podReport(t, n, before[i].Name)
		if p.Outcome != drain.PodOutcomeDeleted || p.EvictedAt == nil || p.DeletedAt == nil || p.Method != "eviction/policy/v1" {
			t.Errorf("pod %s: %+v, want Deleted after a policy/v1 eviction", p.Name, p)
		}
		if p.TooManyRequests != 0 {
			t.Errorf("pod %s was refused %d times; pacing should wait for the budget instead", p.Name, p.TooManyRequests)
		}
		if c.exists(t, &before[i]) {
			t.Errorf("pod %s still exists after the drain", before[i].Name)
		}
	}
	if !c.unschedulable(t, "node-1") {
		t.Error("node-1 is not cordoned")
	}
	if len(ev.of(drain.NodeCordoned)) != 1 || len(ev.of(drain.NodeDrained)) != 1 {
		t.Errorf("events: %d cordoned, %d drained; want 1 each", len(ev.of(drain.NodeCordoned)), len(ev.of(drain.NodeDrained)))
	}
	if len(before) > 1 && len(ev.of(drain.PodBlocked)) == 0 {
		t.Error("no pod waited for the budget, yet it allows one disruption at a time")
	}
}

// TestDrainBlockedTimeout: a budget that allows no disruption holds a pod
// until the timeout; the outcome is exit code 2 and a reason that names
// the budget, its counts and the unready pod it waits for.
func TestDrainBlockedTimeout(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 2)
	c.createPod(t, "db-1", "node-1", replicated, labeled("app", "db"))
	c.createPod(t, "db-2", "node-2", replicated, labeled("app", "db"), annotated("sim.evictd.io/never-ready", "true"))
	c.waitRunning(t, "db-1", "db-2")
	c.createBudget(t, "db", minAvailable(1), 0)
	report, ev := c.run(t, func(o *drain.Options) { o.Timeout = 2 * time.Second }, "node-1")
	err := report.Err()
	if got := exitCode(err); got != drain.ExitBlocked {
		t.Fatalf("exit code %d (%v), want %d", got, err, drain.ExitBlocked)
	}
	n := report.Nodes[0]
	p := podReport(t, n, "db-1")
	if n.Outcome != drain.NodeOutcomeBlocked || p.Outcome != drain.PodOutcomeBlocked || p.BlockingPDB != "default/db" {
		t.Fatalf("node %s, pod %+v; want blocked by default/db", n.Outcome, p)
	}
	for _, want := range []string{"PodDisruptionBudget default/db allows 0 disruptions", "1 healthy of the 1 it needs", "not ready: db-2 (Running since"} {
		if !strings.Contains(p.BlockReason, want) {
			t.Errorf("block reason %q does not say %q", p.BlockReason, want)
		}
	}
	blocked := ev.of(drain.PodBlocked)
	if len(blocked) == 0 || !strings.Contains(blocked[0].Message, "not ready: db-2 (Running since") {
		t.Errorf("blocked events %+v: the first does not name the unready pod", blocked)
	}
	if !c.unschedulable(t, "node-1") {
		t.Error("node-1 was uncordoned without --uncordon-on-failure")
	}
}

// TestDrainUncordonOnFailure: the same block with --uncordon-on-failure
// puts the node back into service.
func TestDrainUncordonOnFailure(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	c.createPod(t, "db-1", "node-1", replicated, labeled("app", "db"))
	c.waitRunning(t, "db-1")
	c.createBudget(t, "db", minAvailable(1), 0)
	report, ev := c.run(t, func(o *drain.Options) { o.Timeout = time.Second; o.UncordonOnFailure = true }, "node-1")
	if got := exitCode(report.Err()); got != drain.ExitBlocked {
		t.Fatalf("exit code %d, want %d", got, drain.ExitBlocked)
	}
	if !report.Nodes[0].Uncordoned || c.unschedulable(t, "node-1") || len(ev.of(drain.NodeUncordoned)) != 1 {
		t.Errorf("node-1 not put back: report %v, unschedulable %v", report.Nodes[0].Uncordoned, c.unschedulable(t, "node-1"))
	}
}

// TestDrainError: two budgets over one pod make the server answer 500,
// which drain does not retry: exit code 1.
func TestDrainError(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	c.createPod(t, "web-1", "node-1", replicated, labeled("app", "web"))
	c.createPod(t, "web-2", "node-1", replicated, labeled("app", "web"))
	c.waitRunning(t, "web-1", "web-2")
	// Two budgets over the same pods (minAvailable: maxUnavailable would
	// need the made-up ReplicaSet's scale).
	c.createBudget(t, "web", minAvailable(1), 1)
	c.createBudgetNamed(t, "web-too", "web", minAvailable(1), 1)
	report, _ := c.run(t, nil, "node-1")
	if got := exitCode(report.Err()); got != drain.ExitError {
		t.Fatalf("exit code %d (%v), want %d", got, report.Err(), drain.ExitError)
	}
	p := podReport(t, report.Nodes[0], "web-1")
	if p.Outcome != drain.PodOutcomeFailed || !strings.Contains(p.Error, "more than one PodDisruptionBudget") {
		t.Errorf("pod web-1: %+v, want Failed for two budgets", p)
	}
}

// TestDrainDisableEviction deletes pods even though a budget forbids any
// disruption.
func TestDrainDisableEviction(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	pod := c.createPod(t, "db-1", "node-1", replicated, labeled("app", "db"))
	c.waitRunning(t, "db-1")
	c.createBudget(t, "db", minAvailable(1), 0)
	report, _ := c.run(t, func(o *drain.Options) { o.DisableEviction = true }, "node-1")
	if err := report.Err(); err != nil {
		t.Fatal(err)
	}
	p := podReport(t, report.Nodes[0], "db-1")
	if p.Method != "delete" || p.Outcome != drain.PodOutcomeDeleted || c.exists(t, pod) {
		t.Errorf("pod db-1: %+v, want deleted with DELETE", p)
	}
}

// TestDrainDryRun: client changes nothing and sends nothing but reads;
// server asks the server, which changes nothing either.
func TestDrainDryRun(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	pod := c.createPod(t, "web-1", "node-1", replicated, labeled("app", "web"))
	c.waitRunning(t, "web-1")
	for _, dry := range []drain.DryRun{drain.DryRunClient, drain.DryRunServer} {
		report, _ := c.run(t, func(o *drain.Options) { o.DryRun = dry }, "node-1")
		if err := report.Err(); err != nil {
			t.Fatalf("%s: %v", dry, err)
		}
		n := report.Nodes[0]
		if n.Outcome != drain.NodeOutcomeDryRun || podReport(t, n, "web-1").Outcome != drain.PodOutcomeDryRun {
			t.Errorf("%s: node %s, pods %+v; want DryRun", dry, n.Outcome, n.Pods)
		}
		if c.unschedulable(t, "node-1") || !c.exists(t, pod) {
			t.Errorf("%s: the dry run cordoned the node or evicted the pod", dry)
		}
	}
}

// TestDrainSkipWaitForDeleteTimeout stops waiting for a pod whose grace
// ran out long ago (a finalizer keeps it here).
func TestDrainSkipWaitForDeleteTimeout(t *testing.T) {
	t.Parallel()
	c := startCluster(t, 1)
	pod := c.createPod(t, "stuck", "node-1", replicated, func(p *corev1.Pod) { p.Finalizers = []string{"example.com/keep"} })
	c.waitRunning(t, "stuck")
	report, _ := c.run(t, func(o *drain.Options) { o.SkipWaitForDeleteTimeoutSeconds = 1; o.GracePeriodSeconds = 0 }, "node-1")
	if err := report.Err(); err != nil {
		t.Fatal(err)
	}
	if p := podReport(t, report.Nodes[0], "stuck"); p.Outcome != drain.PodOutcomeSkipped {
		t.Errorf("pod stuck: %+v, want SkippedWaitForDelete", p)
	}
	c.removeFinalizers(t, pod)
}

// TestDrainHonoursRetryAfter: a budget the disruption controller has not
// processed makes the server answer 429 with Retry-After 10 for a pod the
// drain does not pace (not Ready); the drain waits what the server says,
// counts the 429 in the report, and evicts once the budget is processed.
func TestDrainHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{Nodes: 1, WithoutControllers: true})
	c := &cluster{srv: srv, client: kubernetes.NewForConfigOrDie(srv.RESTConfig())}
	c.eventually(t, "node-1", func(ctx context.Context) (bool, error) {
		_, err := c.client.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{})
		return err == nil, nil
	})
	c.createPod(t, "db-1", "node-1", replicated, labeled("app", "db"), annotated("sim.evictd.io/never-ready", "true"))
	c.waitRunning(t, "db-1")
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: ns},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt(0)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}}}
	pdb, err := c.client.PolicyV1().PodDisruptionBudgets(ns).Create(t.Context(), pdb, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	refused := make(chan struct{})
	var once sync.Once
	done := make(chan *drain.Report, 1)
	go func() {
		opts := drain.DefaultOptions()
		opts.Timeout = time.Minute
		opts.Observe = func(e drain.Event) {
			if e.Type == drain.PodBlocked {
				once.Do(func() { close(refused) })
			}
		}
		done <- drain.New(c.client, opts).Run(t.Context(), []string{"node-1"})
	}()
	select {
	case <-refused:
	case r := <-done:
		t.Fatalf("drain ended before any refusal: %+v", r)
	}
	// Play the disruption controller: the budget is processed and met.
	pdb.Status = policyv1.PodDisruptionBudgetStatus{ObservedGeneration: pdb.Generation, DisruptionsAllowed: 1, ExpectedPods: 1}
	if _, err := c.client.PolicyV1().PodDisruptionBudgets(ns).UpdateStatus(t.Context(), pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	report := <-done
	if err := report.Err(); err != nil {
		t.Fatal(err)
	}
	p := podReport(t, report.Nodes[0], "db-1")
	if p.TooManyRequests != 1 || p.Attempts != 2 || p.First429 == nil || p.EvictedAt == nil || p.Outcome != drain.PodOutcomeDeleted {
		t.Fatalf("pod report %+v, want one 429, two attempts, deleted", p)
	}
	if waited := p.EvictedAt.Sub(*p.First429); waited < 10*time.Second {
		t.Errorf("retried %v after the 429, before its Retry-After of 10 s", waited)
	}
	if want := "PodDisruptionBudget default/db: The disruption budget db is still being processed by the server. (the server asks to retry in 10s)"; p.BlockReason != want {
		t.Errorf("block reason %q, want %q", p.BlockReason, want)
	}
}
