package durability

import (
	"context"
	"sync"

	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/drain"
)

// drainRun is a drain of the node running in the background.
type drainRun struct {
	cancel   context.CancelFunc
	done     chan struct{}
	mu       sync.Mutex
	evicted  map[string]bool // pods whose eviction the drain saw accepted
	blocked  bool            // the budget held a pod back
	cordoned bool            // the node's cordon was acknowledged
}

// startDrain drains node with evictd's drain (kubectl's decisions, paced
// by the budget) until stop.
func startDrain(ctx context.Context, client kubernetes.Interface, node string) *drainRun {
	ctx, cancel := context.WithCancel(ctx)
	d := &drainRun{cancel: cancel, done: make(chan struct{}), evicted: map[string]bool{}}
	opts := drain.DefaultOptions()
	opts.Force = true // the budget's pods have no controller
	opts.IgnoreDaemonSets = true
	opts.Observe = func(e drain.Event) {
		d.mu.Lock()
		defer d.mu.Unlock()
		switch e.Type {
		case drain.NodeCordoned:
			d.cordoned = true
		case drain.PodEvicted:
			d.evicted[e.Pod] = true
		case drain.PodBlocked:
			d.blocked = true
		}
	}
	go func() {
		defer close(d.done)
		drain.New(client, opts).Run(ctx, []string{node})
	}()
	return d
}

// midway: the node is cordoned and the drain has evicted or been held
// back by the budget.
func (d *drainRun) midway() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cordoned && (d.blocked || len(d.evicted) > 0)
}

// progress says how many pods the drain saw evicted, and whether it
// cordoned the node.
func (d *drainRun) progress() (evicted int, cordoned bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.evicted), d.cordoned
}

// stop ends the drain (its server is dead: what is left of it waits for
// deletions that will never come) and returns the pods it evicted and
// whether it had cordoned the node.
func (d *drainRun) stop() (evicted map[string]bool, cordoned bool) {
	d.cancel()
	<-d.done
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.evicted, d.cordoned
}
