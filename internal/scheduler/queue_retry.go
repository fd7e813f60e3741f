package scheduler

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// done forgets a pod that was assumed onto a node.
func (q *queue) done(uid types.UID) { q.remove(uid) }

// failed files a pod that did not fit, or whose binding failed
// (rejectors 0). It waits in backoff if something changed while it was
// in flight (or on error); otherwise until a cluster event that can
// help, or maxUnschedulable.
func (q *queue) failed(uid types.UID, rejectors plugin) {
	q.mu.Lock()
	defer q.mu.Unlock()
	qp, ok := q.pods[uid]
	if !ok || qp.where != inFlight {
		return
	}
	now := q.clock.Now()
	qp.rejectors = rejectors
	qp.backoffUntil = now.Add(backoffFor(qp.attempts))
	q.waiting[uid] = qp
	if rejectors == 0 || qp.updated || q.movedSince(qp.movesAtPop, rejectors) {
		qp.where = backoff
		return
	}
	qp.where, qp.since = unschedulable, now
}

// movedSince tells whether an event affecting one of the filters
// happened since the counts were taken. The caller holds q.mu.
func (q *queue) movedSince(then moveCounts, filters plugin) bool {
	for i := range numPlugins {
		if filters&(1<<i) != 0 && q.moves[i] != then[i] {
			return true
		}
	}
	return false
}

// backoffFor is the wait after a pod's n-th attempt: 1 s, 2 s, 4 s, 8 s,
// then 10 s.
func backoffFor(attempts int) time.Duration {
	d := initialBackoff
	for i := 1; i < attempts; i++ {
		d *= 2
		if d >= maxBackoff {
			return maxBackoff
		}
	}
	return d
}

// move retries the unschedulable pods a cluster event affecting the
// given filters may help (a pod rejected by none of them stays put), and
// tells in-flight pods that something changed.
func (q *queue) move(affected plugin) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i := range numPlugins {
		if affected&(1<<i) != 0 {
			q.moves[i]++
		}
	}
	for _, qp := range q.waiting {
		if qp.where == unschedulable && qp.rejectors&affected != 0 {
			q.retry(qp)
		}
	}
}

// flush activates the backoff pods that are due and retries pods left
// unschedulable for maxUnschedulable.
func (q *queue) flush() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.clock.Now()
	for _, qp := range q.waiting {
		switch {
		case qp.where == backoff && !now.Before(qp.backoffUntil):
			q.activate(qp)
		case qp.where == unschedulable && now.Sub(qp.since) >= maxUnschedulable:
			q.retry(qp)
		}
	}
}

// runFlush calls flush every flushPeriod until ctx ends.
func (q *queue) runFlush(ctx context.Context) {
	t := q.clock.NewTicker(flushPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
			q.flush()
		}
	}
}
