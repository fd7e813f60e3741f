package bench

import (
	"context"
	"testing"
	"time"

	"github.com/evictd/evictd/pkg/testserver"
)

// settleTimeout bounds each wait for a cluster to settle: far above the
// numbers measured, well below go test's own timeout.
const settleTimeout = 5 * time.Minute

// BenchmarkDeployments is issue 6's first benchmark: 100 Deployments × 10
// replicas, each with a PDB, on 20 simulated nodes of one in-process
// evictd running every controller and the scheduler. Each iteration starts
// a fresh server, waits for its nodes, then times from the first create
// until all 1,000 pods are Ready and every PDB shows disruptionsAllowed.
func BenchmarkDeployments(b *testing.B) {
	if testing.Short() {
		b.Skip("a 1,000-pod cluster")
	}
	w := workload{ns: "bench", n: 100, replicas: 10}
	for range b.N {
		b.StopTimer()
		srv, client := startCluster(b, testserver.Options{Nodes: 20}, 20)
		ctx, cancel := context.WithTimeout(b.Context(), settleTimeout)
		s, err := watchSettled(ctx, client, w)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start, cpu := time.Now(), cpuTime()
		if err := w.create(ctx, client); err != nil {
			b.Fatal(err)
		}
		created := time.Since(start)
		if err := s.wait(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/all-ready")
		b.ReportMetric((cpuTime() - cpu).Seconds(), "cpu-s")
		b.ReportMetric(created.Seconds(), "s/applied")
		b.ReportMetric(s.created.Sub(start).Seconds(), "s/pods-created")
		b.ReportMetric(s.bound.Sub(start).Seconds(), "s/pods-bound")
		b.ReportMetric(s.ready.Sub(start).Seconds(), "s/pods-ready")
		b.StopTimer()
		cancel()
		stopCluster(b, srv)
	}
}
