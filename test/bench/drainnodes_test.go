package bench

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/evictd/evictd/internal/drain"
	"github.com/evictd/evictd/pkg/testserver"
)

// The cluster of BenchmarkDrainFiveNodes (issue 8): 100 Deployments × 5
// replicas, each with a PDB of maxUnavailable 1, on 10 nodes; node-1 …
// node-5 hold about half the pods (~250 evictions) and are drained at
// once; the 5 left hold all 500 afterwards (within their 110 each).
const (
	fiveNodesCluster = 10
	fiveNodesDrained = 5
)

// BenchmarkDrainFiveNodes drains 5 nodes in parallel: "evictd" with
// `evictd drain`'s engine (one Run, --max-concurrent-nodes 5, in this
// process), "kubectl" with 5 installed kubectl drain processes at once.
// Each reports the wall time until every node was drained and the 429s
// the drains were answered (budget refusals and Retry-After ones apart).
func BenchmarkDrainFiveNodes(b *testing.B) {
	b.Run("evictd", func(b *testing.B) { benchmarkDrainNodes(b, drainNodesEvictd) })
	b.Run("kubectl", func(b *testing.B) {
		if _, err := exec.LookPath("kubectl"); err != nil {
			b.Skip("no kubectl installed")
		}
		benchmarkDrainNodes(b, drainNodesKubectl)
	})
}

// nodesDrainer drains every node at once and counts the 429s.
type nodesDrainer func(ctx context.Context, c drainTarget, nodes []string) (tooMany, error)

func benchmarkDrainNodes(b *testing.B, drainAll nodesDrainer) {
	w := workload{ns: "bench", n: 100, replicas: 5}
	nodes := make([]string, fiveNodesDrained)
	for i := range nodes {
		nodes[i] = fmt.Sprintf("node-%d", i+1)
	}
	for range b.N {
		b.StopTimer()
		srv, client := startCluster(b, testserver.Options{Nodes: fiveNodesCluster}, fiveNodesCluster)
		ctx, cancel := context.WithTimeout(b.Context(), 3*settleTimeout)
		if err := settle(ctx, client, w); err != nil {
			b.Fatal(err)
		}
		evictions := podsOn(ctx, b, client, nodes)
		kubeconfig, err := srv.WriteKubeconfig(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		n, err := drainAll(ctx, drainTarget{srv: srv, kubeconfig: kubeconfig}, nodes)
		b.StopTimer()
		if err != nil {
			b.Error(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/drained")
		b.ReportMetric(float64(evictions), "evictions")
		b.ReportMetric(float64(n.budget), "budget-429s")
		b.ReportMetric(float64(n.throttled), "retry-after-429s")
		cancel()
		stopCluster(b, srv)
	}
}

// podsOn counts the pods on nodes before the drain.
func podsOn(ctx context.Context, b *testing.B, client kubernetes.Interface, nodes []string) int {
	b.Helper()
	var n int
	for _, node := range nodes {
		list, err := client.CoreV1().Pods("").List(ctx, listOnNode(node))
		if err != nil {
			b.Fatal(err)
		}
		n += len(list.Items)
	}
	return n
}

// drainNodesEvictd runs evictd drain's engine on every node in one Run,
// as `evictd drain node-1 … node-5 --max-concurrent-nodes 5
// --ignore-daemonsets --delete-emptydir-data` does, counting 429s on the
// wire.
func drainNodesEvictd(ctx context.Context, c drainTarget, nodes []string) (tooMany, error) {
	var budget, throttled atomic.Int64
	cfg := rest.CopyConfig(c.srv.RESTConfig())
	cfg.QPS, cfg.Burst = 100, 200 // evictd drain's own client rate
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { return count429(rt, &budget, &throttled) }
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return tooMany{}, err
	}
	opts := drain.DefaultOptions()
	opts.IgnoreDaemonSets, opts.DeleteEmptyDirData = true, true
	opts.MaxConcurrentNodes = len(nodes)
	opts.Timeout = 2 * settleTimeout
	tl, err := watchPDBTimeline(ctx, client)
	if err != nil {
		return tooMany{}, err
	}
	tl.restart()
	start := time.Now()
	report := drain.New(client, opts).Run(ctx, nodes)
	explainDrain(report, start, tl)
	return tooMany{budget: budget.Load(), throttled: throttled.Load()}, report.Err()
}

// explainDrain prints when the last eviction was accepted and the last pod
// gone, and how many pods the most crowded budget had on the drained
// nodes: each of them waits for the one before to be replaced. Verbose
// runs also show that budget's status changes beside its evictions.
func explainDrain(report *drain.Report, start time.Time, tl *pdbTimeline) {
	var lastEvicted, lastDeleted time.Time
	perBudget := map[string][]string{}
	for _, n := range report.Nodes {
		for _, p := range n.Pods {
			if p.EvictedAt != nil && p.EvictedAt.After(lastEvicted) {
				lastEvicted = *p.EvictedAt
			}
			if p.DeletedAt != nil && p.DeletedAt.After(lastDeleted) {
				lastDeleted = *p.DeletedAt
			}
			parts := strings.SplitN(p.Name, "-", 3) // app-N-<hash>-<suffix>: the PDB is app-N
			app := parts[0] + "-" + parts[1]
			if p.EvictedAt != nil && p.DeletedAt != nil {
				perBudget[app] = append(perBudget[app], fmt.Sprintf("%s on %s: %d attempts, evicted at %.2f s, gone at %.2f s",
					p.Name, n.Name, p.Attempts, p.EvictedAt.Sub(start).Seconds(), p.DeletedAt.Sub(start).Seconds()))
			}
		}
	}
	worst := ""
	for app, pods := range perBudget {
		if len(pods) > len(perBudget[worst]) {
			worst = app
		}
	}
	fmt.Printf("evictd drain: last eviction accepted at %.2f s, last pod gone at %.2f s, at most %d pods of one budget (%s)\n",
		lastEvicted.Sub(start).Seconds(), lastDeleted.Sub(start).Seconds(), len(perBudget[worst]), worst)
	if !testing.Verbose() {
		return
	}
	for _, l := range tl.of(worst) {
		fmt.Println("    PDB", worst, l)
	}
	for _, l := range perBudget[worst] {
		fmt.Println("    pod", l)
	}
}

// drainNodesKubectl runs one installed kubectl drain per node, all at once.
func drainNodesKubectl(ctx context.Context, c drainTarget, nodes []string) (tooMany, error) {
	var total tooMany
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for _, node := range nodes {
		wg.Go(func() {
			n, err := drainWithKubectl(ctx, c, node)
			mu.Lock()
			defer mu.Unlock()
			total.budget += n.budget
			total.throttled += n.throttled
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return total, fmt.Errorf("%d kubectl drains failed, first: %w", len(errs), errs[0])
	}
	return total, nil
}

// listOnNode lists the pods bound to node.
func listOnNode(node string) metav1.ListOptions {
	return metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String()}
}
