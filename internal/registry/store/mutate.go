package store

import (
	"context"
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
)

// Mutate changes a stored object with fn under compare-and-swap, without
// the strategy or validation: it is for transitions the server itself owns
// (a namespace turning Terminating), never for client requests.
func (s *Store) Mutate(ctx context.Context, namespace, name string, fn func(obj runtime.Object) error) (runtime.Object, error) {
	key := s.key(namespace, name)
	for {
		current, kv, err := s.get(ctx, namespace, name)
		if err != nil {
			return nil, err
		}
		obj := current.DeepCopyObject()
		if err := fn(obj); err != nil {
			return nil, err
		}
		out, err := s.writeIfChanged(ctx, name, key, obj, current, kv, false)
		if errors.Is(err, errRetry) {
			if ctx.Err() != nil {
				return nil, apierrors.NewTimeoutError(ctx.Err().Error(), 0)
			}
			continue
		}
		return out, err
	}
}
