package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/evictd/evictd/pkg/testserver"
)

// startCluster starts an in-process evictd and waits for nodes Ready
// nodes. Its client is not rate limited, as kubectl 1.27+ is not (it
// relies on the server's fairness instead).
func startCluster(b *testing.B, opts testserver.Options, nodes int) (*testserver.Server, kubernetes.Interface) {
	b.Helper()
	srv, err := testserver.New(b.Context(), opts)
	if err != nil {
		b.Fatalf("start evictd: %v", err)
	}
	client := unlimitedClient(b, srv.RESTConfig())
	if err := waitNodesReady(b.Context(), client, nodes); err != nil {
		stopCluster(b, srv)
		b.Fatal(err)
	}
	return srv, client
}

func stopCluster(b *testing.B, srv *testserver.Server) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Stop(ctx); err != nil {
		b.Errorf("stop evictd: %v", err)
	}
}

func unlimitedClient(b *testing.B, cfg *rest.Config) kubernetes.Interface {
	b.Helper()
	cfg = rest.CopyConfig(cfg)
	cfg.QPS = -1
	return kubernetes.NewForConfigOrDie(cfg)
}

// nodePollInterval paces waitNodesReady: each poll lists every node.
const nodePollInterval = 100 * time.Millisecond

// waitNodesReady polls until n nodes report Ready.
func waitNodesReady(ctx context.Context, client kubernetes.Interface, n int) error {
	var ready int
	err := wait.PollUntilContextTimeout(ctx, nodePollInterval, settleTimeout, true, func(ctx context.Context) (bool, error) {
		nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		ready = 0
		for _, node := range nodes.Items {
			for _, c := range node.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		return ready >= n, nil
	})
	if err != nil {
		return fmt.Errorf("%d/%d nodes Ready: %w", ready, n, err)
	}
	return nil
}
