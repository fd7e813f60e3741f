package server

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/pki"
	"github.com/evictd/evictd/internal/storage/etcd"
	"github.com/evictd/evictd/internal/storage/etcd/etcdtest"
)

// die stops the components as a dead process would: the lease is neither
// renewed nor released, so another server must wait for it to expire. The
// API keeps serving.
func (s *Server) die() {
	s.election.dead.Store(true)
	s.stopControllers()
	s.controllers.Wait()
}

// TestLeaderElectionFailsOver runs two servers on one etcd, both with the
// disruption controller and leader election: exactly one runs it; when
// that one dies without releasing the lease, the other takes over within
// the lease duration (plus a jittered retry period) and keeps the
// budget's status current; a graceful shutdown releases the lease.
func TestLeaderElectionFailsOver(t *testing.T) {
	t.Parallel()
	timing := LeaderElection{LeaseDuration: 2 * time.Second, RenewDeadline: 1500 * time.Millisecond, RetryPeriod: 300 * time.Millisecond}
	etcdClient := etcdtest.Start(t)
	start := func() *Server {
		st, err := etcd.New(t.Context(), etcd.Config{Client: etcdClient, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		bundle, err := pki.New(nil)
		if err != nil {
			t.Fatal(err)
		}
		srv, err := Start(t.Context(), Config{Listen: "127.0.0.1:0", PKI: bundle, Storage: st, Controllers: []string{"disruption"},
			LeaderElect: true, LeaderElection: timing, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Errorf("shutdown: %v", err)
			}
		})
		return srv
	}
	servers := []*Server{start(), start()}
	clients := make([]kubernetes.Interface, len(servers))
	for i, s := range servers {
		clients[i] = kubernetes.NewForConfigOrDie(s.RESTConfig())
	}
	ctx := t.Context()
	poll := func(what string, timeout time.Duration, done func(context.Context) (bool, error)) {
		t.Helper()
		if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, timeout, true, done); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	holder := func(ctx context.Context, c kubernetes.Interface) string {
		lease, err := c.CoordinationV1().Leases(LeaseNamespace).Get(ctx, LeaseName, metav1.GetOptions{})
		if err != nil || lease.Spec.HolderIdentity == nil {
			return ""
		}
		return *lease.Spec.HolderIdentity
	}

	leader := -1
	poll("one server never led", 20*time.Second, func(ctx context.Context) (bool, error) {
		leader = -1
		for i, s := range servers {
			if s.Leading() {
				leader = i
			}
		}
		return leader >= 0 && holder(ctx, clients[0]) == servers[leader].LeaderIdentity(), nil
	})
	follower := 1 - leader
	if servers[follower].Leading() {
		t.Fatal("both servers lead")
	}

	for i := range 3 {
		pod, err := clients[follower].CoreV1().Pods("default").Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-%d", i), Labels: map[string]string{"app": "web"}},
			Spec:       corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pod.Status.Phase = corev1.PodRunning
		pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		if _, err := clients[follower].CoreV1().Pods("default").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	floor := intstr.FromInt32(2)
	if _, err := clients[follower].PolicyV1().PodDisruptionBudgets("default").Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &floor, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	budget := func(healthy, allowed int32) func(context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			pdb, err := clients[follower].PolicyV1().PodDisruptionBudgets("default").Get(ctx, "web", metav1.GetOptions{})
			return err == nil && pdb.Status.ObservedGeneration == pdb.Generation &&
				pdb.Status.CurrentHealthy == healthy && pdb.Status.DisruptionsAllowed == allowed, nil
		}
	}
	poll("the leader never computed the budget's status", 20*time.Second, budget(3, 1))

	died := time.Now()
	servers[leader].die()
	if servers[leader].Leading() {
		t.Fatal("the dead server still leads")
	}
	// A follower takes an unrenewed lease once LeaseDuration has passed
	// since it last saw it change, at its next (jittered) retry.
	bound := timing.LeaseDuration + 3*timing.RetryPeriod
	poll("the follower never took over", 10*time.Second, func(ctx context.Context) (bool, error) {
		return servers[follower].Leading() && holder(ctx, clients[follower]) == servers[follower].LeaderIdentity(), nil
	})
	if took := time.Since(died); took > bound {
		t.Errorf("the follower took over %v after the leader died; want within %v", took, bound)
	} else {
		t.Logf("the follower took over %v after the leader died (lease duration %v)", took, timing.LeaseDuration)
	}

	// The new leader's disruption controller follows the pods.
	if err := clients[follower].CoreV1().Pods("default").Delete(ctx, "web-0", metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	poll("the new leader never updated the budget's status", 20*time.Second, budget(2, 0))

	// A graceful shutdown releases the lease: a restart need not wait.
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := servers[follower].Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	if h := holder(ctx, clients[leader]); h != "" {
		t.Errorf("after a graceful shutdown the lease is still held by %q", h)
	}
}
