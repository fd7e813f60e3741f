package scheduler

import (
	"container/heap"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
)

const (
	// initialBackoff and maxBackoff bound a failed pod's wait before its
	// next attempt: 1 s doubling per attempt up to 10 s (upstream's
	// podInitialBackoffSeconds and podMaxBackoffSeconds).
	initialBackoff = time.Second
	maxBackoff     = 10 * time.Second
	// maxUnschedulable is how long an unschedulable pod waits for a
	// cluster event before it is retried anyway (upstream's
	// podMaxInUnschedulablePodsDuration).
	maxUnschedulable = 5 * time.Minute
	// flushPeriod is how often backoff and unschedulable pods are checked
	// for being due (upstream flushes the backoff queue every second).
	flushPeriod = time.Second
)

// where a queued pod is.
type where int

const (
	active        where = iota // waiting for the scheduling loop
	backoff                    // failed; waiting until backoffUntil
	unschedulable              // failed; waiting for a cluster event
	inFlight                   // being scheduled
)

// queuedPod is one pending pod in the queue.
type queuedPod struct {
	pod      *corev1.Pod
	where    where
	attempts int
	seq      uint64 // FIFO order among equal priorities
	index    int    // in the active heap
	// rejectors are the filters that rejected the pod last time.
	rejectors    plugin
	backoffUntil time.Time
	since        time.Time // entered unschedulable
	// movesAtPop is queue.moves when the pod was popped; a different
	// count for a filter that rejected it means an event that may help
	// happened meanwhile.
	movesAtPop moveCounts
	updated    bool // the pod itself changed while in flight
}

// moveCounts counts the cluster events per filter they may affect.
type moveCounts [numPlugins]uint64

// queue is the scheduling queue: an active heap (priority, then FIFO), a
// backoff set and an unschedulable set, as upstream's priority queue.
// Pods are keyed by UID.
type queue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	clock clock.WithTicker
	pods  map[types.UID]*queuedPod
	heap  activeHeap
	// waiting holds the pods in backoff and unschedulable, so that events
	// and flushes (frequent while thousands of pods bind) look at those
	// only.
	waiting map[types.UID]*queuedPod
	seq     uint64
	moves   moveCounts
	closed  bool
}

func newQueue(clk clock.WithTicker) *queue {
	q := &queue{clock: clk, pods: map[types.UID]*queuedPod{}, waiting: map[types.UID]*queuedPod{}}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// add queues a new pending pod, or refreshes one already queued.
func (q *queue) add(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if qp, ok := q.pods[pod.UID]; ok {
		qp.pod = pod
		return
	}
	qp := &queuedPod{pod: pod}
	q.pods[pod.UID] = qp
	q.activate(qp)
}

// update refreshes a queued pod after a change that may alter where it
// fits (labels, spec): a waiting pod is retried (after its backoff), an
// in-flight one will be. An unknown pod is queued.
func (q *queue) update(pod *corev1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	qp, ok := q.pods[pod.UID]
	if !ok {
		qp = &queuedPod{pod: pod}
		q.pods[pod.UID] = qp
		q.activate(qp)
		return
	}
	qp.pod = pod
	switch qp.where {
	case inFlight:
		qp.updated = true
	case unschedulable:
		q.retry(qp)
	}
}

// remove forgets a pod (deleted, bound, or no longer ours).
func (q *queue) remove(uid types.UID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	qp, ok := q.pods[uid]
	if !ok {
		return
	}
	if qp.where == active {
		heap.Remove(&q.heap, qp.index)
	}
	delete(q.pods, uid)
	delete(q.waiting, uid)
}

// pop waits for an active pod and marks it in flight; ok is false once
// the queue is closed.
func (q *queue) pop() (pod *corev1.Pod, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.heap.Len() == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return nil, false
	}
	qp := heap.Pop(&q.heap).(*queuedPod)
	qp.where, qp.movesAtPop, qp.updated = inFlight, q.moves, false
	qp.attempts++
	return qp.pod, true
}

// close wakes every pop.
func (q *queue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.cond.Broadcast()
}

// activate puts qp on the active heap. The caller holds q.mu.
func (q *queue) activate(qp *queuedPod) {
	delete(q.waiting, qp.pod.UID)
	q.seq++
	qp.where, qp.seq = active, q.seq
	heap.Push(&q.heap, qp)
	q.cond.Signal()
}

// retry moves a waiting pod on: to the active heap if its backoff is
// over, otherwise to backoff. The caller holds q.mu.
func (q *queue) retry(qp *queuedPod) {
	if q.clock.Now().Before(qp.backoffUntil) {
		qp.where = backoff
		return
	}
	q.activate(qp)
}

// len counts queued pods (tests and logs).
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.pods)
}
