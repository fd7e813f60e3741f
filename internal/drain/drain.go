// Package drain empties nodes as `kubectl drain` does — cordon, the same
// pod filters (k8s.io/kubectl/pkg/drain's own), eviction with the
// discovery-chosen policy/v1, v1beta1 or delete fallback, wait until each
// pod's UID is gone — and better: many nodes at once, evictions paced by
// PodDisruptionBudget so a budget is not hammered with 429s, Retry-After
// honoured, a reason in words for every block, and a report per pod.
//
//	d := drain.New(client, drain.DefaultOptions())
//	report := d.Run(ctx, []string{"node-1", "node-2"})
//	err := report.Err() // *drain.Error with ExitCode() 1 or 2, or nil
package drain

import (
	"context"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	kubedrain "k8s.io/kubectl/pkg/drain"
	"k8s.io/utils/clock"
)

// Drainer drains nodes; it holds no state between Runs.
type Drainer struct {
	client kubernetes.Interface
	opts   Options
	clock  clock.WithTicker
	obs    *observer
	// reasons caches block explanations across the pods of one budget.
	reasons *reasonCache
}

// New returns a Drainer using client. Zero option fields that kubectl
// would not leave zero take DefaultOptions' values.
func New(client kubernetes.Interface, opts Options) *Drainer {
	def := DefaultOptions()
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = def.ChunkSize
	}
	if opts.MaxConcurrentNodes <= 0 {
		opts.MaxConcurrentNodes = 1
	}
	if opts.MinRetryDelay <= 0 {
		opts.MinRetryDelay = def.MinRetryDelay
	}
	if opts.MaxRetryDelay < opts.MinRetryDelay {
		opts.MaxRetryDelay = max(def.MaxRetryDelay, opts.MinRetryDelay)
	}
	if opts.DryRun == "" {
		opts.DryRun = DryRunNone
	}
	c := opts.Clock
	if c == nil {
		c = clock.RealClock{}
	}
	return &Drainer{client: client, opts: opts, clock: c, obs: &observer{fn: opts.Observe},
		reasons: &reasonCache{byKey: map[string]cachedReason{}}}
}

// Run cordons every node first, then drains them, MaxConcurrentNodes at
// a time, and reports what happened. A node that cannot be read, cordoned
// or drained fails alone; Report.Err sums the outcome up.
func (d *Drainer) Run(ctx context.Context, nodes []string) *Report {
	report := &Report{Nodes: make([]NodeReport, len(nodes))}
	cordoned := make([]bool, len(nodes))
	for i, name := range nodes {
		report.Nodes[i] = NodeReport{Name: name, Started: d.clock.Now(), Pods: []PodReport{}}
		if err := d.cordon(ctx, name, true); err != nil {
			d.fail(&report.Nodes[i], NodeOutcomeNotCordonable, err)
			continue
		}
		cordoned[i] = true
	}
	how, err := d.method()
	if err != nil {
		for i := range nodes {
			if cordoned[i] {
				d.fail(&report.Nodes[i], NodeOutcomeFailed, err)
				d.uncordonOnFailure(ctx, &report.Nodes[i])
			}
		}
		return report
	}
	var pace *budgets
	if how.paced() && d.opts.DryRun == DryRunNone {
		var stop func()
		pace, stop = d.startPacing(ctx)
		defer stop()
	}
	sem := make(chan struct{}, d.opts.MaxConcurrentNodes)
	var wg sync.WaitGroup
	for i := range nodes {
		if !cordoned[i] {
			continue
		}
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				d.fail(&report.Nodes[i], NodeOutcomeFailed, ctx.Err())
				return
			}
			defer func() { <-sem }()
			report.Nodes[i].Started = d.clock.Now()
			d.drainNode(ctx, &report.Nodes[i], how, pace)
			d.uncordonOnFailure(ctx, &report.Nodes[i])
		})
	}
	wg.Wait()
	return report
}

// startPacing watches every budget for the drain's pacing until stop. It
// returns nil budgets (no pacing: evictions are retried on 429 instead)
// if they cannot be watched.
func (d *Drainer) startPacing(ctx context.Context) (pace *budgets, stop func()) {
	factory := informers.NewSharedInformerFactory(d.client, 0)
	pace, err := newBudgets(factory)
	if err != nil {
		return nil, func() {}
	}
	stop = startFactory(ctx, factory)
	if !waitSynced(ctx, pace.synced) {
		return nil, stop
	}
	return pace, stop
}

// fail ends a node's report with outcome and err.
func (d *Drainer) fail(n *NodeReport, outcome NodeOutcome, err error) {
	n.Outcome, n.Error, n.Finished = outcome, err.Error(), d.clock.Now()
	d.obs.observe(Event{Time: n.Finished, Type: NodeFailed, Node: n.Name, Message: n.Error})
}

// method is how pods leave: policy/v1 or v1beta1 eviction as discovery
// advertises pods/eviction (kubectl's CheckEvictionSupport), else delete.
type method struct {
	eviction schema.GroupVersion // empty: delete
}

func (m method) String() string {
	if m.eviction.Empty() {
		return "delete"
	}
	return "eviction/" + m.eviction.String()
}

// paced says whether budgets are read: only for policy/v1 eviction (a
// server without it may not serve policy/v1 budgets either).
func (m method) paced() bool { return m.eviction.Group == "policy" && m.eviction.Version == "v1" }

// method asks discovery how pods leave. A client dry run asks too (a
// read), so its report names the method a real drain would use; kubectl's
// does not ask.
func (d *Drainer) method() (method, error) {
	if d.opts.DisableEviction {
		return method{}, nil
	}
	gv, err := kubedrain.CheckEvictionSupport(d.client)
	if err != nil {
		return method{}, fmt.Errorf("check eviction support: %w", err)
	}
	return method{eviction: gv}, nil
}
