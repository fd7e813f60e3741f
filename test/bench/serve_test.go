package bench

import (
	"context"
	"testing"
	"time"
)

// idleWindow is how long BenchmarkServe1000Nodes watches the settled
// server's CPU: six lease periods of every node.
const idleWindow = 60 * time.Second

// BenchmarkServe1000Nodes is issue 6's second benchmark: one `evictd serve
// --nodes 1000` process (a child, so /proc shows its own memory and CPU)
// running 300 Deployments × 100 replicas. It reports the time from the
// first create until all 30,000 pods are Ready, the server's CPU over that
// time, its RSS and peak RSS once settled, and the CPU it spends over the
// next idleWindow on heartbeats and leases alone (1,000 leases renewed
// every 10 s).
func BenchmarkServe1000Nodes(b *testing.B) {
	if testing.Short() {
		b.Skip("a 30,000-pod cluster")
	}
	const nodes = 1000
	bin := buildEvictd(b)
	w := workload{ns: "bench", n: 300, replicas: 100, withoutPDBs: true}
	for range b.N {
		b.StopTimer()
		p := startServe(b, bin, "--nodes", "1000")
		client := unlimitedClient(b, p.config)
		ctx, cancel := context.WithTimeout(b.Context(), 3*settleTimeout)
		startedAt := time.Now()
		if err := waitNodesReady(ctx, client, nodes); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(startedAt).Seconds(), "s/nodes-ready")
		s, err := watchSettled(ctx, client, w)
		if err != nil {
			b.Fatal(err)
		}
		cpu0, err := p.cpu()
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := w.create(ctx, client); err != nil {
			b.Fatal(err)
		}
		if err := s.wait(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		b.ReportMetric(time.Since(start).Seconds(), "s/all-ready")
		b.ReportMetric(s.created.Sub(start).Seconds(), "s/pods-created")
		b.ReportMetric(s.bound.Sub(start).Seconds(), "s/pods-bound")
		cpu1, err := p.cpu()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric((cpu1 - cpu0).Seconds(), "serve-cpu-s")
		reportIdle(ctx, b, p)
		cancel()
		p.stop()
	}
}

// reportIdle reports p's memory, then its CPU over idleWindow.
func reportIdle(ctx context.Context, b *testing.B, p *serveProcess) {
	b.Helper()
	rss, peak, err := p.memory()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(rss)/(1<<20), "rss-MiB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MiB")
	idle, err := p.idleCPU(ctx, idleWindow)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(idle.Seconds(), "idle-cpu-s/min")
}
