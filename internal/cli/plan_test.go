package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/plan"
	"github.com/evictd/evictd/pkg/testserver"
)

// TestPlanCommand drives `evictd plan` through its constructor: node
// names, -l and --all pick the nodes; text and JSON; bad arguments refused.
func TestPlanCommand(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{Nodes: 3, Controllers: []string{"disruption"}})
	kubeconfig, err := srv.WriteKubeconfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	run := func(ctx context.Context, args ...string) (string, error) {
		var out bytes.Buffer
		cmd := newPlan(&out, func() *slog.Logger { return slog.New(slog.DiscardHandler) })
		cmd.SetArgs(append(args, "--kubeconfig", kubeconfig))
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		err := cmd.ExecuteContext(ctx)
		return out.String(), err
	}
	ctx := t.Context()
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	// The simulated kubelets register their nodes in the background.
	if err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		l, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		return err == nil && len(l.Items) == 3, err
	}); err != nil {
		t.Fatal(err)
	}
	text, err := run(ctx, "node-1", "node-2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text, "plan for 2 node(s): 1 wave(s), 0 blocked") || !strings.Contains(text, "wave 1: drain node-1 node-2") {
		t.Errorf("text:\n%s", text)
	}
	for _, args := range [][]string{{"--all", "-o", "json"}, {"-l", "kubernetes.io/os=linux", "-o", "json"}} {
		js, err := run(ctx, args...)
		if err != nil {
			t.Fatal(err)
		}
		var p plan.Plan
		if err := json.Unmarshal([]byte(js), &p); err != nil {
			t.Fatalf("%v:\n%s", err, js)
		}
		if strings.Join(p.Nodes, ",") != "node-1,node-2,node-3" {
			t.Errorf("%v: nodes %v", args, p.Nodes)
		}
	}
	for _, bad := range [][]string{{}, {"node-1", "--all"}, {"nope"}, {"node-1", "-o", "yaml"}} {
		if _, err := run(ctx, bad...); err == nil {
			t.Errorf("plan %v: no error", bad)
		}
	}
}
