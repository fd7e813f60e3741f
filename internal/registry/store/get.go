package store

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/storage"
)

// Get returns the current object, or a NotFound StatusError.
func (s *Store) Get(ctx context.Context, namespace, name string) (runtime.Object, error) {
	obj, _, err := s.get(ctx, namespace, name)
	return obj, err
}

// get also returns the stored value, for compare-and-swap callers.
func (s *Store) get(ctx context.Context, namespace, name string) (runtime.Object, storage.KeyValue, error) {
	kv, err := s.storage.Get(ctx, s.key(namespace, name))
	if err != nil {
		return nil, kv, s.statusError(err, name)
	}
	obj, err := s.decode(kv.Value, kv.ModRevision)
	if err != nil {
		return nil, kv, s.statusError(err, name)
	}
	return obj, kv, nil
}
