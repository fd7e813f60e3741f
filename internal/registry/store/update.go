package store

import (
	"bytes"
	"context"
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/storage"
)

// UpdateOptions tunes Update.
type UpdateOptions struct {
	DryRun bool
	// FieldManager names the writer in managedFields.
	FieldManager string
	// Subresource is "" for the main resource or "status".
	Subresource string
	// KeepManagedFields leaves managedFields as stored: the write is not
	// attributed to any manager. It is for writes the server makes on its
	// own behalf through the registry rather than through a request
	// handler, which is where upstream's field manager runs (the eviction's
	// DisruptionTarget condition).
	KeepManagedFields bool
}

// TryUpdate computes the desired object from current, a private copy of
// the stored object (nil when there is none). It may be called several
// times if other writers race with it. Returning an error aborts the update.
type TryUpdate func(current runtime.Object) (runtime.Object, error)

// errRetry asks the update loop to read the object again.
var errRetry = errors.New("retry")

// Update is upstream's GuaranteedUpdate: read, apply tryUpdate, check with
// the strategy, and write with compare-and-swap on the revision read,
// retrying on conflict. It reports whether the object was created (PUT may
// create when the strategy allows it).
func (s *Store) Update(ctx context.Context, namespace, name string, tryUpdate TryUpdate, opts UpdateOptions) (runtime.Object, bool, error) {
	return s.update(ctx, namespace, name, tryUpdate, opts, false)
}

// update runs the loop. For server-side apply, the field manager has
// already updated managedFields, and a missing object is always created.
func (s *Store) update(ctx context.Context, namespace, name string, tryUpdate TryUpdate, opts UpdateOptions, apply bool) (runtime.Object, bool, error) {
	if opts.DryRun {
		ctx = registry.WithDryRun(ctx)
	}
	strategy, fm, err := s.subresource(opts.Subresource)
	if err != nil {
		return nil, false, err
	}
	key := s.key(namespace, name)
	for {
		if err := ctx.Err(); err != nil {
			return nil, false, apierrors.NewTimeoutError(err.Error(), 0)
		}
		current, kv, err := s.get(ctx, namespace, name)
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, false, err
		}
		var input runtime.Object
		if current != nil {
			input = current.DeepCopyObject()
		}
		obj, err := tryUpdate(input)
		if err != nil {
			return nil, false, err
		}
		if err := s.checkSize(obj); err != nil {
			return nil, false, err
		}
		if current == nil {
			out, err := s.createOnUpdate(ctx, namespace, name, obj, strategy, opts, apply)
			if apierrors.IsAlreadyExists(err) {
				continue // created meanwhile: update it instead
			}
			return out, err == nil, err
		}
		if errs := s.prepareUpdate(ctx, strategy, obj, current); len(errs) > 0 {
			return nil, false, apierrors.NewInvalid(s.res.GroupVersionKind().GroupKind(), name, errs)
		}
		if !apply && fm != nil && !opts.KeepManagedFields {
			if obj, err = fm.Update(current, obj, opts.FieldManager); err != nil {
				return nil, false, apierrors.NewInternalError(err)
			}
		}
		if shouldDeleteDuringUpdate(obj, current) && (s.res.FinalizedBy == nil || s.res.FinalizedBy(obj)) {
			out, err := s.removeAt(ctx, name, key, obj, kv.ModRevision, opts.DryRun)
			if errors.Is(err, errRetry) {
				continue
			}
			return out, false, err
		}
		out, err := s.writeIfChanged(ctx, name, key, obj, current, kv, opts.DryRun)
		if errors.Is(err, errRetry) {
			continue
		}
		return out, false, err
	}
}

// subresource picks the rules for the main resource or its status.
func (s *Store) subresource(sub string) (registry.Strategy, *managedfields.FieldManager, error) {
	fms, err := s.fieldManagers()
	if err != nil {
		return nil, nil, apierrors.NewInternalError(err)
	}
	switch {
	case sub == "":
		return s.res.Strategy, fms.main, nil
	case sub == "status" && s.res.StatusStrategy != nil:
		return s.res.StatusStrategy, fms.status, nil
	case s.res.UpdateOnlySubresources[sub] != nil:
		return s.res.UpdateOnlySubresources[sub], nil, nil
	}
	return nil, nil, apierrors.NewNotFound(s.res.GroupResource(), sub)
}

// createOnUpdate handles a PUT (or apply) of a missing object.
func (s *Store) createOnUpdate(ctx context.Context, namespace, name string, obj runtime.Object, strategy registry.Strategy, opts UpdateOptions, apply bool) (runtime.Object, error) {
	if opts.Subresource != "" || !(apply || strategy.AllowCreateOnUpdate()) {
		return nil, apierrors.NewNotFound(s.res.GroupResource(), name)
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	m.SetNamespace(namespace)
	m.SetName(name)
	return s.create(ctx, obj, CreateOptions{DryRun: opts.DryRun, FieldManager: opts.FieldManager}, !apply)
}

// writeIfChanged stores obj over kv unless nothing changed, in which case
// current is returned untouched (no new resourceVersion, no watch event).
func (s *Store) writeIfChanged(ctx context.Context, name, key string, obj, current runtime.Object, kv storage.KeyValue, dryRun bool) (runtime.Object, error) {
	data, err := s.encode(obj)
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	if bytes.Equal(data, kv.Value) {
		return current, nil
	}
	if dryRun {
		return obj, setResourceVersion(obj, kv.ModRevision)
	}
	written, err := s.storage.Update(ctx, key, data, kv.ModRevision)
	if errors.Is(err, storage.ErrConflict) {
		return nil, errRetry
	}
	if err != nil {
		return nil, s.statusError(err, name)
	}
	return obj, setResourceVersion(obj, written.ModRevision)
}

// shouldDeleteDuringUpdate reports whether an update removed the last
// finalizer of an object whose deletion is due now (grace 0 or unset): the
// update then becomes the deletion (upstream's ShouldDeleteDuringUpdate).
func shouldDeleteDuringUpdate(obj, old runtime.Object) bool {
	m, err := meta.Accessor(obj)
	if err != nil {
		return false
	}
	oldMeta, err := meta.Accessor(old)
	if err != nil {
		return false
	}
	grace := oldMeta.GetDeletionGracePeriodSeconds()
	return len(m.GetFinalizers()) == 0 && oldMeta.GetDeletionTimestamp() != nil && (grace == nil || *grace == 0)
}
