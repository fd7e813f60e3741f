package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// storedPods is the size of BenchmarkStoredPodsRSS's cluster (issue 9:
// "RSS with 100k pods with the watch cache").
const storedPods = 100_000

// BenchmarkStoredPodsRSS creates 100,000 scheduled pods in one `evictd
// serve` child process with no controllers and no kubelets, so that only
// storage holds them, once per backend: memory, and etcd-embedded (the
// watch cache in front of an etcd member inside the same process, so the
// RSS is the cache's and etcd's together). It reports the creates/s, the
// process's RSS and peak RSS once all are stored, the RSS after a list of
// every pod in one response (with etcd, the cache serves it), and for etcd the size
// of its data file.
func BenchmarkStoredPodsRSS(b *testing.B) {
	if testing.Short() {
		b.Skip("100,000 pods")
	}
	bin := buildEvictd(b)
	for _, backend := range []string{"memory", "etcd-embedded"} {
		b.Run(backend, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				p := startServe(b, bin, "--storage", backend, "--nodes", "0", "--controllers", "false")
				client := unlimitedClient(b, p.config)
				ctx := b.Context()
				b.StartTimer()
				start := time.Now()
				if err := createPods(ctx, client, storedPods); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				b.ReportMetric(storedPods/time.Since(start).Seconds(), "creates/s")
				rss, peak, err := p.memory()
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(rss)/(1<<20), "rss-MiB")
				b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MiB")
				list, err := client.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
				if err != nil || len(list.Items) != storedPods {
					b.Fatalf("list of every pod: %v", err)
				}
				if rss, _, err = p.memory(); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(rss)/(1<<20), "rss-after-list-MiB")
				if backend == "etcd-embedded" {
					db := filepath.Join(p.dataDir, "etcd", "member", "snap", "db")
					if fi, err := os.Stat(db); err == nil {
						b.ReportMetric(float64(fi.Size())/(1<<20), "etcd-db-MiB")
					}
				}
				p.stop()
			}
		})
	}
}

// createPods creates n scheduled pods in the default namespace from 16
// workers.
func createPods(ctx context.Context, client kubernetes.Interface, n int) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, evictionWorkers)
	for range evictionWorkers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				pod := &corev1.Pod{
					ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pod-%06d", i), Namespace: evictionNS,
						Labels: map[string]string{"app": fmt.Sprintf("app-%d", i%1000), "tier": "web"}},
					Spec: corev1.PodSpec{NodeName: fmt.Sprintf("node-%d", i%1000), Containers: []corev1.Container{{
						Name: "app", Image: "registry.k8s.io/pause:3.10",
						Ports: []corev1.ContainerPort{{ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
					}}},
				}
				if _, err := client.CoreV1().Pods(evictionNS).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
					errs <- fmt.Errorf("create pod %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}
