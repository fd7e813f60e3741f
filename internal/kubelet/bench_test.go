package kubelet

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

// BenchmarkKubelet is 1,000 nodes and 30,000 pods on a fake clientset: each
// iteration registers and heartbeats every node, then starts every pod and
// makes it Ready (one status patch each), with podWorkers goroutines as the
// component runs them. The fake watch holds only 100 events, so the caches
// are filled by hand instead of by informers; what is measured is the
// kubelet's own work plus the fake clientset's.
func BenchmarkKubelet(b *testing.B) {
	if testing.Short() {
		b.Skip("30,000 pods")
	}
	const nodes, pods = 1000, 30000
	for b.Loop() {
		b.StopTimer()
		client := fake.NewSimpleClientset()
		factory := informers.NewSharedInformerFactory(client, 0)
		clk := clocktesting.NewFakeClock(t0)
		sim := New(Options{Nodes: nodes})
		c, err := newController(sim, client, factory, clk,
			func(string) record.EventRecorder { return &record.FakeRecorder{} }, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			b.Fatal(err)
		}
		indexer := factory.Core().V1().Pods().Informer().GetIndexer()
		keys := make(chan string, pods)
		for i := range pods {
			pod := newPod(fmt.Sprintf("pod-%d", i))
			pod.Spec.NodeName = fmt.Sprintf("node-%d", i%nodes+1)
			if err := client.Tracker().Add(pod); err != nil {
				b.Fatal(err)
			}
			if err := indexer.Add(pod); err != nil {
				b.Fatal(err)
			}
			keys <- ns + "/" + pod.Name
		}
		close(keys)
		b.StartTimer()
		start := time.Now()
		for _, name := range sim.names {
			if _, err := c.syncNode(b.Context(), name); err != nil {
				b.Fatal(err)
			}
		}
		nodesDone := time.Since(start)
		var wg sync.WaitGroup
		for range podWorkers {
			wg.Go(func() {
				for key := range keys {
					if err := c.syncPod(b.Context(), key); err != nil {
						b.Error(err)
					}
				}
			})
		}
		wg.Wait()
		b.ReportMetric(float64(nodes)/nodesDone.Seconds(), "nodes/s")
		b.ReportMetric(float64(pods)/(time.Since(start)-nodesDone).Seconds(), "pods/s")
		c.shutDown()
	}
}
