package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/kubectl/pkg/drain"

	"github.com/evictd/evictd/pkg/testserver"
)

// drainCluster is BenchmarkDrain's cluster: 100 Deployments × 10
// replicas, each with a PDB of maxUnavailable 1, on 120 nodes, of which
// the first drained nodes are drained at once; the 20 left hold every pod
// afterwards (50 each, within their 110).
const (
	drainNodes   = 120
	drainedNodes = 100
)

// kubectlEvictRetryDelay and kubectlChunkSize are what kubectl drain sets
// in the library's Helper.
const (
	kubectlEvictRetryDelay = 5 * time.Second
	kubectlChunkSize       = 500
)

// retryLine is what kubectl's drain prints for every eviction answered
// 429 (the PDB refused it) before retrying 5 s later.
var retryLine = []byte("will retry after")

// BenchmarkDrain is issue 6's third benchmark: `kubectl drain` of 100
// nodes at once on a cluster where every Deployment has a PDB
// (maxUnavailable 1). "library" runs k8s.io/kubectl/pkg/drain (kubectl's
// own drain code) in 100 goroutines of this process; "kubectl" runs 100
// installed kubectl processes. Each reports the wall time until every
// drain returned and the 429s the drains were answered.
func BenchmarkDrain(b *testing.B) {
	if testing.Short() {
		b.Skip("100 concurrent drains")
	}
	b.Run("library", func(b *testing.B) { benchmarkDrain(b, drainWithLibrary) })
	b.Run("kubectl", func(b *testing.B) {
		if _, err := exec.LookPath("kubectl"); err != nil {
			b.Skip("no kubectl installed")
		}
		benchmarkDrain(b, drainWithKubectl)
	})
}

// drainer drains node to the end and counts the 429s it was answered.
type drainer func(ctx context.Context, c drainTarget, node string) (tooMany, error)

// tooMany counts 429s: budget are the evictions a PDB refused, the ones
// drain itself retries 5 s later; throttled are those carrying
// Retry-After (the server's inflight limit, or a budget "still being
// processed"), which client-go retries by itself and drain never sees.
type tooMany struct{ budget, throttled int64 }

// drainTarget is the cluster to drain: its server and a kubeconfig file.
type drainTarget struct {
	srv        *testserver.Server
	kubeconfig string
}

func benchmarkDrain(b *testing.B, drainNode drainer) {
	w := workload{ns: "bench", n: 100, replicas: 10}
	for range b.N {
		b.StopTimer()
		srv, client := startCluster(b, testserver.Options{Nodes: drainNodes}, drainNodes)
		ctx, cancel := context.WithTimeout(b.Context(), 3*settleTimeout)
		if err := settle(ctx, client, w); err != nil {
			b.Fatal(err)
		}
		kubeconfig, err := srv.WriteKubeconfig(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		target := drainTarget{srv: srv, kubeconfig: kubeconfig}
		b.StartTimer()
		start := time.Now()
		var budget, throttled atomic.Int64
		var wg sync.WaitGroup
		for i := range drainedNodes {
			wg.Go(func() {
				n, err := drainNode(ctx, target, fmt.Sprintf("node-%d", i+1))
				budget.Add(n.budget)
				throttled.Add(n.throttled)
				if err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		b.ReportMetric(time.Since(start).Seconds(), "s/drained")
		b.ReportMetric(float64(budget.Load()), "budget-429s")
		b.ReportMetric(float64(throttled.Load()), "retry-after-429s")
		cancel()
		stopCluster(b, srv)
	}
}

// settle creates w and waits for it to be Ready.
func settle(ctx context.Context, client kubernetes.Interface, w workload) error {
	s, err := watchSettled(ctx, client, w)
	if err != nil {
		return err
	}
	if err := w.create(ctx, client); err != nil {
		return err
	}
	return s.wait(ctx)
}

// drainWithLibrary cordons and drains node as kubectl drain
// --ignore-daemonsets --delete-emptydir-data does, counting the 429s seen
// on the wire.
func drainWithLibrary(ctx context.Context, c drainTarget, node string) (tooMany, error) {
	var budget, throttled atomic.Int64
	cfg := rest.CopyConfig(c.srv.RESTConfig())
	cfg.QPS = -1
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper { return count429(rt, &budget, &throttled) }
	counted := func() tooMany { return tooMany{budget: budget.Load(), throttled: throttled.Load()} }
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return tooMany{}, err
	}
	// kubectl's settings: the library's zero EvictErrorRetryDelay would
	// retry a refused eviction at once, in a loop (153,000 429s in one
	// run of this benchmark instead of ~2,500).
	h := &drain.Helper{
		Ctx: ctx, Client: client, GracePeriodSeconds: -1, Timeout: 2 * settleTimeout,
		EvictErrorRetryDelay: kubectlEvictRetryDelay, ChunkSize: kubectlChunkSize,
		IgnoreAllDaemonSets: true, DeleteEmptyDirData: true, Out: io.Discard, ErrOut: io.Discard,
	}
	n, err := client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		return counted(), err
	}
	if err := drain.RunCordonOrUncordon(h, n, true); err != nil {
		return counted(), fmt.Errorf("cordon %s: %w", node, err)
	}
	if err := drain.RunNodeDrain(h, node); err != nil {
		return counted(), fmt.Errorf("drain %s: %w", node, err)
	}
	return counted(), nil
}

// drainWithKubectl runs the installed kubectl drain and counts its retry
// lines, one per budget 429 (client-go's own retries are not printed).
func drainWithKubectl(ctx context.Context, c drainTarget, node string) (tooMany, error) {
	cmd := exec.CommandContext(ctx, "kubectl", "--kubeconfig", c.kubeconfig, "drain", node,
		"--ignore-daemonsets", "--delete-emptydir-data", "--timeout", (2 * settleTimeout).String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	retries := tooMany{budget: int64(bytes.Count(stderr.Bytes(), retryLine))}
	if err != nil {
		return retries, fmt.Errorf("kubectl drain %s: %w\n%s", node, err, stderr.Bytes())
	}
	return retries, nil
}

// count429 counts the 429 answers rt receives: with Retry-After into
// throttled, without into budget.
func count429(rt http.RoundTripper, budget, throttled *atomic.Int64) http.RoundTripper {
	return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		switch {
		case err != nil || resp.StatusCode != http.StatusTooManyRequests:
		case resp.Header.Get("Retry-After") != "":
			throttled.Add(1)
		default:
			budget.Add(1)
		}
		return resp, err
	})
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
