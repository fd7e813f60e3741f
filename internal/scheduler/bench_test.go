package scheduler_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

// BenchmarkBind measures how long the scheduler takes to bind a backlog
// of pods (created before it starts, owned by 10 ReplicaSets) against a
// real evictd: from its start to the last binding seen on a watch.
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
				bound := c.watchBound()
				b.StartTimer()
				c.startScheduler()
				c.waitAllBound(bound, size.pods)
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

// watchBound watches the default namespace's pods from now on; it is
// stopped when the test ends.
func (c *cluster) watchBound() watch.Interface {
	ctx := context.Background()
	list, err := c.client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{Limit: 1})
	if err != nil {
		c.t.Fatal(err)
	}
	w, err := c.client.CoreV1().Pods("default").Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(w.Stop)
	return w
}

// waitAllBound waits until w has shown n distinct pods bound.
func (c *cluster) waitAllBound(w watch.Interface, n int) {
	bound := map[string]bool{}
	timeout := time.After(5 * time.Minute)
	for len(bound) < n {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				c.t.Fatalf("watch ended with %d of %d pods bound", len(bound), n)
			}
			if p, isPod := ev.Object.(*corev1.Pod); isPod && p.Spec.NodeName != "" {
				bound[p.Name] = true
			}
		case <-timeout:
			c.t.Fatalf("%d of %d pods bound after 5 minutes", len(bound), n)
		}
	}
}
