package server_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/server"
)

// BenchmarkEvictions measures evictions over HTTP with 16, 64 and 256
// concurrent clients in three shapes: pods without a budget, 100 budgets
// of 100 pods each, and one budget that every eviction hits. Each
// iteration is one eviction; the benchmark reports evictions/s and the
// p50/p99 latency of single requests. Budgets have minAvailable 0, so
// every eviction succeeds and consumes budget through the compare-and-swap
// path, while the disruption controller runs as in a real cluster: it
// confirms evictions (dropping them from disruptedPods, which the server
// caps at 2000) and rewrites the status the evictions race with.
func BenchmarkEvictions(b *testing.B) {
	shapes := []struct {
		name string
		pdbs int // 0: no budget
	}{{"no-pdb", 0}, {"100pdbs-x-100pods", 100}, {"one-pdb", 1}}
	for _, shape := range shapes {
		for _, clients := range []int{16, 64, 256} {
			b.Run(fmt.Sprintf("%s/clients=%d", shape.name, clients), func(b *testing.B) {
				srv := benchServerWith(b, true)
				n := b.N
				pods := fillEvictable(b, srv, n, shape.pdbs)
				cfg := srv.RESTConfig()
				cfg.QPS, cfg.Burst = -1, -1
				client := kubernetes.NewForConfigOrDie(cfg)
				latencies := make([]time.Duration, n)
				var next, conflicts atomic.Int64
				var wg sync.WaitGroup
				b.ResetTimer()
				start := time.Now()
				for range clients {
					wg.Go(func() {
						for {
							i := int(next.Add(1)) - 1
							if i >= n {
								return
							}
							t0 := time.Now()
							err := client.PolicyV1().Evictions("default").Evict(context.Background(), &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: pods[i], Namespace: "default"}})
							latencies[i] = time.Since(t0)
							switch {
							case err == nil, apierrors.IsTooManyRequests(err):
							case apierrors.IsConflict(err):
								// Upstream's handler too gives up after 20
								// conflicts on the budget's status (~10 s).
								conflicts.Add(1)
							default:
								b.Error(err)
							}
						}
					})
				}
				wg.Wait()
				elapsed := time.Since(start)
				b.StopTimer()
				slices.Sort(latencies)
				b.ReportMetric(float64(n)/elapsed.Seconds(), "evictions/s")
				b.ReportMetric(float64(latencies[n/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(latencies[n*99/100].Microseconds()), "p99-µs")
				b.ReportMetric(float64(conflicts.Load()), "conflicts")
			})
		}
	}
}

// fillEvictable stores n Ready pods (their names are returned) spread over
// pdbs budgets, each budget allowing every one of its pods to go.
func fillEvictable(b *testing.B, srv *server.Server, n, pdbs int) []string {
	b.Helper()
	podStore, _ := srv.API().Store(podsResource)
	pdbStore, _ := srv.API().Store(policyv1.SchemeGroupVersion.WithResource("poddisruptionbudgets"))
	ctx := context.Background()
	names := make([]string, n)
	for i := range n {
		names[i] = fmt.Sprintf("ev-%07d", i)
		p := realisticPod(names[i], "n1")
		p.Labels = map[string]string{"group": groupOf(i, pdbs)}
		if _, err := podStore.Create(ctx, p, store.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		if _, _, err := podStore.Update(ctx, "default", names[i], markReady, store.UpdateOptions{Subresource: "status"}); err != nil {
			b.Fatal(err)
		}
	}
	for g := range pdbs {
		zero := intstr.FromInt32(0)
		pdb := &policyv1.PodDisruptionBudget{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pdb-%d", g), Namespace: "default"},
			Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &zero, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"group": fmt.Sprint(g)}}},
		}
		created, err := pdbStore.Create(ctx, pdb, store.CreateOptions{})
		if err != nil {
			b.Fatal(err)
		}
		gen := created.(*policyv1.PodDisruptionBudget).Generation
		_, _, err = pdbStore.Update(ctx, "default", pdb.Name, func(cur runtime.Object) (runtime.Object, error) {
			p := cur.(*policyv1.PodDisruptionBudget)
			p.Status.ObservedGeneration = gen
			p.Status.DisruptionsAllowed = int32(n)
			p.Status.CurrentHealthy = int32(n)
			p.Status.ExpectedPods = int32(n)
			return p, nil
		}, store.UpdateOptions{Subresource: "status"})
		if err != nil {
			b.Fatal(err)
		}
	}
	return names
}

func groupOf(i, pdbs int) string {
	if pdbs == 0 {
		return "none"
	}
	return fmt.Sprint(i % pdbs)
}
