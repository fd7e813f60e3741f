package bench

import (
	"bytes"
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// startupPoll paces the checks for the kubeconfig and /readyz: small next
// to the ~100 ms being measured.
const startupPoll = time.Millisecond

// BenchmarkServeStartup measures `evictd serve` on the memory store from
// exec to the first 200 from /readyz, over a fresh data dir each time (so
// new certificates and key generation are included). The binary is built
// once; each iteration is one start-up. It reports the median and the
// slowest start, and the median time until the kubeconfig exists (written
// once the listener accepts connections).
func BenchmarkServeStartup(b *testing.B) {
	bin := buildEvictd(b)
	var ready, listening []time.Duration
	for b.Loop() {
		dir := b.TempDir()
		kubeconfig := filepath.Join(dir, "kubeconfig")
		cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"),
			"--kubeconfig-out", kubeconfig)
		var stderr bytes.Buffer // serve's log, shown only if it fails
		cmd.Stderr = &stderr
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatalf("start evictd serve: %v", err)
		}
		cfg, err := waitKubeconfig(kubeconfig, time.Minute)
		if err != nil {
			stopProcess(cmd)
			b.Fatalf("%v\n%s", err, stderr.Bytes())
		}
		listening = append(listening, time.Since(start))
		if err := waitReadyz(b.Context(), cfg, time.Minute); err != nil {
			stopProcess(cmd)
			b.Fatalf("%v\n%s", err, stderr.Bytes())
		}
		ready = append(ready, time.Since(start))
		b.StopTimer()
		stopProcess(cmd)
		b.StartTimer()
	}
	slices.Sort(ready)
	slices.Sort(listening)
	b.ReportMetric(float64(ready[len(ready)/2].Microseconds())/1000, "ms/ready-p50")
	b.ReportMetric(float64(ready[len(ready)-1].Microseconds())/1000, "ms/ready-max")
	b.ReportMetric(float64(listening[len(listening)/2].Microseconds())/1000, "ms/kubeconfig-p50")
}

// waitKubeconfig polls for serve's kubeconfig and returns its client
// configuration.
func waitKubeconfig(path string, timeout time.Duration) (*rest.Config, error) {
	deadline := time.Now().Add(timeout)
	for {
		cfg, err := clientcmd.BuildConfigFromFlags("", path)
		if err == nil {
			return cfg, nil
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(startupPoll)
	}
}

// waitReadyz polls GET /readyz until it answers 200.
func waitReadyz(ctx context.Context, cfg *rest.Config, timeout time.Duration) error {
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.Host+"/readyz", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(startupPoll):
		}
	}
}

// stopProcess interrupts serve and reaps it.
func stopProcess(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}
