package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/pki"
	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/scheme"
	"github.com/evictd/evictd/internal/server"
	"github.com/evictd/evictd/pkg/testserver"
)

// readyPod creates a scheduled pod labelled app=web and marks it Running
// and Ready, as a kubelet would.
func readyPod(t testing.TB, client kubernetes.Interface, name string, grace int64) *corev1.Pod {
	t.Helper()
	ctx := context.Background()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: "n1", TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
	}
	p, err := client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if p, err = client.CoreV1().Pods("default").UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	return p
}

// budget creates a PDB over app=web and, when status is non-nil, writes
// its status as the disruption controller would.
func budget(t testing.TB, client kubernetes.Interface, name string, minAvailable intstr.IntOrString, status *policyv1.PodDisruptionBudgetStatus) *policyv1.PodDisruptionBudget {
	t.Helper()
	ctx := context.Background()
	pdb, err := client.PolicyV1().PodDisruptionBudgets("default").Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &minAvailable, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if status == nil {
		return pdb
	}
	pdb.Status = *status
	pdb.Status.ObservedGeneration = pdb.Generation
	if pdb, err = client.PolicyV1().PodDisruptionBudgets("default").UpdateStatus(ctx, pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	return pdb
}

func evictionBody(name string) []byte {
	return []byte(fmt.Sprintf(`{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":%q}}`, name))
}

func TestEvictionWire(t *testing.T) {
	t.Parallel()
	eachBackend(t, testEvictionWire)
}

func testEvictionWire(t *testing.T, backend string) {
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true, Storage: backend})
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	c := newRawClient(t, srv)
	const path = "/api/v1/namespaces/default/pods/%s/eviction"
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		readyPod(t, client, name, 30)
	}
	tests := []struct {
		name, method, pod, contentType, query string
		body                                  []byte
		setup                                 func(t *testing.T)
		code                                  int
		retryAfter                            string
		wantBody                              string // substring
	}{
		{name: "v1 with apiVersion and kind", method: "POST", pod: "a", body: []byte(`{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"a"},"deleteOptions":{"dryRun":["All"]}}`),
			code: 201, wantBody: `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201}`},
		{name: "v1 without apiVersion", method: "POST", pod: "a", body: []byte(`{"metadata":{"name":"a"},"deleteOptions":{"dryRun":["All"]}}`), code: 201},
		{name: "v1beta1 with apiVersion", method: "POST", pod: "a", body: []byte(`{"apiVersion":"policy/v1beta1","kind":"Eviction","metadata":{"name":"a"},"deleteOptions":{"dryRun":["All"]}}`), code: 201},
		{name: "v1 in protobuf", method: "POST", pod: "a", contentType: "application/vnd.kubernetes.protobuf", body: protobufEviction(t, "a"), code: 201},
		{name: "policy/v2 is refused", method: "POST", pod: "a", body: []byte(`{"apiVersion":"policy/v2","kind":"Eviction","metadata":{"name":"a"}}`), code: 400, wantBody: "policy/v2"},
		{name: "name must match", method: "POST", pod: "a", body: evictionBody("b"), code: 400, wantBody: "name in URL does not match name in Eviction object"},
		{name: "name is required", method: "POST", pod: "a", body: []byte(`{"apiVersion":"policy/v1","kind":"Eviction"}`), code: 400, wantBody: "name in URL does not match name in Eviction object"},
		{name: "namespace must match", method: "POST", pod: "a", body: []byte(`{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"a","namespace":"kube-system"}}`), code: 400, wantBody: "does not match the namespace"},
		{name: "GET is not allowed", method: "GET", pod: "a", code: 405},
		{name: "merge PATCH is not allowed", method: "PATCH", pod: "a", contentType: "application/merge-patch+json", body: []byte(`{}`), code: 405},
		{name: "strategic PATCH is not allowed", method: "PATCH", pod: "a", contentType: "application/strategic-merge-patch+json", body: []byte(`{}`), code: 405},
		{name: "json PATCH is not allowed", method: "PATCH", pod: "a", contentType: "application/json-patch+json", body: []byte(`[]`), code: 405},
		{name: "apply PATCH is not allowed", method: "PATCH", pod: "a", contentType: "application/apply-patch+yaml", body: []byte(`{}`), code: 405},
		{name: "missing pod", method: "POST", pod: "nobody", body: evictionBody("nobody"), code: 404, wantBody: `pods \"nobody\" not found`},
		{name: "stale budget: 429 with Retry-After", method: "POST", pod: "b", body: evictionBody("b"),
			setup: func(t *testing.T) { budget(t, client, "fresh", intstr.FromInt32(0), nil) },
			code:  429, retryAfter: "10", wantBody: "The disruption budget fresh is still being processed by the server."},
		{name: "two budgets: 500", method: "POST", pod: "b", body: evictionBody("b"),
			setup: func(t *testing.T) {
				budget(t, client, "second", intstr.FromInt32(0), &policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 5})
			},
			code: 500, wantBody: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."},
		{name: "invalid dryRun: 422", method: "POST", pod: "b", query: "?dryRun=Bogus", body: evictionBody("b"),
			code: 422, wantBody: `CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value`},
		{name: "dry-run mismatch: 500", method: "POST", pod: "b", query: "?dryRun=All", body: []byte(`{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"b"},"deleteOptions":{"dryRun":["foo"]}}`),
			code: 500, wantBody: `"message":"Non-matching dry-run options in request and content: [All] and [foo]","code":500`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup(t)
			}
			ct := tt.contentType
			if ct == "" && tt.body != nil {
				ct = "application/json"
			}
			code, header, body := c.do(t, tt.method, fmt.Sprintf(path, tt.pod)+tt.query, ct, tt.body)
			if code != tt.code {
				t.Fatalf("code %d, want %d: %s", code, tt.code, body)
			}
			if got := header.Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tt.retryAfter)
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("body %s, want it to contain %s", body, tt.wantBody)
			}
		})
	}
}

func TestEvictionBudgetOverHTTP(t *testing.T) {
	t.Parallel()
	eachBackend(t, testEvictionBudgetOverHTTP)
}

func testEvictionBudgetOverHTTP(t *testing.T, backend string) {
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true, Storage: backend})
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	c := newRawClient(t, srv)
	readyPod(t, client, "web-1", 30)
	readyPod(t, client, "web-2", 30)
	budget(t, client, "web-pdb", intstr.FromInt32(1), &policyv1.PodDisruptionBudgetStatus{
		DisruptionsAllowed: 1, CurrentHealthy: 2, DesiredHealthy: 1, ExpectedPods: 2})

	code, _, body := c.do(t, "POST", "/api/v1/namespaces/default/pods/web-1/eviction", "application/json", evictionBody("web-1"))
	if code != 201 {
		t.Fatalf("first eviction: %d %s", code, body)
	}
	code, header, body := c.do(t, "POST", "/api/v1/namespaces/default/pods/web-2/eviction", "application/json", evictionBody("web-2"))
	if code != 429 || header.Get("Retry-After") != "" {
		t.Fatalf("second eviction: %d Retry-After %q: %s", code, header.Get("Retry-After"), body)
	}
	var st metav1.Status
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	if st.Reason != metav1.StatusReasonTooManyRequests || st.Message != "Cannot evict pod as it would violate the pod's disruption budget." ||
		st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0].Type != "DisruptionBudget" ||
		// No controller runs here, so currentHealthy is still 2 > desired 1:
		// the v1.35+ wording for that case has no numbers.
		st.Details.Causes[0].Message != "The disruption budget web-pdb does not allow evicting pods currently" {
		t.Errorf("429 status %+v", st)
	}
	pdb, err := client.PolicyV1().PodDisruptionBudgets("default").Get(t.Context(), "web-pdb", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pdb.Status.DisruptedPods["web-1"]; !ok || pdb.Status.DisruptionsAllowed != 0 {
		t.Errorf("pdb status after eviction: %+v", pdb.Status)
	}
	evicted, err := client.CoreV1().Pods("default").Get(t.Context(), "web-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if evicted.DeletionTimestamp == nil || *evicted.DeletionGracePeriodSeconds != 30 {
		t.Errorf("evicted pod: deletionTimestamp %v grace %v", evicted.DeletionTimestamp, evicted.DeletionGracePeriodSeconds)
	}
}

// TestConcurrentEvictionsNeverOverDisrupt sends 1,000 concurrent evictions
// for 1,000 pods under one budget that allows k: exactly k succeed, the
// others get 429, none a 409 or anything else; on each backend.
func TestConcurrentEvictionsNeverOverDisrupt(t *testing.T) {
	t.Parallel()
	eachBackend(t, testConcurrentEvictionsNeverOverDisrupt)
}

func testConcurrentEvictionsNeverOverDisrupt(t *testing.T, backend string) {
	const pods = 1000
	for _, k := range []int32{0, 1, 3, 50} {
		for _, withController := range []bool{false, true} {
			name := fmt.Sprintf("k=%d/controller=%v", k, withController)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				srv := startServer(t, backend, withController)
				cfg := srv.RESTConfig()
				cfg.QPS, cfg.Burst = -1, -1
				client := kubernetes.NewForConfigOrDie(cfg)
				createReadyPods(t, srv, pods)
				var status *policyv1.PodDisruptionBudgetStatus
				if !withController {
					status = &policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: k, CurrentHealthy: pods, DesiredHealthy: pods - k, ExpectedPods: pods}
				}
				budget(t, client, "pdb", intstr.FromInt32(pods-k), status)
				if withController {
					waitForBudget(t, client, "pdb", k)
				}
				var ok, tooMany, other atomic.Int32
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i := range pods {
					wg.Go(func() {
						<-start
						name := fmt.Sprintf("p-%04d", i)
						err := client.PolicyV1().Evictions("default").Evict(context.Background(), &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}})
						switch {
						case err == nil:
							ok.Add(1)
						case apierrors.IsTooManyRequests(err):
							tooMany.Add(1)
						default:
							other.Add(1)
							t.Errorf("evict %s: %v", name, err)
						}
					})
				}
				close(start)
				wg.Wait()
				if ok.Load() != k || tooMany.Load() != pods-k || other.Load() != 0 {
					t.Fatalf("evicted %d, 429 %d, other %d; want %d, %d, 0", ok.Load(), tooMany.Load(), other.Load(), k, pods-k)
				}
				deleting := 0
				list, err := client.CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{})
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range list.Items {
					if p.DeletionTimestamp != nil {
						deleting++
					}
				}
				if deleting != int(k) {
					t.Errorf("%d pods are being deleted, want %d", deleting, k)
				}
			})
		}
	}
}

// createReadyPods stores n Ready pods directly through the server's pod
// store: setting up 1,000 pods over HTTP would dominate the test's time
// under -race, and it is the evictions that are under test. Writers work
// in parallel so that etcd batches their writes: one at a time, each
// waits for its own raft round, and the set-up alone took 15 s.
func createReadyPods(t *testing.T, srv *server.Server, n int) {
	t.Helper()
	const writers = 16
	pods, _ := srv.API().Store(corev1.SchemeGroupVersion.WithResource("pods"))
	next := make(chan int)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for i := range next {
				if err := createReadyPod(pods, fmt.Sprintf("p-%04d", i)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

// createReadyPod creates a pod labelled app=web on n1, then marks it
// Running and Ready as its kubelet would.
func createReadyPod(pods *store.Store, name string) error {
	p := realisticPod(name, "n1")
	p.Labels = map[string]string{"app": "web"}
	if _, err := pods.Create(context.Background(), p, store.CreateOptions{}); err != nil {
		return err
	}
	_, _, err := pods.Update(context.Background(), "default", p.Name, func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod)
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		return p, nil
	}, store.UpdateOptions{Subresource: "status"})
	return err
}

// startServer starts a server on a fresh store of backend, with or
// without the in-process controllers.
func startServer(t *testing.T, backend string, controllers bool) *server.Server {
	t.Helper()
	bundle, err := pki.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	st := newStorage(t, backend)
	srv, err := server.Start(t.Context(), server.Config{Listen: "127.0.0.1:0", PKI: bundle, Storage: st, Controllers: disruptionOnly(controllers), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		_ = st.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return srv
}

// waitForBudget waits until the disruption controller reports allowed
// disruptions for the current generation.
func waitForBudget(t *testing.T, client kubernetes.Interface, name string, allowed int32) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		pdb, err := client.PolicyV1().PodDisruptionBudgets("default").Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if pdb.Status.ObservedGeneration == pdb.Generation && pdb.Status.DisruptionsAllowed == allowed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("budget status %+v, want %d allowed", pdb.Status, allowed)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEvictionInATerminatingNamespace: NamespaceLifecycle admission refuses
// the eviction with the cause drain retries on.
func TestEvictionInATerminatingNamespace(t *testing.T) {
	t.Parallel()
	eachBackend(t, testEvictionInATerminatingNamespace)
}

func testEvictionInATerminatingNamespace(t *testing.T, backend string) {
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true, Storage: backend})
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	ctx := t.Context()
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "doomed"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "doomed"}, Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c", Image: "i"}}}}
	if _, err := client.CoreV1().Pods("doomed").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The namespace keeps its "kubernetes" finalizer: it stays Terminating.
	if err := client.CoreV1().Namespaces().Delete(ctx, "doomed", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err := client.PolicyV1().Evictions("doomed").Evict(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "doomed"}})
	if !apierrors.IsForbidden(err) || !apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
		t.Fatalf("eviction in a terminating namespace: %v, want 403 with cause %s", err, corev1.NamespaceTerminatingCause)
	}
	if !strings.Contains(err.Error(), `pods "p" is forbidden: unable to create new content in namespace doomed because it is being terminated`) {
		t.Errorf("message %q", err.Error())
	}
	if _, err := client.CoreV1().Pods("doomed").Get(ctx, "p", metav1.GetOptions{}); err != nil {
		t.Errorf("the pod must survive: %v", err)
	}
}

// protobufEviction is a dry-run policy/v1 Eviction in the protobuf
// envelope client-go uses for typed bodies.
func protobufEviction(t *testing.T, name string) []byte {
	t.Helper()
	ev := &policyv1.Eviction{
		TypeMeta:      metav1.TypeMeta{APIVersion: "policy/v1", Kind: "Eviction"},
		ObjectMeta:    metav1.ObjectMeta{Name: name},
		DeleteOptions: &metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}},
	}
	data, err := runtime.Encode(scheme.Protobuf, ev)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// disruptionOnly selects the disruption controller alone when on is true:
// the eviction tests measure the eviction path against the controller
// that rewrites budget status, and nothing else.
func disruptionOnly(on bool) []string {
	if on {
		return []string{"disruption"}
	}
	return nil
}
