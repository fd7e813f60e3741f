package store

import (
	"context"
	"errors"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilrand "k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/uuid"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/storage"
)

// CreateOptions tunes Create.
type CreateOptions struct {
	// DryRun runs every check but stores nothing.
	DryRun bool
	// FieldManager names the writer in managedFields.
	FieldManager string
}

// generateNameAttempts bounds the retries of a create whose generated name
// collided with an existing object (upstream retries too, since 1.30).
const generateNameAttempts = 8

// maxGeneratedNameLength leaves room for the 5 random characters within
// the 63-character limit of most names.
const maxGeneratedNameLength = 63 - 5

// Create stores a new object after defaulting, preparing and validating it.
// The object's namespace must already be set for namespaced resources.
func (s *Store) Create(ctx context.Context, obj runtime.Object, opts CreateOptions) (runtime.Object, error) {
	return s.create(ctx, obj, opts, true)
}

// create stores obj; trackFields is false when server-side apply has
// already written managedFields.
func (s *Store) create(ctx context.Context, obj runtime.Object, opts CreateOptions, trackFields bool) (runtime.Object, error) {
	if opts.DryRun {
		ctx = registry.WithDryRun(ctx)
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	if !s.res.Namespaced {
		m.SetNamespace("")
	}
	if err := s.checkSize(obj); err != nil {
		return nil, err
	}
	s.res.Strategy.Default(obj)
	s.res.Strategy.PrepareForCreate(ctx, obj)
	fillSystemFields(m, s.now())
	fms, err := s.fieldManagers()
	if err != nil {
		return nil, apierrors.NewInternalError(err)
	}
	if trackFields && fms.main != nil {
		live := s.res.New()
		if obj, err = fms.main.Update(live, obj, opts.FieldManager); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		if m, err = meta.Accessor(obj); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
	}
	generate := m.GetName() == "" && m.GetGenerateName() != ""
	for attempt := 0; ; attempt++ {
		if generate {
			m.SetName(GenerateName(m.GetGenerateName()))
		}
		if errs := s.validateCreate(ctx, obj); len(errs) > 0 {
			return nil, apierrors.NewInvalid(s.res.GroupVersionKind().GroupKind(), m.GetName(), errs)
		}
		if opts.DryRun {
			return obj, nil // the hooks took nothing
		}
		data, err := s.encode(obj)
		if err != nil {
			s.release(obj)
			return nil, apierrors.NewInternalError(err)
		}
		kv, err := s.storage.Create(ctx, s.key(m.GetNamespace(), m.GetName()), data)
		if errors.Is(err, storage.ErrKeyExists) && generate && attempt < generateNameAttempts {
			continue
		}
		if err != nil {
			s.release(obj)
			return nil, s.statusError(err, m.GetName())
		}
		if err := setResourceVersion(obj, kv.ModRevision); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
		return obj, nil
	}
}

// fillSystemFields sets what the server owns on a new object: uid,
// creationTimestamp, and no deletion fields.
func fillSystemFields(m metaObject, now metaTime) {
	m.SetCreationTimestamp(now)
	m.SetUID(types.UID(uuid.NewUUID()))
	m.SetDeletionTimestamp(nil)
	m.SetDeletionGracePeriodSeconds(nil)
	m.SetResourceVersion("")
	m.SetSelfLink("")
}

// GenerateName appends 5 random characters to base, as upstream's
// SimpleNameGenerator does: the name of an object created with
// generateName.
func GenerateName(base string) string {
	if len(base) > maxGeneratedNameLength {
		base = base[:maxGeneratedNameLength]
	}
	return base + utilrand.String(5)
}

// release gives back what PrepareForCreate took for obj, if the resource
// takes anything.
func (s *Store) release(obj runtime.Object) {
	if s.res.Release != nil {
		s.res.Release(obj)
	}
}
