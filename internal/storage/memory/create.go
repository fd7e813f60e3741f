package memory

import (
	"context"
	"fmt"

	"github.com/evictd/evictd/internal/storage"
)

// Create stores a new key, or fails with ErrKeyExists. A key that was
// deleted can be created again; it gets a new CreateRevision.
func (s *Store) Create(ctx context.Context, key string, value []byte) (storage.KeyValue, error) {
	if err := ctx.Err(); err != nil {
		return storage.KeyValue{}, err
	}
	if err := validKey(key); err != nil {
		return storage.KeyValue{}, err
	}
	e := &entry{key: key, value: cloneIn(value)} // copy outside the lock
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return storage.KeyValue{}, storage.ErrClosed
	}
	h, live := s.lookup(key)
	if live != nil {
		return storage.KeyValue{}, fmt.Errorf("%s: %w", key, storage.ErrKeyExists)
	}
	s.commit(h, e)
	return e.keyValue(value), nil
}
