package eviction

import "sync"

// lanes serializes the budget writes of this server per PDB, and lets one
// write carry every eviction that queued meanwhile. An eviction asks its
// budget's lane; if no eviction is writing that budget, it leads: it takes
// the queued asks, decides them one after the other on the status the
// previous ones left — as if they had written one at a time — and commits
// them in one compare-and-swap, then hands the lane to the next queued
// ask, which leads the next batch. Evictions in this process therefore never lose the
// compare-and-swap to each other, and a hot budget costs one status write
// per batch instead of one per eviction. A lane exists only while an
// eviction is queued or leading: memory is bounded by the requests in
// flight and no goroutine is left behind. The storage compare-and-swap
// still guards against every other writer.
type lanes struct {
	mu sync.Mutex
	m  map[string]*lane
}

// lane is one budget's queue.
type lane struct {
	queued  []*ask
	leading bool // an eviction is writing, or about to write, this budget
	users   int  // asks not yet returned; the lane is dropped at 0
}

// ask is one eviction's request to consume its budget.
type ask struct {
	pod     string
	manager string // field manager of the status write
	tries   *attempts
	// err is the eviction's answer (nil: the budget was consumed), and
	// answered says it is final; the leader sets both before waking the
	// ask's goroutine.
	err      error
	answered bool
	// wake carries one signal: the answer, or the lane handed over.
	wake chan struct{}
}

// maxBatch bounds the evictions one status write carries.
const maxBatch = 256

func newLanes() *lanes { return &lanes{m: map[string]*lane{}} }

// commit is one status write of a batch: it decides and records every ask
// of batch, setting each ask's err, and returns the write's own error.
type commit func(batch []*ask) error

// consume queues a on key's lane and returns its answer once a write that
// carried it has finished. The eviction that finds the lane idle leads:
// it writes one batch (its own ask first) and hands the lane to the first
// ask still queued, so no request waits for more than the writes queued
// before it and its own.
func (l *lanes) consume(key string, a *ask, write commit) error {
	a.wake = make(chan struct{}, 1)
	l.mu.Lock()
	ln := l.m[key]
	if ln == nil {
		ln = &lane{}
		l.m[key] = ln
	}
	ln.users++
	ln.queued = append(ln.queued, a)
	lead := !ln.leading
	ln.leading = true
	l.mu.Unlock()
	if !lead {
		<-a.wake // answered, or handed the lane
	}
	if !a.answered {
		l.leadOnce(ln, write) // a is the first of this batch
	}
	l.mu.Lock()
	ln.users--
	if ln.users == 0 {
		delete(l.m, key)
	}
	l.mu.Unlock()
	return a.err
}

// leadOnce writes the next batch of ln, answers its asks, and wakes the
// next leader, if any ask is left.
func (l *lanes) leadOnce(ln *lane, write commit) {
	l.mu.Lock()
	batch := takeBatch(ln)
	l.mu.Unlock()
	if err := write(batch); err != nil {
		for _, a := range batch {
			a.err = err
		}
	}
	l.mu.Lock()
	var next *ask
	if len(ln.queued) > 0 {
		next = ln.queued[0]
	} else {
		ln.leading = false
	}
	l.mu.Unlock()
	for _, a := range batch {
		a.answered = true
		a.wake <- struct{}{} // never blocks: one slot, one send per role
	}
	if next != nil {
		next.wake <- struct{}{}
	}
}

// takeBatch removes the first queued asks that share the first one's field
// manager (a status write has one), at most maxBatch.
func takeBatch(ln *lane) []*ask {
	n := 0
	for n < len(ln.queued) && n < maxBatch && ln.queued[n].manager == ln.queued[0].manager {
		n++
	}
	batch := ln.queued[:n:n]
	ln.queued = ln.queued[n:]
	if len(ln.queued) == 0 {
		ln.queued = nil
	}
	return batch
}

// size is the number of lanes in use, for tests.
func (l *lanes) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}
