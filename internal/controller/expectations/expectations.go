// Package expectations remembers, per controller key, how many creations and
// deletions a controller has asked for and not yet seen in its informer
// cache, so that a sync running before the cache catches up does not create
// or delete a second time. It is kube-controller-manager's
// ControllerExpectations (pkg/controller/controller_utils.go) with an
// injected clock: a record is satisfied once both counts are at or below zero
// or once it is older than Timeout, whichever comes first.
//
// A controller calls ExpectCreations/ExpectDeletions before writing, the
// informer handlers call CreationObserved/DeletionObserved, and sync only
// creates or deletes when SatisfiedExpectations(key) is true. Deleting the
// controller object drops its record with DeleteExpectations.
package expectations

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// Timeout is how long a record is trusted. After it the controller acts
// again even though some creations or deletions were never observed (a watch
// event lost, a create that timed out but succeeded); upstream's
// ExpectationsTimeout is five minutes.
const Timeout = 5 * time.Minute

// record is one controller's outstanding creations and deletions.
type record struct {
	add, del int
	// timestamp is when the record was last set with Set/Expect*: lowering
	// or raising does not refresh it, as upstream.
	timestamp time.Time
}

// Expectations is safe for concurrent use. The zero value is not usable;
// build one with New.
type Expectations struct {
	clock   clock.PassiveClock
	mu      sync.Mutex
	records map[string]*record
}

// New returns empty expectations whose records age on clk (the real clock
// if nil).
func New(clk clock.PassiveClock) *Expectations {
	if clk == nil {
		clk = clock.RealClock{}
	}
	return &Expectations{clock: clk, records: map[string]*record{}}
}

// Get returns the outstanding creations and deletions of key, and whether
// a record exists.
func (e *Expectations) Get(key string) (add, del int, exists bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.records[key]
	if !ok {
		return 0, 0, false
	}
	return r.add, r.del, true
}

// SatisfiedExpectations reports whether the controller of key may create or
// delete again: there is no record (a new controller, or one whose record
// was deleted), every expected creation and deletion was observed, or the
// record expired.
func (e *Expectations) SatisfiedExpectations(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.records[key]
	if !ok {
		return true
	}
	fulfilled := r.add <= 0 && r.del <= 0
	expired := e.clock.Since(r.timestamp) > Timeout
	return fulfilled || expired
}

// SetExpectations replaces key's record with add creations and del
// deletions, stamped now.
func (e *Expectations) SetExpectations(key string, add, del int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.records[key] = &record{add: add, del: del, timestamp: e.clock.Now()}
}

// ExpectCreations replaces key's record with adds creations and no
// deletions.
func (e *Expectations) ExpectCreations(key string, adds int) {
	e.SetExpectations(key, adds, 0)
}

// ExpectDeletions replaces key's record with dels deletions and no
// creations.
func (e *Expectations) ExpectDeletions(key string, dels int) {
	e.SetExpectations(key, 0, dels)
}

// CreationObserved lowers key's expected creations by one.
func (e *Expectations) CreationObserved(key string) {
	e.LowerExpectations(key, 1, 0)
}

// DeletionObserved lowers key's expected deletions by one.
func (e *Expectations) DeletionObserved(key string) {
	e.LowerExpectations(key, 0, 1)
}

// LowerExpectations subtracts add and del from key's record, if any; the
// counts may go below zero (an observation without an expectation).
func (e *Expectations) LowerExpectations(key string, add, del int) {
	e.adjust(key, -add, -del)
}

// RaiseExpectations adds add and del to key's record, if any.
func (e *Expectations) RaiseExpectations(key string, add, del int) {
	e.adjust(key, add, del)
}

func (e *Expectations) adjust(key string, add, del int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.records[key]; ok {
		r.add += add
		r.del += del
	}
}

// DeleteExpectations drops key's record (its controller was deleted).
func (e *Expectations) DeleteExpectations(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.records, key)
}
