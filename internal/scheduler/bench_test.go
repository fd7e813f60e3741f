package scheduler_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
)

// BenchmarkBind measures how long the scheduler takes to bind a backlog
// of pods (created before it starts, owned by 10 ReplicaSets) against a
// real evictd: from its start to the last binding seen by a list.
func BenchmarkBind(b *testing.B) {
	if testing.Short() {
		b.Skip("starts evictd and creates thousands of objects")
	}
	for _, size := range []struct{ pods, nodes int }{{1000, 20}, {30000, 1000}} {
		b.Run(fmt.Sprintf("pods=%d/nodes=%d", size.pods, size.nodes), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				c := newCluster(b)
				for i := range size.nodes {
					c.addNode(fmt.Sprintf("node-%d", i), fmt.Sprintf("zone-%d", i%3), "500", size.pods)
				}
				c.createMany(size.pods)
				b.StartTimer()
				c.startScheduler()
				c.waitAllBound(size.pods)
			}
		})
	}
}

// createMany creates n pods from 8 clients at once.
func (c *cluster) createMany(n int) {
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				pod := replicaPod(fmt.Sprintf("web-%d", i), types.UID(fmt.Sprint("rs-", i%10)), "10m", 0)
				if _, err := c.client.CoreV1().Pods("default").Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
					c.t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// waitAllBound waits until no pod of the default namespace is unbound.
func (c *cluster) waitAllBound(n int) {
	err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		left, err := c.client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=", Limit: 1})
		if err != nil {
			return false, err
		}
		return len(left.Items) == 0, nil
	})
	if err != nil {
		c.t.Fatalf("waiting for %d pods to bind: %v", n, err)
	}
}
