package memory

import (
	"context"

	"github.com/evictd/evictd/internal/storage"
)

// Delete removes key, unconditionally when expectedRevision is 0 and as a
// compare-and-swap otherwise (a mismatch gives a *storage.ConflictError).
// It returns the last value with ModRevision set to the deletion's
// revision. The key's history keeps a tombstone until compaction passes it,
// so reads at older revisions still see the value.
func (s *Store) Delete(ctx context.Context, key string, expectedRevision int64) (storage.KeyValue, error) {
	if err := ctx.Err(); err != nil {
		return storage.KeyValue{}, err
	}
	s.mu.Lock()
	h, live := s.lookup(key)
	switch {
	case s.closed:
		s.mu.Unlock()
		return storage.KeyValue{}, storage.ErrClosed
	case live == nil:
		s.mu.Unlock()
		return storage.KeyValue{}, notFound(key)
	case expectedRevision != 0 && live.rev != expectedRevision:
		s.mu.Unlock()
		return storage.KeyValue{}, conflict(live)
	}
	e := &entry{key: key, createRev: live.createRev, prevValue: live.value, deleted: true}
	s.commit(h, e)
	s.mu.Unlock()
	// Entries are immutable: copy after releasing the lock.
	return e.keyValue(cloneOut(e.prevValue)), nil
}
