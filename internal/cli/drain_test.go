package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/drain"
	"github.com/evictd/evictd/pkg/testserver"
)

// drainEnv is a one-node evictd with one Running pod "db-1" that a budget
// (minAvailable 1) refuses to let go, and a kubeconfig for it.
type drainEnv struct {
	client     kubernetes.Interface
	kubeconfig string
}

func newDrainEnv(t *testing.T) drainEnv {
	t.Helper()
	srv := testserver.StartWith(t, testserver.Options{Nodes: 1, Controllers: []string{"*", "-garbagecollector"}})
	kubeconfig, err := srv.WriteKubeconfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := drainEnv{client: kubernetes.NewForConfigOrDie(srv.RESTConfig()), kubeconfig: kubeconfig}
	ctx := t.Context()
	poll := func(what string, cond wait.ConditionWithContextFunc) {
		t.Helper()
		if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 30*time.Second, true, cond); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
	poll("node-1", func(ctx context.Context) (bool, error) {
		_, err := e.client.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{})
		return err == nil, nil
	})
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "db-1", Namespace: "default", Labels: map[string]string{"app": "db"}},
		Spec: corev1.PodSpec{NodeName: "node-1", TerminationGracePeriodSeconds: ptr.To[int64](1),
			Containers: []corev1.Container{{Name: "app", Image: "db"}}},
	}
	if _, err := e.client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default"},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}}}
	if _, err := e.client.PolicyV1().PodDisruptionBudgets("default").Create(ctx, pdb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	poll("budget computed with db-1 healthy", func(ctx context.Context) (bool, error) {
		p, err := e.client.PolicyV1().PodDisruptionBudgets("default").Get(ctx, "db", metav1.GetOptions{})
		return err == nil && p.Status.ObservedGeneration == p.Generation && p.Status.CurrentHealthy == 1, nil
	})
	return e
}

// drainCmd runs the drain command with args and returns its outputs and
// error.
func (e drainEnv) drainCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := newDrain(&stdout, &stderr, func() *slog.Logger { return slog.New(slog.DiscardHandler) })
	cmd.SetArgs(append([]string{"--kubeconfig", e.kubeconfig}, args...))
	cmd.SetOut(&stderr)
	cmd.SetErr(&stderr)
	err := cmd.ExecuteContext(t.Context())
	return stdout.String(), stderr.String(), err
}

func codeOf(err error) int {
	var coded exitCoder
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	if err != nil {
		return 1
	}
	return 0
}

// TestDrainCommandExitCodes: blocked by a budget until --timeout is 2,
// JSON on stdout names the budget; --force deletes (exit 0); bad flags
// and unknown nodes are 1.
func TestDrainCommandExitCodes(t *testing.T) {
	t.Parallel()
	e := newDrainEnv(t)

	stdout, stderr, err := e.drainCmd(t, "node-1", "--force", "--timeout", "1s", "-o", "json")
	if got := codeOf(err); got != drain.ExitBlocked {
		t.Fatalf("blocked drain: exit code %d (%v), want %d\nstderr: %s", got, err, drain.ExitBlocked, stderr)
	}
	var report drain.Report
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, stdout)
	}
	if len(report.Nodes) != 1 || len(report.Nodes[0].Pods) != 1 {
		t.Fatalf("report: %+v", report)
	}
	p := report.Nodes[0].Pods[0]
	if p.Outcome != drain.PodOutcomeBlocked || p.BlockingPDB != "default/db" || !strings.Contains(p.BlockReason, "1 healthy of the 1 it needs") {
		t.Errorf("pod report %+v, want blocked by default/db with its counts", p)
	}
	if !strings.Contains(stderr, "pod/default/db-1 blocked: PodDisruptionBudget default/db allows 0 disruptions") {
		t.Errorf("progress lines on stderr do not give the blocking reason:\n%s", stderr)
	}

	for _, args := range [][]string{
		{"node-9"},
		{"node-1", "--dry-run=maybe"},
		{"node-1", "-l", "a=b"},
		{"node-1", "-o", "yaml"},
		{},
	} {
		if _, _, err := e.drainCmd(t, args...); codeOf(err) != drain.ExitError {
			t.Errorf("drain %v: exit code %d (%v), want %d", args, codeOf(err), err, drain.ExitError)
		}
	}

	stdout, _, err = e.drainCmd(t, "node-1", "--force", "--disable-eviction")
	if err != nil {
		t.Fatalf("drain --disable-eviction: %v", err)
	}
	for _, want := range []string{"node/node-1 cordoned", "pod/default/db-1 deleted", "node/node-1 drained"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
}
