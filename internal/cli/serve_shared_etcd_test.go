package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/evictd/evictd/internal/storage/etcd"
)

// sharedPods is the size of each budget in TestTwoServersShareEtcd: as
// many evictions are sent at once, half through each server.
const sharedPods = 1000

// TestTwoServersShareEtcd runs two API servers on one etcd
// (--etcd-servers), the disruption controller in one of them under
// leader election, and for each k sends every one of 1,000 Ready pods
// under a budget allowing k an eviction at once, alternately through
// both servers: the budget's compare-and-swap is decided in etcd, so
// exactly k are let through (201) whichever server each reached, and
// every other one gets the budget's 429. The cases share the two
// servers, one namespace each, and run one after the other: 1,000
// evictions at a time is the load under test.
func TestTwoServersShareEtcd(t *testing.T) {
	t.Parallel()
	e, err := etcd.StartEmbedded(t.Context(), etcd.EmbeddedConfig{Dir: t.TempDir(), UnsafeNoFsync: true, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	endpoint := "http://" + e.Endpoint()
	clients := []kubernetes.Interface{serveOnEtcd(t, endpoint, "a", "disruption"), serveOnEtcd(t, endpoint, "b", "false")}

	for _, tc := range []struct {
		name   string
		k      int
		budget policyv1.PodDisruptionBudgetSpec
	}{
		{"k=0 minAvailable", 0, policyv1.PodDisruptionBudgetSpec{MinAvailable: new(intstr.FromInt32(sharedPods))}},
		{"k=1 maxUnavailable", 1, policyv1.PodDisruptionBudgetSpec{MaxUnavailable: new(intstr.FromInt32(1))}},
		{"k=3 minAvailable", 3, policyv1.PodDisruptionBudgetSpec{MinAvailable: new(intstr.FromInt32(sharedPods - 3))}},
		{"k=50 maxUnavailable", 50, policyv1.PodDisruptionBudgetSpec{MaxUnavailable: new(intstr.FromInt32(50))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := fmt.Sprintf("k%d", tc.k)
			started := time.Now()
			readyPods(t, clients, ns, sharedPods)
			tc.budget.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
			waitForBudget(t, clients, ns, tc.budget, int32(tc.k))
			set := time.Since(started)

			started = time.Now()
			codes := evictAll(t, clients, ns, sharedPods)
			if codes[http.StatusCreated] != tc.k || codes[http.StatusTooManyRequests] != sharedPods-tc.k {
				t.Errorf("%d evictions through two servers: %v (by status code); want %d × 201 and %d × 429",
					sharedPods, codes, tc.k, sharedPods-tc.k)
			}
			pods, err := clients[1].CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			deleting := 0
			for _, p := range pods.Items {
				if p.DeletionTimestamp != nil {
					deleting++
				}
			}
			if deleting != tc.k {
				t.Errorf("%d pods have a deletionTimestamp; want %d", deleting, tc.k)
			}
			t.Logf("k=%d: set-up %v, %d evictions %v", tc.k, set.Round(time.Millisecond), sharedPods, time.Since(started).Round(time.Millisecond))
		})
	}
}

// serveOnEtcd runs `evictd serve` on the etcd at endpoint until t ends,
// with the components named, and returns a client without client-go's
// default rate limit (5 QPS, burst 10), which would make a thousand
// requests take minutes.
func serveOnEtcd(t *testing.T, endpoint, name, controllers string) kubernetes.Interface {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	kubeconfig := filepath.Join(dir, "kubeconfig")
	startServe(t, []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"),
		"--kubeconfig-out", kubeconfig, "--nodes", "0", "--controllers", controllers, "--etcd-servers", endpoint})
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = 10000, 10000
	// Protobuf, as kube-controller-manager speaks: a fraction of JSON's
	// cost in both processes, which matters under -race.
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	return kubernetes.NewForConfigOrDie(cfg)
}

// readyPods creates namespace ns, a ReplicaSet of n replicas (a budget
// with maxUnavailable needs the pods' controller for its scale; no
// ReplicaSet controller runs, so nothing else creates pods) and n Ready
// pods it controls, written through the servers in turn by a pool of
// workers.
func readyPods(t *testing.T, clients []kubernetes.Interface, ns string, n int) {
	t.Helper()
	ctx := t.Context()
	if _, err := clients[0].CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{"app": "web"}
	template := corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec:       corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
	}
	rs, err := clients[0].AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       appsv1.ReplicaSetSpec{Replicas: new(int32(n)), Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: template},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	owner := *metav1.NewControllerRef(rs, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))

	// 64 workers keep both servers busy without queueing in their flow
	// control; errors are collected, as t.Fatal may not run off the test's
	// goroutine.
	const workers = 64
	names := make(chan int)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		c := clients[w%len(clients)]
		wg.Go(func() {
			for i := range names {
				if err := readyPod(ctx, c, ns, fmt.Sprintf("web-%d", i), template, owner); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	go func() {
		defer close(names)
		for i := range n {
			select {
			case names <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		t.Fatalf("creating %d Ready pods in %s: %v", n, ns, err)
	}
}

// readyPod creates a pod from template, controlled by owners, and reports it Running and Ready,
// as its kubelet would: a create ignores the status.
func readyPod(ctx context.Context, c kubernetes.Interface, ns, name string, template corev1.PodTemplateSpec, owners ...metav1.OwnerReference) error {
	pod, err := c.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: template.Labels, OwnerReferences: owners},
		Spec:       template.Spec,
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	pod.Status.Phase = corev1.PodRunning
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if _, err := c.CoreV1().Pods(ns).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("ready %s: %w", name, err)
	}
	return nil
}

// waitForBudget creates the budget "web" in ns, written through the
// server without the controller, and waits until the controller (in the
// other) has computed its status over every pod: allowed disruptions.
func waitForBudget(t *testing.T, clients []kubernetes.Interface, ns string, spec policyv1.PodDisruptionBudgetSpec, allowed int32) {
	t.Helper()
	ctx := t.Context()
	if _, err := clients[1].PolicyV1().PodDisruptionBudgets(ns).Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: spec}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var last policyv1.PodDisruptionBudgetStatus
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		pdb, err := clients[1].PolicyV1().PodDisruptionBudgets(ns).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = pdb.Status
		return pdb.Status.ObservedGeneration == pdb.Generation && pdb.Status.ExpectedPods == sharedPods &&
			pdb.Status.CurrentHealthy == sharedPods && pdb.Status.DisruptionsAllowed == allowed, nil
	})
	if err != nil {
		t.Fatalf("the budget in %s never allowed %d disruptions of %d healthy pods: %v; last status %+v", ns, allowed, sharedPods, err, last)
	}
}

// evictAll sends pods web-0…web-(n-1) in ns an eviction each, all at
// once, alternately through the servers, and counts the answers by HTTP
// status code. An answer other than 201 or the budget's 429 (upstream's
// message and a DisruptionBudget cause) is counted under -1 and reported.
func evictAll(t *testing.T, clients []kubernetes.Interface, ns string, n int) map[int]int {
	t.Helper()
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			name := fmt.Sprintf("web-%d", i)
			var code int
			err := clients[i%len(clients)].PolicyV1().RESTClient().Post().AbsPath("/api/v1").Namespace(ns).Resource("pods").Name(name).SubResource("eviction").
				Body(&policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}).
				Do(t.Context()).StatusCode(&code).Error()
			if code == http.StatusTooManyRequests && !isBudget429(err) {
				code = -1
			}
			if code != http.StatusCreated && code != http.StatusTooManyRequests {
				t.Errorf("evict %s/%s: %d %v", ns, name, code, err)
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return codes
}

// isBudget429 tells a budget's refusal from a flow-control 429.
func isBudget429(err error) bool {
	status, ok := err.(apierrors.APIStatus)
	if !ok || status.Status().Message != "Cannot evict pod as it would violate the pod's disruption budget." {
		return false
	}
	d := status.Status().Details
	return d != nil && len(d.Causes) == 1 && d.Causes[0].Type == policyv1.DisruptionBudgetCause
}
