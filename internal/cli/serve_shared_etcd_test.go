package cli

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/storage/etcd"
)

// TestTwoServersShareEtcd runs two API servers on one etcd
// (--etcd-servers), the disruption controller in one of them, and sends
// every pod of a budget an eviction at once through both: the budget's
// compare-and-swap in etcd lets exactly disruptionsAllowed of them
// through, whichever server each one reached.
func TestTwoServersShareEtcd(t *testing.T) {
	t.Parallel()
	const pods, minAvailable = 6, 4
	e, err := etcd.StartEmbedded(t.Context(), etcd.EmbeddedConfig{Dir: t.TempDir(), UnsafeNoFsync: true, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	server := func(name, controllers string) kubernetes.Interface {
		dir := filepath.Join(t.TempDir(), name)
		client, _ := startServe(t, []string{"serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"),
			"--kubeconfig-out", filepath.Join(dir, "kubeconfig"), "--nodes", "0", "--controllers", controllers,
			"--etcd-servers", "http://" + e.Endpoint()})
		return client
	}
	clients := []kubernetes.Interface{server("a", "disruption"), server("b", "false")}
	ctx := t.Context()

	for i := range pods {
		// Written through alternate servers: both see one cluster.
		c := clients[i%2]
		pod, err := c.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%d", i), Labels: map[string]string{"app": "web"}},
			Spec:       corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pod.Status.Phase = corev1.PodRunning
		pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		if _, err := c.CoreV1().Pods("default").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	floor := intstr.FromInt32(minAvailable)
	if _, err := clients[1].PolicyV1().PodDisruptionBudgets("default").Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &floor, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The controller runs in server a; server b must see its status.
	err = wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		pdb, err := clients[1].PolicyV1().PodDisruptionBudgets("default").Get(ctx, "web", metav1.GetOptions{})
		return err == nil && pdb.Status.ObservedGeneration == pdb.Generation && pdb.Status.DisruptionsAllowed == pods-minAvailable, err
	})
	if err != nil {
		t.Fatalf("the budget's status never allowed %d disruptions: %v", pods-minAvailable, err)
	}
	// --etcd-servers turns --leader-elect on: server a, the only one with
	// components, holds the lease they run under.
	lease, err := clients[1].CoordinationV1().Leases("kube-system").Get(ctx, "evictd-controllers", metav1.GetOptions{})
	if err != nil || lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" {
		t.Fatalf("with --etcd-servers the components run without holding the lease kube-system/evictd-controllers: %v, %v", lease, err)
	}

	var mu sync.Mutex
	codes := map[string]int{}
	var wg sync.WaitGroup
	for i := range pods {
		wg.Go(func() {
			err := clients[i%2].PolicyV1().Evictions("default").Evict(ctx, &policyv1.Eviction{
				ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%d", i), Namespace: "default"}})
			code := "201"
			switch {
			case apierrors.IsTooManyRequests(err):
				code = "429"
			case err != nil:
				code = err.Error()
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes["201"] != pods-minAvailable || codes["429"] != minAvailable {
		t.Fatalf("evictions through two servers: %v; want %d × 201 and %d × 429", codes, pods-minAvailable, minAvailable)
	}
}
