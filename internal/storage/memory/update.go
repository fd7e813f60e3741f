package memory

import (
	"context"

	"github.com/evictd/evictd/internal/storage"
)

// Update replaces key's value if its ModRevision is still expectedRevision.
// Otherwise it fails with a *storage.ConflictError carrying the current
// value, or with ErrKeyNotFound if the key is gone. An expectedRevision of 0
// never matches: Update is always a compare-and-swap.
func (s *Store) Update(ctx context.Context, key string, value []byte, expectedRevision int64) (storage.KeyValue, error) {
	if err := ctx.Err(); err != nil {
		return storage.KeyValue{}, err
	}
	e := &entry{key: key, value: cloneIn(value)} // copy outside the lock
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return storage.KeyValue{}, storage.ErrClosed
	}
	h, live := s.lookup(key)
	if live == nil {
		return storage.KeyValue{}, notFound(key)
	}
	if live.rev != expectedRevision {
		return storage.KeyValue{}, conflict(live)
	}
	e.createRev = live.createRev
	e.prevValue = live.value
	s.commit(h, e)
	return e.keyValue(value), nil
}

// conflict reports a failed compare-and-swap against the live entry e.
func conflict(e *entry) error {
	return &storage.ConflictError{Current: e.keyValue(cloneOut(e.value))}
}
