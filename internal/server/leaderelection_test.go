package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/evictd/evictd/internal/pki"
	"github.com/evictd/evictd/internal/server"
	"github.com/evictd/evictd/internal/storage/etcd"
	"github.com/evictd/evictd/internal/storage/etcd/etcdtest"
)

// TestLeaderElectionReleasedOnShutdown runs two servers on one etcd, both
// with the disruption controller and leader election: exactly one leads;
// when it shuts down gracefully it releases the lease, so the other takes
// over at its next retry instead of after the lease duration, and its own
// shutdown releases the lease too. (A leader that dies without releasing
// is TestServeLeaderKilledFailsOver in internal/cli: a process killed -9.)
func TestLeaderElectionReleasedOnShutdown(t *testing.T) {
	t.Parallel()
	// A lease long enough that a takeover within it can only come from
	// the release.
	timing := server.LeaderElection{LeaseDuration: 10 * time.Second, RenewDeadline: 5 * time.Second, RetryPeriod: 300 * time.Millisecond}
	etcdClient := etcdtest.Start(t)
	servers := []*server.Server{startElected(t, etcdClient, timing, nil), startElected(t, etcdClient, timing, nil)}
	client := kubernetes.NewForConfigOrDie(servers[0].RESTConfig())
	ctx := t.Context()

	leader := -1
	pollElection(t, "no server led", 20*time.Second, func(ctx context.Context) (bool, error) {
		leader = -1
		for i, s := range servers {
			if s.Leading() {
				leader = i
			}
		}
		return leader >= 0 && leaseOf(ctx, client).Spec.HolderIdentity != nil, nil
	})
	if servers[1-leader].Leading() {
		t.Fatal("both servers lead")
	}
	first := *leaseOf(ctx, client).Spec.HolderIdentity

	stopped := time.Now()
	shutdown(t, servers[leader])
	follower := servers[1-leader]
	client = kubernetes.NewForConfigOrDie(follower.RESTConfig())
	pollElection(t, "the other server never took over", 20*time.Second, func(ctx context.Context) (bool, error) {
		holder := leaseOf(ctx, client).Spec.HolderIdentity
		return follower.Leading() && holder != nil && *holder != "" && *holder != first, nil
	})
	took := time.Since(stopped)
	t.Logf("after a graceful shutdown of the leader the other took over in %v (lease duration %v)", took.Round(time.Millisecond), timing.LeaseDuration)
	if took >= timing.LeaseDuration {
		t.Errorf("the takeover took %v, the lease duration (%v) or more: the lease was not released", took, timing.LeaseDuration)
	}

	shutdown(t, follower)
	if h := leaseOf(ctx, kubernetes.NewForConfigOrDie(servers[leader].RESTConfig())); h.Spec.HolderIdentity != nil && *h.Spec.HolderIdentity != "" {
		t.Errorf("after a graceful shutdown the lease is still held by %q", *h.Spec.HolderIdentity)
	}
}

// TestLeaderElectionLostAndWonBack runs one server with the disruption
// controller under leader election; the test, as another contender,
// takes the Lease from it (a phantom holder, renewed by the test). The
// server notices at its next renewal, stops its components (a pod that
// stops being Ready is not reflected in the budget's status while the
// phantom holds the lease), says "lost leadership" and campaigns again;
// once the test stops renewing, the phantom's lease expires, the server
// takes it back and the budget's status catches up.
func TestLeaderElectionLostAndWonBack(t *testing.T) {
	t.Parallel()
	timing := server.LeaderElection{LeaseDuration: 2 * time.Second, RenewDeadline: 1500 * time.Millisecond, RetryPeriod: 300 * time.Millisecond}
	var log syncBuffer
	srv := startElected(t, etcdtest.Start(t), timing, &log)
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	ctx := t.Context()

	var self string
	pollElection(t, "the server never led", 20*time.Second, func(ctx context.Context) (bool, error) {
		holder := leaseOf(ctx, client).Spec.HolderIdentity
		if holder != nil {
			self = *holder
		}
		return srv.Leading() && self != "", nil
	})
	electionBudget(t, client)
	pollElection(t, "the budget's status was never computed", 20*time.Second, budgetStatus(client, 3, 1))

	const phantom = "phantom"
	takeLease(t, client, phantom, timing.LeaseDuration)
	pollElection(t, "the server never stopped leading", 20*time.Second, func(context.Context) (bool, error) {
		takeLease(t, client, phantom, timing.LeaseDuration) // the phantom renews
		return !srv.Leading(), nil
	})
	if !strings.Contains(log.String(), `msg="lost leadership"`) {
		t.Errorf("the server did not log that it lost leadership:\n%s", log.String())
	}

	// A change the disruption controller would reflect at once.
	unready(t, client, "web-0")
	// The phantom renews for a few retry periods more, in which nothing
	// may compute the budget's status.
	ticker := time.NewTicker(timing.RetryPeriod)
	defer ticker.Stop()
	for range 6 {
		<-ticker.C
		takeLease(t, client, phantom, timing.LeaseDuration)
		if srv.Leading() {
			t.Fatal("the server leads while the phantom holds the lease")
		}
		pdb, err := client.PolicyV1().PodDisruptionBudgets("default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if pdb.Status.CurrentHealthy != 3 || pdb.Status.DisruptionsAllowed != 1 {
			t.Fatalf("the budget's status changed while the server did not hold the lease (healthy %d, allowed %d): its components still run",
				pdb.Status.CurrentHealthy, pdb.Status.DisruptionsAllowed)
		}
	}
	ticker.Stop()

	// The phantom stops renewing: its lease expires and the server takes
	// it back.
	released := time.Now()
	pollElection(t, "the server never took the lease back", 20*time.Second, func(ctx context.Context) (bool, error) {
		holder := leaseOf(ctx, client).Spec.HolderIdentity
		return srv.Leading() && holder != nil && *holder == self, nil
	})
	t.Logf("the server took the lease back %v after the phantom's last renewal (lease duration %v)", time.Since(released).Round(time.Millisecond), timing.LeaseDuration)
	pollElection(t, "the budget's status never caught up", 20*time.Second, budgetStatus(client, 2, 0))
	if n := strings.Count(log.String(), `msg="became leader"`); n < 2 {
		t.Errorf("the server logged %d times that it became leader; want 2 (or more, should a loaded machine delay a renewal):\n%s", n, log.String())
	}
}

// startElected starts a server on etcd with the disruption controller
// under leader election, logging to log (if not nil), and shuts it down
// when t ends.
func startElected(t *testing.T, etcdClient *clientv3.Client, timing server.LeaderElection, log *syncBuffer) *server.Server {
	t.Helper()
	st, err := etcd.New(t.Context(), etcd.Config{Client: etcdClient, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := pki.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.DiscardHandler)
	if log != nil {
		logger = slog.New(slog.NewTextHandler(log, nil))
	}
	srv, err := server.Start(t.Context(), server.Config{Listen: "127.0.0.1:0", PKI: bundle, Storage: st, Controllers: []string{"disruption"},
		LeaderElect: true, LeaderElection: timing, Log: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { shutdown(t, srv) })
	return srv
}

// shutdown stops srv gracefully (a second call is a no-op).
func shutdown(t *testing.T, srv *server.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

func pollElection(t *testing.T, what string, timeout time.Duration, done func(context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, timeout, true, done); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// leaseOf is the Lease the components run under; empty if unreadable.
func leaseOf(ctx context.Context, c kubernetes.Interface) *coordinationv1.Lease {
	lease, err := c.CoordinationV1().Leases(server.LeaseNamespace).Get(ctx, server.LeaseName, metav1.GetOptions{})
	if err != nil {
		return &coordinationv1.Lease{}
	}
	return lease
}

// takeLease writes the Lease as a contender that holds it and has just
// renewed it would (client-go's LeaseLock record).
func takeLease(t *testing.T, c kubernetes.Interface, holder string, duration time.Duration) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		lease, err := c.CoordinationV1().Leases(server.LeaseNamespace).Get(t.Context(), server.LeaseName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		now := metav1.NewMicroTime(time.Now())
		if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity != holder {
			lease.Spec.HolderIdentity = &holder
			lease.Spec.AcquireTime = &now
			lease.Spec.LeaseTransitions = new(leaseTransitions(lease) + 1)
		}
		lease.Spec.RenewTime = &now
		lease.Spec.LeaseDurationSeconds = new(int32(duration / time.Second))
		_, err = c.CoordinationV1().Leases(server.LeaseNamespace).Update(t.Context(), lease, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("take the lease as %s: %v", holder, err)
	}
}

func leaseTransitions(lease *coordinationv1.Lease) int32 {
	if lease.Spec.LeaseTransitions == nil {
		return 0
	}
	return *lease.Spec.LeaseTransitions
}

// electionBudget creates three Ready pods labelled app=web in default and
// the budget "web" over them with minAvailable 2.
func electionBudget(t *testing.T, c kubernetes.Interface) {
	t.Helper()
	ctx := t.Context()
	for i := range 3 {
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
	if _, err := c.PolicyV1().PodDisruptionBudgets("default").Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: new(intstr.FromInt32(2)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// unready reports pod name in default no longer Ready, as its kubelet
// would.
func unready(t *testing.T, c kubernetes.Interface, name string) {
	t.Helper()
	pod, err := c.CoreV1().Pods("default").Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}
	if _, err := c.CoreV1().Pods("default").UpdateStatus(t.Context(), pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// budgetStatus tells whether the controller has computed the budget "web"
// in default: healthy pods, allowed disruptions.
func budgetStatus(c kubernetes.Interface, healthy, allowed int32) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		pdb, err := c.PolicyV1().PodDisruptionBudgets("default").Get(ctx, "web", metav1.GetOptions{})
		return err == nil && pdb.Status.ObservedGeneration == pdb.Generation &&
			pdb.Status.CurrentHealthy == healthy && pdb.Status.DisruptionsAllowed == allowed, nil
	}
}
