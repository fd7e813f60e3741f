package memory

import (
	"context"

	"github.com/evictd/evictd/internal/storage"
)

// Get returns the current value of key, or ErrKeyNotFound.
func (s *Store) Get(ctx context.Context, key string) (storage.KeyValue, error) {
	if err := ctx.Err(); err != nil {
		return storage.KeyValue{}, err
	}
	e, err := s.get(key)
	if err != nil {
		return storage.KeyValue{}, err
	}
	// Entries are immutable: copy after releasing the lock.
	return e.keyValue(cloneOut(e.value)), nil
}

func (s *Store) get(key string) (*entry, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, storage.ErrClosed
	}
	_, live := s.lookup(key)
	if live == nil {
		return nil, notFound(key)
	}
	return live, nil
}
