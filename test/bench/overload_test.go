package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
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
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/pkg/testserver"
)

// overloadShape is how hard TestOverload pushes: clients goroutines, each
// on a connection of its own (as many processes would be), for duration.
type overloadShape struct {
	clients  int
	duration time.Duration
}

// The full run is issue 7's 1,000 clients; -short (and -race) keeps the
// same shape at a fifth of the clients and a third of the time.
var (
	overloadFull  = overloadShape{clients: 1000, duration: 15 * time.Second}
	overloadShort = overloadShape{clients: 200, duration: 5 * time.Second}
)

// lowRateInterval paces the well-behaved client: one write every 200 ms.
const lowRateInterval = 200 * time.Millisecond

// scaleDeadline bounds how long the controllers may take to scale the
// Deployment under the overload (the load lasts until they are done).
const scaleDeadline = 40 * time.Second

// scaledReplicas is what the Deployment is scaled to during the overload:
// its controllers, the scheduler and the kubelets must get it there.
const scaledReplicas = 6

// TestOverload is issue 7's overload test: 1,000 clients on loopback
// hammer the API (a create, a get and every fourth time a list, each
// client as fast as its answers come) well beyond the in-flight limits,
// while a low-rate client writes every 200 ms and a Deployment guarded by
// a PDB is scaled up. It checks that the low-rate client sees no 429, the
// in-process controllers keep working (the Deployment reaches its
// replicas, the PDB status follows them, no watch is dropped), no answer
// is a 5xx and nothing is lost: every create answered 2xx is there and
// every refused one left nothing. It logs the figures docs/benchmarks.md
// quotes.
func TestOverload(t *testing.T) {
	shape := overloadFull
	if testing.Short() || raceEnabled {
		shape = overloadShort
	}
	logs := &logCounter{}
	srv := testserver.StartWith(t, testserver.Options{Nodes: 3, Log: slog.New(logs)})
	ctx := t.Context()
	admin := newCountingClient(srv.RESTConfig())
	steady := setUpSteady(ctx, t, admin.client)
	resetPeakRSS()

	var stop atomic.Bool
	start := time.Now()
	var wg sync.WaitGroup
	heavy := make([]*loadClient, shape.clients)
	for i := range heavy {
		heavy[i] = &loadClient{countingClient: newCountingClient(srv.RESTConfig()), id: i}
		wg.Go(func() { heavy[i].run(ctx, &stop) })
	}
	quiet := &lowRateClient{countingClient: newCountingClient(srv.RESTConfig())}
	wg.Go(func() { quiet.run(ctx, &stop) })

	// The operator scales the Deployment once the load is on, and waits
	// for the controllers to bring it and its budget's status there; the
	// load goes on until then (at most scaleDeadline) and for the whole
	// duration.
	time.Sleep(time.Second)
	reached, err := scaleAndWait(ctx, admin.client, steady, start.Add(scaleDeadline))
	if err != nil {
		t.Errorf("during the overload: %v", err)
	}
	time.Sleep(time.Until(start.Add(shape.duration)))
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(start)

	all := newCounts()
	for _, c := range heavy {
		all.add(c.counts)
	}
	all.add(quiet.counts)
	t.Logf("clients %d for %v: requests tried %d (%.0f/s), codes %s, 5xx %d, panics %d, RSS peak %d MiB (test process: server and clients)",
		shape.clients, elapsed.Round(time.Millisecond), all.total(), float64(all.total())/elapsed.Seconds(),
		all, all.serverErrors(), logs.panics.Load(), peakRSS()>>20)
	t.Logf("low-rate client: %d writes, 429s %d, slowest %v; deployment %d→%d ready and PDB current after %v; dropped watches %d",
		quiet.writes, quiet.code(http.StatusTooManyRequests), quiet.slowest.Round(time.Millisecond),
		2, scaledReplicas, reached.Round(time.Millisecond), logs.droppedWatches.Load())

	if n := quiet.code(http.StatusTooManyRequests); n != 0 {
		t.Errorf("the low-rate client got %d 429s, want 0", n)
	}
	if n := all.serverErrors(); n != 0 {
		t.Errorf("%d 5xx answers, want none", n)
	}
	if n := logs.panics.Load(); n != 0 {
		t.Errorf("%d handler panics logged", n)
	}
	if n := logs.droppedWatches.Load(); n != 0 {
		t.Errorf("%d watches dropped (their clients relisted), want none", n)
	}
	checkNothingLost(context.Background(), t, admin.client, heavy)
}

// countingClient is a clientset on a connection of its own whose every
// HTTP answer is counted by code, below client-go's own 429 retries.
type countingClient struct {
	client kubernetes.Interface
	*counts
}

func newCountingClient(base *rest.Config) *countingClient {
	cfg := rest.CopyConfig(base)
	cfg.QPS = -1 // as fast as the server answers
	// A Dial of its own keeps client-go from sharing one cached transport
	// (and so one HTTP/2 connection) between the clients.
	dialer := &net.Dialer{Timeout: 30 * time.Second}
	cfg.Dial = dialer.DialContext
	c := &countingClient{counts: newCounts()}
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			resp, err := rt.RoundTrip(req)
			if err == nil {
				c.record(resp.StatusCode)
			} else {
				c.record(0)
			}
			return resp, err
		})
	}
	c.client = kubernetes.NewForConfigOrDie(cfg)
	return c
}

// counts tallies HTTP answers by code (0: no answer).
type counts struct {
	mu    sync.Mutex
	codes map[int]int64
}

func newCounts() *counts { return &counts{codes: map[int]int64{}} }

func (c *counts) record(code int) {
	c.mu.Lock()
	c.codes[code]++
	c.mu.Unlock()
}

func (c *counts) code(code int) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.codes[code]
}

func (c *counts) add(o *counts) {
	o.mu.Lock()
	defer o.mu.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, v := range o.codes {
		c.codes[k] += v
	}
}

func (c *counts) total() (n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range c.codes {
		n += v
	}
	return n
}

func (c *counts) serverErrors() (n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, v := range c.codes {
		if k >= 500 || k == 0 {
			n += v
		}
	}
	return n
}

func (c *counts) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	keys := make([]int, 0, len(c.codes))
	for k := range c.codes {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d:%d", k, c.codes[k])
	}
	return strings.Join(parts, " ")
}

// loadNamespace holds the heavy clients' ConfigMaps.
const loadNamespace = "load"

// loadClient is one of the heavy clients: it creates a ConfigMap, reads
// it back and every fourth time lists the namespace, as fast as it can.
type loadClient struct {
	*countingClient
	id int
	// created were answered 2xx; failed got an error (client-go gives up
	// on 429 after 10 retries).
	created, failed []string
}

func (c *loadClient) run(ctx context.Context, stop *atomic.Bool) {
	for i := 0; !stop.Load(); i++ {
		name := fmt.Sprintf("c%d-%d", c.id, i)
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"n": name}}
		if _, err := c.client.CoreV1().ConfigMaps(loadNamespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			c.failed = append(c.failed, name)
			continue
		}
		c.created = append(c.created, name)
		_, _ = c.client.CoreV1().ConfigMaps(loadNamespace).Get(ctx, name, metav1.GetOptions{})
		if i%4 == 0 {
			_, _ = c.client.CoreV1().ConfigMaps(loadNamespace).List(ctx, metav1.ListOptions{Limit: 20})
		}
	}
}

// lowRateClient writes one ConfigMap every lowRateInterval.
type lowRateClient struct {
	*countingClient
	writes  int
	slowest time.Duration
}

func (c *lowRateClient) run(ctx context.Context, stop *atomic.Bool) {
	tick := time.NewTicker(lowRateInterval)
	defer tick.Stop()
	for ; !stop.Load(); <-tick.C {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("quiet-%d", c.writes)}}
		began := time.Now()
		_, _ = c.client.CoreV1().ConfigMaps(metav1.NamespaceDefault).Create(ctx, cm, metav1.CreateOptions{})
		c.slowest = max(c.slowest, time.Since(began))
		c.writes++
	}
}

// setUpSteady creates the load namespace, and a Deployment of 2 replicas
// with a PDB (minAvailable 1) and waits until both are settled.
func setUpSteady(ctx context.Context, t *testing.T, client kubernetes.Interface) *appsv1.Deployment {
	t.Helper()
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: loadNamespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "steady"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "steady"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](2),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}},
			},
		},
	}
	d, err := client.AppsV1().Deployments(metav1.NamespaceDefault).Create(ctx, d, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "steady"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: ptr.To(intstr.FromInt32(1)),
			Selector:     &metav1.LabelSelector{MatchLabels: labels},
		},
	}
	if _, err := client.PolicyV1().PodDisruptionBudgets(metav1.NamespaceDefault).Create(ctx, pdb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := waitSteady(ctx, client, 2, time.Now().Add(30*time.Second)); err != nil {
		t.Fatalf("before the overload: %v", err)
	}
	return d
}

// scaleAndWait scales the Deployment to scaledReplicas and returns how
// long its pods and its PDB's status took to follow.
func scaleAndWait(ctx context.Context, client kubernetes.Interface, d *appsv1.Deployment, deadline time.Time) (time.Duration, error) {
	scale, err := client.AppsV1().Deployments(d.Namespace).GetScale(ctx, d.Name, metav1.GetOptions{})
	if err != nil {
		return 0, err
	}
	scale.Spec.Replicas = scaledReplicas
	if _, err := client.AppsV1().Deployments(d.Namespace).UpdateScale(ctx, d.Name, scale, metav1.UpdateOptions{}); err != nil {
		return 0, err
	}
	return waitSteady(ctx, client, scaledReplicas, deadline)
}

// steadyPoll paces waitSteady: two GETs each time.
const steadyPoll = 100 * time.Millisecond

// waitSteady polls until the Deployment has replicas ready pods and the
// PDB's status counts them (observed its current generation, currentHealthy
// = expectedPods = replicas), or fails at deadline.
func waitSteady(ctx context.Context, client kubernetes.Interface, replicas int32, deadline time.Time) (time.Duration, error) {
	began := time.Now()
	var last string
	for time.Now().Before(deadline) {
		d, derr := client.AppsV1().Deployments(metav1.NamespaceDefault).Get(ctx, "steady", metav1.GetOptions{})
		pdb, perr := client.PolicyV1().PodDisruptionBudgets(metav1.NamespaceDefault).Get(ctx, "steady", metav1.GetOptions{})
		if derr == nil && perr == nil {
			st := pdb.Status
			if d.Status.ReadyReplicas == replicas && st.ObservedGeneration == pdb.Generation &&
				st.CurrentHealthy == replicas && st.ExpectedPods == replicas {
				return time.Since(began), nil
			}
			last = fmt.Sprintf("deployment ready %d, pdb currentHealthy %d expectedPods %d", d.Status.ReadyReplicas, st.CurrentHealthy, st.ExpectedPods)
		}
		time.Sleep(steadyPoll)
	}
	return 0, fmt.Errorf("the deployment and its PDB did not reach %d replicas (%s)", replicas, last)
}

// rootCAConfigMap is the root-ca-cert-publisher's in every namespace.
const rootCAConfigMap = "kube-root-ca.crt"

// checkNothingLost lists the load namespace and compares it with what the
// clients were told: every create answered 2xx is there, and no create
// that failed left an object.
func checkNothingLost(ctx context.Context, t *testing.T, client kubernetes.Interface, clients []*loadClient) {
	t.Helper()
	stored := map[string]bool{}
	opts := metav1.ListOptions{Limit: 500}
	for {
		list, err := client.CoreV1().ConfigMaps(loadNamespace).List(ctx, opts)
		if err != nil {
			t.Fatalf("list the load namespace: %v", err)
		}
		for _, cm := range list.Items {
			if cm.Name != rootCAConfigMap {
				stored[cm.Name] = true
			}
		}
		if opts.Continue = list.Continue; opts.Continue == "" {
			break
		}
	}
	var created, failed, lost, leaked int
	for _, c := range clients {
		created += len(c.created)
		failed += len(c.failed)
		for _, name := range c.created {
			if !stored[name] {
				lost++
			}
		}
		for _, name := range c.failed {
			if stored[name] {
				leaked++
			}
		}
	}
	t.Logf("writes: %d created (2xx), %d refused; %d stored; %d lost, %d left by refused writes", created, failed, len(stored), lost, leaked)
	if lost != 0 || leaked != 0 || len(stored) != created {
		t.Errorf("%d of %d acknowledged creates lost, %d refused creates left an object, %d stored", lost, created, leaked, len(stored))
	}
}

// logCounter is the server's slog handler: it counts handler panics and
// dropped watches and discards the rest.
type logCounter struct {
	panics, droppedWatches atomic.Int64
}

func (l *logCounter) Enabled(context.Context, slog.Level) bool { return true }

func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	switch {
	case r.Level >= slog.LevelError && strings.Contains(r.Message, "panic"):
		l.panics.Add(1)
	case strings.HasPrefix(r.Message, "watch dropped"):
		l.droppedWatches.Add(1)
	}
	return nil
}

func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logCounter) WithGroup(string) slog.Handler      { return l }

// resetPeakRSS restarts the kernel's peak RSS (VmHWM) of this process, so
// the peak read after the load is the load's.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS reads VmHWM of this process in bytes (0 if unknown).
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			_, _ = fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb)
			return kb << 10
		}
	}
	return 0
}
