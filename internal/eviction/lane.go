package eviction

import (
	"context"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// lanes serializes the budget writes of this server per PDB: one eviction
// at a time reads, checks and writes a given budget's status, so that
// evictions in this process never lose the compare-and-swap to each other
// (each loser would otherwise sleep upstream's 500 ms back-off). A lane
// exists only while an eviction holds or waits for it: memory is bounded
// by the requests in flight and no goroutine is left behind. The storage
// compare-and-swap still guards against every other writer.
type lanes struct {
	mu sync.Mutex
	m  map[string]*lane
}

// lane is one budget's turn: a token in a one-slot channel, so that a
// waiter can give up when its request ends.
type lane struct {
	turn  chan struct{}
	users int // holders and waiters; the lane is dropped at 0
}

func newLanes() *lanes { return &lanes{m: map[string]*lane{}} }

// acquire waits for the lane of key and returns its release, or a 504 if
// ctx ends first (the client is gone or its timeout passed).
func (l *lanes) acquire(ctx context.Context, key string) (release func(), err error) {
	l.mu.Lock()
	ln := l.m[key]
	if ln == nil {
		ln = &lane{turn: make(chan struct{}, 1)}
		l.m[key] = ln
	}
	ln.users++
	l.mu.Unlock()
	select {
	case ln.turn <- struct{}{}:
		return func() { <-ln.turn; l.leave(key, ln) }, nil
	case <-ctx.Done():
		l.leave(key, ln)
		return nil, apierrors.NewTimeoutError(fmt.Sprintf("waiting for the disruption budget %s: %v", key, ctx.Err()), 0)
	}
}

// leave drops one user of ln, and the lane with the last one.
func (l *lanes) leave(key string, ln *lane) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ln.users--
	if ln.users == 0 {
		delete(l.m, key)
	}
}

// size is the number of lanes in use, for tests.
func (l *lanes) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.m)
}
