package bench

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/storage/etcd"
	"github.com/evictd/evictd/pkg/testserver"
)

// Shape of BenchmarkEvictionThroughput (issue 9, item 6).
const (
	evictionPods    = 1000
	evictionWorkers = 16
	evictionNS      = "default"
)

// BenchmarkEvictionThroughput measures evictions/s from 16 client-go
// workers over loopback against a running evictd with the disruption
// controller and no kubelets: 1,000 Ready pods (status written by the
// benchmark) with no budget, spread over 100 budgets, or all under one
// budget that every eviction hits. Budgets have minAvailable 0, so every
// eviction is allowed and goes through the budget's compare-and-swap while
// the controller rewrites the same status. Each iteration evicts all 1,000
// pods once; cpu-ms/1k-evictions is this process's CPU (server, clients
// and, on etcd, the etcd member) over the timed section, steadier than
// wall time on a shared machine.
//
// Each shape runs on both backends: memory, and etcd as `serve
// --etcd-servers` runs it (the watch cache in front of an etcd member,
// here embedded in the benchmark process, with fsync, as a real etcd
// writes).
func BenchmarkEvictionThroughput(b *testing.B) {
	for _, backend := range []string{"memory", "etcd"} {
		for _, shape := range []struct {
			name string
			pdbs int
		}{{"no-pdb", 0}, {"100-pdbs", 100}, {"one-pdb", 1}} {
			b.Run(backend+"/"+shape.name, func(b *testing.B) {
				benchmarkEvictions(b, backendOptions(b, backend), shape.pdbs)
			})
		}
	}
}

// backendOptions are testserver options for backend: memory, or etcd on
// an embedded member that fsyncs (testserver's own embedded etcd skips
// fsync, fine for tests but not for a comparison with a real etcd).
func backendOptions(b *testing.B, backend string) testserver.Options {
	b.Helper()
	opts := testserver.Options{Nodes: 0, Controllers: []string{"disruption"}}
	if backend == "memory" {
		return opts
	}
	e, err := etcd.StartEmbedded(b.Context(), etcd.EmbeddedConfig{Dir: b.TempDir(), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = e.Close() })
	opts.Storage, opts.EtcdServers = testserver.StorageEtcd, []string{"http://" + e.Endpoint()}
	return opts
}

// benchmarkEvictions is one shape of BenchmarkEvictionThroughput.
func benchmarkEvictions(b *testing.B, opts testserver.Options, pdbs int) {
	var evicted, conflicts, tooMany int64
	var elapsed, cpu time.Duration
	for range b.N {
		b.StopTimer()
		srv, err := testserver.New(b.Context(), opts)
		if err != nil {
			b.Fatal(err)
		}
		client := unlimitedClient(b, srv.RESTConfig())
		names := seedEvictable(b, client, pdbs)
		cpu0 := cpuTime()
		b.StartTimer()
		start := time.Now()
		c, t := evictAll(b, client, names)
		elapsed += time.Since(start)
		b.StopTimer()
		cpu += cpuTime() - cpu0
		evicted += int64(len(names))
		conflicts += c
		tooMany += t
		stopCluster(b, srv)
	}
	b.ReportMetric(float64(evicted)/elapsed.Seconds(), "evictions/s")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(evicted)*1000, "cpu-ms/1k-evictions")
	b.ReportMetric(float64(conflicts), "409s")
	b.ReportMetric(float64(tooMany), "429s")
}

// evictAll evicts every pod once from evictionWorkers goroutines and
// counts the 409s and 429s; any other error fails the benchmark.
func evictAll(b *testing.B, client kubernetes.Interface, names []string) (conflicts, tooMany int64) {
	var next, c, t atomic.Int64
	var wg sync.WaitGroup
	for range evictionWorkers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(names) {
					return
				}
				err := client.PolicyV1().Evictions(evictionNS).Evict(b.Context(), &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: names[i], Namespace: evictionNS}})
				switch {
				case err == nil:
				case apierrors.IsConflict(err):
					c.Add(1)
				case apierrors.IsTooManyRequests(err):
					t.Add(1)
				default:
					b.Error(err)
				}
			}
		})
	}
	wg.Wait()
	return c.Load(), t.Load()
}

// seedEvictable creates evictionPods scheduled pods, writes them Running
// and Ready as a kubelet would, and spreads them over pdbs budgets of
// minAvailable 0; it returns once the disruption controller allows every
// pod of every budget to go.
func seedEvictable(b *testing.B, client kubernetes.Interface, pdbs int) []string {
	b.Helper()
	ctx := b.Context()
	names := make([]string, evictionPods)
	var wg sync.WaitGroup
	errs := make(chan error, evictionWorkers)
	var next atomic.Int64
	for range evictionWorkers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= evictionPods {
					return
				}
				names[i] = fmt.Sprintf("ev-%04d", i)
				if err := createReadyPod(ctx, client, names[i], evictionGroup(i, pdbs)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	zero := intstr.FromInt32(0)
	for g := range pdbs {
		pdb := &policyv1.PodDisruptionBudget{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pdb-%d", g), Namespace: evictionNS},
			Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &zero, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"group": fmt.Sprint(g)}}},
		}
		if _, err := client.PolicyV1().PodDisruptionBudgets(evictionNS).Create(ctx, pdb, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	perPDB := int32(0)
	if pdbs > 0 {
		perPDB = int32(evictionPods / pdbs)
	}
	err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := client.PolicyV1().PodDisruptionBudgets(evictionNS).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, p := range list.Items {
			if p.Status.ObservedGeneration != p.Generation || p.Status.DisruptionsAllowed != perPDB {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		b.Fatalf("budgets not computed: %v", err)
	}
	return names
}

// createReadyPod creates one scheduled pod and writes its status Running
// and Ready, as the pod's kubelet would.
func createReadyPod(ctx context.Context, client kubernetes.Interface, name, group string) error {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: evictionNS, Labels: map[string]string{"group": group}},
		Spec:       corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "app", Image: "registry.k8s.io/pause:3.10"}}},
	}
	created, err := client.CoreV1().Pods(evictionNS).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create pod %s: %w", name, err)
	}
	now := metav1.Now()
	created.Status.Phase = corev1.PodRunning
	created.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}}
	if _, err := client.CoreV1().Pods(evictionNS).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("mark pod %s ready: %w", name, err)
	}
	return nil
}

// evictionGroup labels pod i for one of pdbs budgets ("none" without).
func evictionGroup(i, pdbs int) string {
	if pdbs == 0 {
		return "none"
	}
	return fmt.Sprint(i % pdbs)
}
