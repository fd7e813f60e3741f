package store

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
)

type (
	metaObject = metav1.Object
	metaTime   = metav1.Time
	strategy   = registry.Strategy
)

var metadataPath = field.NewPath("metadata")

// nameValidator is the resource's name rule (path-segment names by default).
func (s *Store) nameValidator() apimachineryvalidation.ValidateNameFunc {
	if s.res.ValidateName != nil {
		return s.res.ValidateName
	}
	return apimachineryvalidation.NameIsDNSSubdomain
}

// validateCreate runs the common metadata checks and the strategy's.
func (s *Store) validateCreate(ctx context.Context, obj runtime.Object) field.ErrorList {
	m, err := meta.Accessor(obj)
	if err != nil {
		return field.ErrorList{field.InternalError(metadataPath, err)}
	}
	errs := apimachineryvalidation.ValidateObjectMetaAccessor(m, s.res.Namespaced, s.nameValidator(), metadataPath)
	return append(errs, s.res.Strategy.Validate(ctx, obj)...)
}

// prepareUpdate applies upstream's rest.BeforeUpdate to obj, the proposed
// new state, given old, the stored state: the server-owned metadata is kept,
// the strategy prepares and validates.
func (s *Store) prepareUpdate(ctx context.Context, strategy strategy, obj, old runtime.Object) field.ErrorList {
	m, err := meta.Accessor(obj)
	if err != nil {
		return field.ErrorList{field.InternalError(metadataPath, err)}
	}
	oldMeta, err := meta.Accessor(old)
	if err != nil {
		return field.ErrorList{field.InternalError(metadataPath, err)}
	}
	if !s.res.Namespaced {
		m.SetNamespace("")
	}
	// Generation belongs to the server: the strategy bumps it on spec changes.
	m.SetGeneration(oldMeta.GetGeneration())
	strategy.Default(obj)
	strategy.PrepareForUpdate(ctx, obj, old)
	if m.GetUID() == "" {
		m.SetUID(oldMeta.GetUID())
	}
	if ts := oldMeta.GetCreationTimestamp(); !ts.IsZero() {
		m.SetCreationTimestamp(ts)
	}
	// An update can never remove or change the deletion timestamp or grace.
	if ts := oldMeta.GetDeletionTimestamp(); ts != nil {
		m.SetDeletionTimestamp(ts)
	}
	if g := oldMeta.GetDeletionGracePeriodSeconds(); g != nil {
		m.SetDeletionGracePeriodSeconds(g)
	}
	errs := apimachineryvalidation.ValidateObjectMetaAccessor(m, s.res.Namespaced, s.nameValidator(), metadataPath)
	errs = append(errs, apimachineryvalidation.ValidateObjectMetaAccessorUpdate(m, oldMeta, metadataPath)...)
	return append(errs, strategy.ValidateUpdate(ctx, obj, old)...)
}
