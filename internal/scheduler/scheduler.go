// Package scheduler is evictd's scheduler: it binds pending pods to
// nodes the way kube-scheduler's default profile would choose them, so
// that the pods a workload controller creates (replacements of evicted
// pods among them) land on a node and spread.
//
// Each pending pod goes through the filters (NodeUnschedulable,
// TaintToleration with node readiness, NodeAffinity, NodePorts,
// NodeResourcesFit, PodTopologySpread, InterPodAffinity) and the scores
// (least allocated, balanced allocation, topology spreading with
// upstream's system defaults, preferred node affinity, PreferNoSchedule
// taints) against an in-memory cache of nodes and their pods, is assumed
// onto the best node, and is bound through pods/binding by a pool of
// binding workers. A pod that fits nowhere gets PodScheduled=False and a
// FailedScheduling event whose text matches upstream's, and waits in the
// scheduling queue for a cluster event or its backoff.
//
// It speaks only client-go (pod and node informers, the typed client),
// so it runs unchanged against evictd or a real cluster. docs/scheduler.md
// lists what it matches of upstream and what it leaves out.
package scheduler

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

const (
	// SchedulerName is the spec.schedulerName of the pods this scheduler
	// binds (an empty name means it too), and the source component of its
	// events.
	SchedulerName = "default-scheduler"

	// defaultBindWorkers is how many bindings run at once. Upstream runs
	// each binding in its own goroutine; a pool gives the same overlap of
	// API round trips with a bounded number of goroutines. Scheduling a
	// pod takes microseconds and a binding a few milliseconds, so dozens
	// of bindings in flight keep a burst of pods moving.
	defaultBindWorkers = 64
)

// Options holds the optional parts of a Scheduler; the zero value is valid.
type Options struct {
	// BindWorkers is the number of concurrent API calls (bindings and
	// status writes). Defaults to 64.
	BindWorkers int
	// Log receives binding errors and progress. Defaults to slog.Default().
	Log *slog.Logger
}

// Scheduler binds pending pods to nodes. Build it with New, start the
// informer factory, then call Run.
type Scheduler struct {
	client   kubernetes.Interface
	recorder record.EventRecorder
	clock    clock.WithTicker
	log      *slog.Logger
	workers  int

	pods   corelisters.PodLister
	synced []cache.InformerSynced
	cache  *nodeCache
	queue  *queue

	// nextStart is where the next search for feasible nodes begins, and
	// tieBreak picks among equally scored nodes; both only move in the
	// scheduling loop.
	nextStart int
	tieBreak  int
}

// New builds a Scheduler and registers its handlers on the pod and node
// informers of factory, so it must be called before factory.Start.
// recorder should name SchedulerName as its source component.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder record.EventRecorder,
	clk clock.WithTicker, opts Options) (*Scheduler, error) {
	if client == nil || factory == nil || recorder == nil {
		return nil, errors.New("scheduler.New: client, informer factory and recorder are required")
	}
	if clk == nil {
		clk = clock.RealClock{}
	}
	if opts.BindWorkers < 1 {
		opts.BindWorkers = defaultBindWorkers
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	s := &Scheduler{
		client:   client,
		recorder: recorder,
		clock:    clk,
		log:      opts.Log,
		workers:  opts.BindWorkers,
		cache:    newNodeCache(),
		queue:    newQueue(clk),
	}
	if err := s.watch(factory); err != nil {
		return nil, err
	}
	return s, nil
}

// Run waits for the informer caches, then schedules pods until ctx ends,
// and returns once every goroutine it started has stopped.
func (s *Scheduler) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	// Closing the queue ends the scheduling loop, after ctx ends or when
	// the caches never sync.
	defer s.queue.close()

	s.log.Info("starting")
	defer s.log.Info("stopped")
	if !cache.WaitForCacheSync(ctx.Done(), s.synced...) {
		return
	}
	// calls hands API calls to the workers; its buffer lets the scheduling
	// loop run a little ahead of slow round trips before it blocks.
	calls := make(chan func(context.Context), s.workers*4)
	for range s.workers {
		wg.Go(func() { work(ctx, calls) })
	}
	wg.Go(func() { s.queue.runFlush(ctx) })
	wg.Go(func() {
		for s.scheduleOne(ctx, calls) {
		}
	})
	<-ctx.Done()
}

// work runs API calls until ctx ends.
func work(ctx context.Context, calls <-chan func(context.Context)) {
	for {
		select {
		case <-ctx.Done():
			return
		case call := <-calls:
			call(ctx)
		}
	}
}

// submit hands call to a worker, or drops it when ctx ends first.
func submit(ctx context.Context, calls chan<- func(context.Context), call func(context.Context)) {
	select {
	case <-ctx.Done():
	case calls <- call:
	}
}
