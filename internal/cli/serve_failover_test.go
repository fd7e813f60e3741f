package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/evictd/evictd/internal/server"
	"github.com/evictd/evictd/internal/storage/etcd"
)

// failoverTiming is the election's timing in TestServeLeaderKilledFailsOver:
// kube-controller-manager's proportions, shortened so that the test takes
// seconds.
var failoverTiming = server.LeaderElection{LeaseDuration: 2 * time.Second, RenewDeadline: 1500 * time.Millisecond, RetryPeriod: 300 * time.Millisecond}

// TestServeLeaderKilledFailsOver runs two `evictd serve --etcd-servers`
// processes on one etcd, both with the disruption controller under leader
// election, and kills -9 the one holding the Lease: it neither renews nor
// releases it, so the other takes it once the lease duration has passed
// since it last saw it renewed, at its next retry, and its disruption
// controller keeps the budget's status current.
func TestServeLeaderKilledFailsOver(t *testing.T) {
	t.Parallel()
	e, err := etcd.StartEmbedded(t.Context(), etcd.EmbeddedConfig{Dir: t.TempDir(), UnsafeNoFsync: true, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	procs := []*serveProcess{
		startServeProcess(t, "a", "http://"+e.Endpoint(), failoverTiming),
		startServeProcess(t, "b", "http://"+e.Endpoint(), failoverTiming),
	}
	ctx := t.Context()
	poll := func(what string, timeout time.Duration, done func(context.Context) (bool, error)) {
		t.Helper()
		if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, timeout, true, done); err != nil {
			t.Fatalf("%s: %v\nlog of a:\n%s\nlog of b:\n%s", what, err, procs[0].stderr.String(), procs[1].stderr.String())
		}
	}

	leader := -1
	poll("no process took the lease", 30*time.Second, func(ctx context.Context) (bool, error) {
		leader = leaseHolder(ctx, procs)
		return leader >= 0, nil
	})
	follower := procs[1-leader]
	c := follower.client

	for i := range 3 {
		if err := readyPod(ctx, c, "default", fmt.Sprintf("web-%d", i), corev1.PodTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
			Spec:       corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
		}); err != nil {
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
	poll("the leader never computed the budget's status", 30*time.Second, budgetIs(c, 3, 1))

	if err := procs[leader].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	if err := procs[leader].cmd.Wait(); err == nil {
		t.Error("the killed process exited 0")
	}
	poll("the other process never took the lease", 20*time.Second, func(ctx context.Context) (bool, error) {
		return leaseHolder(ctx, procs) == 1-leader, nil
	})
	took := time.Since(killed)
	// At worst the follower saw the last renewal a jittered retry late
	// (client-go waits 1 to 2.2 retry periods between attempts) and takes
	// the lease a jittered retry after it expires; the margin is for a
	// loaded machine and the test's own polling.
	bound := failoverTiming.LeaseDuration + 4400*failoverTiming.RetryPeriod/1000 + 500*time.Millisecond
	t.Logf("after kill -9 of the leader the other server took the lease in %v (lease duration %v, retry period %v)",
		took.Round(time.Millisecond), failoverTiming.LeaseDuration, failoverTiming.RetryPeriod)
	if took > bound {
		t.Errorf("takeover took %v; want within %v", took, bound)
	}

	// The new leader's disruption controller follows the pods: one is no
	// longer Ready.
	pod, err := c.CoreV1().Pods("default").Get(ctx, "web-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}
	if _, err := c.CoreV1().Pods("default").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll("the new leader never updated the budget's status", 30*time.Second, budgetIs(c, 2, 0))
}

// budgetIs tells whether the controller has computed the budget "web" in
// default: healthy pods, allowed disruptions.
func budgetIs(c kubernetes.Interface, healthy, allowed int32) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		pdb, err := c.PolicyV1().PodDisruptionBudgets("default").Get(ctx, "web", metav1.GetOptions{})
		return err == nil && pdb.Status.ObservedGeneration == pdb.Generation &&
			pdb.Status.CurrentHealthy == healthy && pdb.Status.DisruptionsAllowed == allowed, nil
	}
}

// serveProcess is `evictd serve` running as a process of its own: the
// test binary re-executed (see TestMain).
type serveProcess struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	client kubernetes.Interface
}

// becameLeader matches serve's log line when it takes the lease.
var becameLeader = regexp.MustCompile(`msg="became leader" .*identity=(\S+)`)

// identities are the holder identities the process has led under.
func (p *serveProcess) identities() []string {
	var ids []string
	for _, m := range becameLeader.FindAllStringSubmatch(p.stderr.String(), -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// leaseHolder is the index of the process that holds the Lease, as the
// Lease names it and that process's log confirms; -1 if none does.
func leaseHolder(ctx context.Context, procs []*serveProcess) int {
	for _, p := range procs {
		if p.cmd.ProcessState != nil {
			continue // dead
		}
		lease, err := p.client.CoordinationV1().Leases(server.LeaseNamespace).Get(ctx, server.LeaseName, metav1.GetOptions{})
		if err != nil || lease.Spec.HolderIdentity == nil {
			continue
		}
		for i, q := range procs {
			for _, id := range q.identities() {
				if id == *lease.Spec.HolderIdentity {
					return i
				}
			}
		}
		return -1
	}
	return -1
}

// startServeProcess starts `evictd serve` on the etcd at endpoint with the
// disruption controller under leader election timed as given, waits for
// it to serve, and kills it when t ends.
func startServeProcess(t *testing.T, name, endpoint string, timing server.LeaderElection) *serveProcess {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), name)
	kubeconfig := filepath.Join(dir, "kubeconfig")
	cmd := exec.Command(exe, "serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"),
		"--kubeconfig-out", kubeconfig, "--nodes", "0", "--controllers", "disruption", "--etcd-servers", endpoint,
		"--leader-elect-lease-duration", timing.LeaseDuration.String(),
		"--leader-elect-renew-deadline", timing.RenewDeadline.String(),
		"--leader-elect-retry-period", timing.RetryPeriod.String())
	cmd.Env = append(os.Environ(), serveProcessEnv+"=1")
	stdout := &syncBuffer{}
	p := &serveProcess{cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	err = wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, 60*time.Second, true, func(context.Context) (bool, error) {
		return strings.Contains(stdout.String(), "evictd is serving on "), nil
	})
	if err != nil {
		t.Fatalf("serve %s printed nothing within 60 s:\n%s", name, p.stderr.String())
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	p.client = kubernetes.NewForConfigOrDie(cfg)
	return p
}
