package plan

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/kubectl/pkg/drain"

	"github.com/evictd/evictd/pkg/testserver"
)

// evictionCounter counts the eviction POSTs answered 429.
type evictionCounter struct {
	rt        http.RoundTripper
	refused   atomic.Int64
	evictions atomic.Int64
}

func (c *evictionCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(req)
	if err == nil && req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/eviction") {
		c.evictions.Add(1)
		if resp.StatusCode == http.StatusTooManyRequests {
			c.refused.Add(1)
		}
	}
	return resp, err
}

// TestPlanAgainstDrain checks the plan against a real drain of the same
// cluster with kubectl's drain library: every wave the plan calls safe is
// drained without a single 429, and every node it calls blocked for good
// stays blocked.
func TestPlanAgainstDrain(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := testserver.StartWith(t, testserver.Options{Nodes: 6})
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	counter := &evictionCounter{}
	cfg := srv.RESTConfig()
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { counter.rt = rt; return counter }
	drainClient := kubernetes.NewForConfigOrDie(cfg)

	// web and api spread freely; frozen (maxUnavailable 0) is pinned to
	// node-1 and stuck (never Ready, minAvailable 1) to node-2.
	workload(t, client, "web", 6, "", map[string]string{annotationReadyAfter: "1s"})
	workload(t, client, "api", 4, "", map[string]string{annotationReadyAfter: "2s"})
	workload(t, client, "frozen", 2, "node-1", nil)
	workload(t, client, "stuck", 2, "node-2", map[string]string{annotationNeverReady: "true"})
	budget(t, client, "web", policyv1.PodDisruptionBudgetSpec{MinAvailable: ptrIntstr(intstr.FromInt32(4))})
	budget(t, client, "api", policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptrIntstr(intstr.FromInt32(2))})
	budget(t, client, "frozen", policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptrIntstr(intstr.FromInt32(0))})
	budget(t, client, "stuck", policyv1.PodDisruptionBudgetSpec{MinAvailable: ptrIntstr(intstr.FromInt32(1))})
	for name, healthy := range map[string]int32{"web": 6, "api": 4, "frozen": 2, "stuck": 0} {
		awaitBudget(t, client, name, func(p *policyv1.PodDisruptionBudget) bool {
			return p.Status.CurrentHealthy == healthy && p.Status.ExpectedPods == map[string]int32{"web": 6, "api": 4, "frozen": 2, "stuck": 2}[name]
		})
	}

	targets := []string{"node-1", "node-2", "node-3", "node-4"}
	p, err := Run(ctx, client, targets, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var text bytes.Buffer
	_ = p.WriteText(&text)
	t.Logf("plan:\n%s", text.String())
	permanent := map[string]bool{}
	for _, b := range p.Blocked {
		permanent[b.Node] = b.Permanent
	}
	if !permanent["node-1"] || !permanent["node-2"] {
		t.Fatalf("node-1 and node-2 should be blocked for good: %+v", p.Blocked)
	}
	if len(p.Waves) == 0 {
		t.Fatal("no wave planned")
	}

	helper := &drain.Helper{Ctx: ctx, Client: drainClient, IgnoreAllDaemonSets: true, DeleteEmptyDirData: true,
		GracePeriodSeconds: -1, Timeout: time.Minute, Out: &bytes.Buffer{}, ErrOut: &syncBuffer{}}
	for _, n := range targets {
		node, err := client.CoreV1().Nodes().Get(ctx, n, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := drain.RunCordonOrUncordon(helper, node, true); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	for _, w := range p.Waves {
		waveStart := time.Now()
		for _, a := range w.Await {
			awaitBudget(t, client, a.Budget, func(pdb *policyv1.PodDisruptionBudget) bool {
				return pdb.Status.ObservedGeneration == pdb.Generation && pdb.Status.DisruptionsAllowed >= a.DisruptionsAllowed &&
					pdb.Status.CurrentHealthy >= a.CurrentHealthy
			})
		}
		before := counter.refused.Load()
		var wg sync.WaitGroup
		errs := make([]error, len(w.Nodes))
		for i, n := range w.Nodes {
			wg.Go(func() { errs[i] = drainNode(helper, n) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("wave %d: drain %s: %v", w.Index, w.Nodes[i], err)
			}
		}
		t.Logf("wave %d: estimated %.0f s (at most %.0f s), awaited and drained in %s", w.Index, w.Estimate.Seconds, w.Estimate.WorstSeconds, time.Since(waveStart).Round(100*time.Millisecond))
		if got := counter.refused.Load() - before; got != 0 {
			t.Errorf("wave %d (%v): %d evictions answered 429, want 0", w.Index, w.Nodes, got)
		}
	}
	t.Logf("%d waves in %s (estimated %.0f s): %d eviction requests, %d answered 429", len(p.Waves), time.Since(start).Round(100*time.Millisecond),
		p.Estimate.Seconds, counter.evictions.Load(), counter.refused.Load())

	// A blocked node stays blocked: a bounded drain times out and the
	// pods the plan names are still there, not deleting.
	bounded := *helper
	bounded.Timeout = 3 * time.Second
	bounded.EvictErrorRetryDelay = 500 * time.Millisecond
	for _, b := range p.Blocked {
		if !b.Permanent {
			continue
		}
		if err := drainNode(&bounded, b.Node); err == nil {
			t.Errorf("drain of blocked %s succeeded", b.Node)
		}
		for _, r := range b.Reasons {
			if r.Code == ReasonNeedsRetries {
				continue // those pods go, through retries
			}
			pod, err := client.CoreV1().Pods(r.Namespace).Get(ctx, r.Pod, metav1.GetOptions{})
			if err != nil || pod.DeletionTimestamp != nil {
				t.Errorf("blocked %s: pod %s/%s went (%v)", b.Node, r.Namespace, r.Pod, err)
			}
		}
	}
	// The blocked drains were refused: the counter sees 429s when they come.
	if counter.refused.Load() == 0 {
		t.Error("the drains of blocked nodes drew no 429: the counter does not count")
	}
}

func drainNode(h *drain.Helper, node string) error {
	list, errs := h.GetPodsForDeletion(node)
	if len(errs) > 0 {
		return errs[0]
	}
	return h.DeleteOrEvictPods(list.Pods())
}

// syncBuffer is a bytes.Buffer safe for the drain's concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func ptrIntstr(v intstr.IntOrString) *intstr.IntOrString { return &v }

func workload(t *testing.T, client kubernetes.Interface, name string, replicas int32, onNode string, annotations map[string]string) {
	t.Helper()
	l := map[string]string{"app": name}
	spec := corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}
	if onNode != "" {
		spec.NodeSelector = map[string]string{"kubernetes.io/hostname": onNode}
	}
	_, err := client.AppsV1().Deployments("default").Create(t.Context(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: l},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: l, Annotations: annotations}, Spec: spec}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

func budget(t *testing.T, client kubernetes.Interface, name string, spec policyv1.PodDisruptionBudgetSpec) {
	t.Helper()
	spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}
	if _, err := client.PolicyV1().PodDisruptionBudgets("default").Create(t.Context(), &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// awaitBudget polls the budget until ok, for at most 60 s.
func awaitBudget(t *testing.T, client kubernetes.Interface, name string, ok func(*policyv1.PodDisruptionBudget) bool) {
	t.Helper()
	var last *policyv1.PodDisruptionBudget
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := client.PolicyV1().PodDisruptionBudgets("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = p
		return ok(p), nil
	})
	if err != nil {
		t.Fatalf("budget %s: %v (status %+v)", name, err, last.Status)
	}
}
