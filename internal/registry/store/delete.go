package store

import (
	"context"
	"errors"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/storage"
)

// deleteOptionsKind qualifies DeleteOptions validation errors as upstream does.
var deleteOptionsKind = schema.GroupKind{Group: metav1.GroupName, Kind: "DeleteOptions"}

// Delete deletes an object following Kubernetes' rules: preconditions,
// graceful deletion for strategies that implement it, finalizers (the
// object stays, marked deleting, until they are gone) and the
// garbage-collection finalizers the propagation policy asks for. It returns
// the object's last state and whether it was removed from storage.
func (s *Store) Delete(ctx context.Context, namespace, name string, opts *metav1.DeleteOptions) (runtime.Object, bool, error) {
	if opts == nil {
		opts = &metav1.DeleteOptions{}
	}
	if err := ValidateDeleteOptions(opts); err != nil {
		return nil, false, err
	}
	dryRun := len(opts.DryRun) > 0
	key := s.key(namespace, name)
	for {
		current, kv, err := s.get(ctx, namespace, name)
		if err != nil {
			return nil, false, err
		}
		if err := s.CheckPreconditions(name, current, opts.Preconditions); err != nil {
			return nil, false, err
		}
		options := opts.DeepCopy()
		obj := current.DeepCopyObject()
		m, err := meta.Accessor(obj)
		if err != nil {
			return nil, false, apierrors.NewInternalError(err)
		}
		graceful, pending := s.beforeDelete(ctx, obj, m, options)
		if pending {
			return current, false, nil
		}
		finalizersChanged, finalizers := gcFinalizers(m, options)
		if graceful || len(m.GetFinalizers()) > 0 || finalizersChanged {
			if finalizersChanged {
				m.SetFinalizers(finalizers)
			}
			if !graceful && len(m.GetFinalizers()) > 0 {
				s.markDeleting(m)
			}
			if !graceful && len(m.GetFinalizers()) == 0 {
				// Nothing keeps the object: remove it below.
			} else {
				out, err := s.writeIfChanged(ctx, name, key, obj, current, kv, dryRun)
				if errors.Is(err, errRetry) {
					if options.Preconditions != nil && options.Preconditions.ResourceVersion != nil {
						return nil, false, apierrors.NewConflict(s.res.GroupResource(), name, errors.New(conflictMessage))
					}
					continue
				}
				if err != nil {
					return nil, false, err
				}
				if len(m.GetFinalizers()) > 0 || gracePeriod(m) > 0 || dryRun {
					return out, false, nil
				}
				// Grace 0: the update announced the deletion; now remove.
				om, _ := meta.Accessor(out)
				rev, err := parseRV(om.GetResourceVersion())
				if err != nil {
					return nil, false, apierrors.NewInternalError(err)
				}
				kv.ModRevision = rev
				obj = out
				if p := opts.Preconditions; p != nil && p.ResourceVersion != nil {
					// Our own write must not trip the caller's precondition.
					opts = opts.DeepCopy()
					opts.Preconditions.ResourceVersion = ptr(om.GetResourceVersion())
				}
			}
		}
		out, err := s.removeAt(ctx, name, key, obj, kv.ModRevision, dryRun)
		if errors.Is(err, errRetry) {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		return out, true, nil
	}
}

// beforeDelete is upstream's rest.BeforeDelete for an object that exists:
// it reports whether the deletion is graceful (the object is updated with
// deletion metadata) or already pending (nothing to do).
func (s *Store) beforeDelete(ctx context.Context, obj runtime.Object, m metav1.Object, options *metav1.DeleteOptions) (graceful, pending bool) {
	gd, ok := s.res.Strategy.(registry.GracefulDeleter)
	if !ok {
		return false, false
	}
	if options.GracePeriodSeconds != nil && *options.GracePeriodSeconds < 0 {
		one := int64(1)
		options.GracePeriodSeconds = &one
	}
	if ts := m.GetDeletionTimestamp(); ts != nil {
		stored := m.GetDeletionGracePeriodSeconds()
		if stored == nil || *stored == 0 {
			return false, false // recover a deletion that was interrupted
		}
		if options.GracePeriodSeconds == nil || *options.GracePeriodSeconds >= *stored {
			options.GracePeriodSeconds = stored
			return false, true // only a shorter grace may be requested
		}
		period := *options.GracePeriodSeconds
		newTS := ts.Add(-secs(*stored)).Add(secs(period))
		if now := s.clock.Now(); newTS.Before(now) {
			newTS = now
			if period != 0 {
				period = 1
			}
		}
		t := metav1.NewTime(newTS)
		m.SetDeletionTimestamp(&t)
		m.SetDeletionGracePeriodSeconds(&period)
		return true, false
	}
	if !gd.CheckGracefulDelete(ctx, obj, options) || options.GracePeriodSeconds == nil {
		return false, false
	}
	period := *options.GracePeriodSeconds
	t := metav1.NewTime(s.clock.Now().Add(secs(period)))
	m.SetDeletionTimestamp(&t)
	m.SetDeletionGracePeriodSeconds(&period)
	if g := m.GetGeneration(); g > 0 {
		m.SetGeneration(g + 1)
	}
	return true, false
}

// markDeleting stamps an object that finalizers keep: deletion is due now.
func (s *Store) markDeleting(m metav1.Object) {
	now := s.now()
	if ts := m.GetDeletionTimestamp(); ts == nil || now.Before(ts) {
		if ts == nil && m.GetGeneration() > 0 {
			m.SetGeneration(m.GetGeneration() + 1)
		}
		m.SetDeletionTimestamp(&now)
	}
	zero := int64(0)
	m.SetDeletionGracePeriodSeconds(&zero)
}

// removeAt deletes key if it is still at rev, returning obj as the last
// state with the deletion's resourceVersion. A conflict asks for a retry.
func (s *Store) removeAt(ctx context.Context, name, key string, obj runtime.Object, rev int64, dryRun bool) (runtime.Object, error) {
	if dryRun {
		return obj, nil
	}
	kv, err := s.storage.Delete(ctx, key, rev)
	if errors.Is(err, storage.ErrConflict) {
		return nil, errRetry
	}
	if err != nil {
		return nil, s.statusError(err, name)
	}
	s.attrs.forget(key)
	s.attrs.forget(prevKey(key))
	s.shared.m.Delete(key)
	s.release(obj)
	return obj, setResourceVersion(obj, kv.ModRevision)
}

// CheckPreconditions compares preconditions with obj, answering a
// mismatch with upstream's 409 and messages ("on Pod \"x\": the UID in the
// precondition …"). Upstream names the kind there, not the resource.
func (s *Store) CheckPreconditions(name string, obj runtime.Object, p *metav1.Preconditions) error {
	if p == nil {
		return nil
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	gr := schema.GroupResource{Group: s.res.GroupVersion.Group, Resource: s.res.Kind}
	if p.UID != nil && *p.UID != "" && *p.UID != m.GetUID() {
		return apierrors.NewConflict(gr, name, fmt.Errorf("the UID in the precondition (%s) does not match the UID in record (%s). The object might have been deleted and then recreated", *p.UID, m.GetUID()))
	}
	if p.ResourceVersion != nil && *p.ResourceVersion != "" && *p.ResourceVersion != m.GetResourceVersion() {
		return apierrors.NewConflict(gr, name, fmt.Errorf("the ResourceVersion in the precondition (%s) does not match the ResourceVersion in record (%s). The object might have been modified", *p.ResourceVersion, m.GetResourceVersion()))
	}
	return nil
}

// gcFinalizers computes the finalizers the propagation policy asks for
// (orphan or foregroundDeletion) and reports whether they differ from the
// object's.
func gcFinalizers(m metav1.Object, options *metav1.DeleteOptions) (bool, []string) {
	orphan, foreground := false, false
	switch {
	case options.PropagationPolicy != nil:
		orphan = *options.PropagationPolicy == metav1.DeletePropagationOrphan
		foreground = *options.PropagationPolicy == metav1.DeletePropagationForeground
	case options.OrphanDependents != nil:
		orphan = *options.OrphanDependents
	default:
		// No policy: a finalizer set by an earlier delete stays in force.
		orphan = slices.Contains(m.GetFinalizers(), metav1.FinalizerOrphanDependents)
		foreground = !orphan && slices.Contains(m.GetFinalizers(), metav1.FinalizerDeleteDependents)
	}
	var out []string
	for _, f := range m.GetFinalizers() {
		if f != metav1.FinalizerOrphanDependents && f != metav1.FinalizerDeleteDependents {
			out = append(out, f)
		}
	}
	if orphan {
		out = append(out, metav1.FinalizerOrphanDependents)
	}
	if foreground {
		out = append(out, metav1.FinalizerDeleteDependents)
	}
	old := m.GetFinalizers()
	same := len(old) == len(out)
	for _, f := range out {
		same = same && slices.Contains(old, f)
	}
	return !same, out
}

// ValidateDeleteOptions mirrors upstream's DeleteOptions validation: the
// 422 that delete handlers answer before doing anything.
func ValidateDeleteOptions(o *metav1.DeleteOptions) error {
	if errs := validateDeleteOptions(o); len(errs) > 0 {
		return apierrors.NewInvalid(deleteOptionsKind, "", errs)
	}
	return nil
}

func validateDeleteOptions(o *metav1.DeleteOptions) field.ErrorList {
	var errs field.ErrorList
	if o.OrphanDependents != nil && o.PropagationPolicy != nil {
		errs = append(errs, field.Invalid(field.NewPath("propagationPolicy"), o.PropagationPolicy, "orphanDependents and deletionPropagation cannot be both set"))
	}
	if p := o.PropagationPolicy; p != nil {
		switch *p {
		case metav1.DeletePropagationForeground, metav1.DeletePropagationBackground, metav1.DeletePropagationOrphan:
		default:
			errs = append(errs, field.NotSupported(field.NewPath("propagationPolicy"), *p,
				[]string{string(metav1.DeletePropagationForeground), string(metav1.DeletePropagationBackground), string(metav1.DeletePropagationOrphan)}))
		}
	}
	errs = append(errs, ValidateDryRun(field.NewPath("dryRun"), o.DryRun)...)
	return errs
}

// ValidateDryRun accepts only the value "All", as upstream does.
func ValidateDryRun(path *field.Path, dryRun []string) field.ErrorList {
	for _, v := range dryRun {
		if v != metav1.DryRunAll {
			return field.ErrorList{field.NotSupported(path, dryRun, []string{metav1.DryRunAll})}
		}
	}
	return nil
}

func gracePeriod(m metav1.Object) int64 {
	if g := m.GetDeletionGracePeriodSeconds(); g != nil {
		return *g
	}
	return 0
}

// deleteCollectionPage is how many keys DeleteCollection reads at a time:
// what one request holds decoded, whatever the collection's size.
// Upstream lists 10,000 per page; objects are deleted one by one anyway,
// so a smaller page costs nothing and bounds memory tighter.
const deleteCollectionPage = 500

// DeleteCollection deletes every object of namespace ("" for all) that p
// selects, each as by Delete with a copy of opts, a page at a time: it
// reads deleteCollectionPage keys at the latest revision, deletes the
// selected ones, then continues after the last key read, so one request
// never holds the whole collection. (A snapshot read like a continue
// token's would expire halfway through a large collection, whose deletes
// outgrow the kept history.) Objects gone in the meantime are skipped.
//
// emit receives each deleted object as it was listed, before its delete,
// which is what upstream's answer lists, together with the revision of
// the first page read, the answer's resourceVersion; an error from emit
// stops the deletion. DeleteCollection returns that revision.
func (s *Store) DeleteCollection(ctx context.Context, namespace string, p Predicate, opts *metav1.DeleteOptions, emit func(obj runtime.Object, rev int64) error) (int64, error) {
	if opts == nil {
		opts = &metav1.DeleteOptions{}
	}
	if err := ValidateDeleteOptions(opts); err != nil {
		return 0, err
	}
	prefix := s.listPrefix(namespace)
	start, rev := prefix, int64(0)
	for {
		page, err := s.storage.List(ctx, prefix, storage.ListOptions{Limit: deleteCollectionPage, StartKey: start})
		if err != nil {
			return 0, s.statusError(err, "")
		}
		if rev == 0 {
			rev = page.Revision
		}
		for _, kv := range page.KVs {
			if err := s.deleteListed(ctx, p, kv, opts, func(obj runtime.Object) error { return emit(obj, rev) }); err != nil {
				return 0, err
			}
		}
		if !page.More || len(page.KVs) == 0 {
			return rev, nil
		}
		start = page.KVs[len(page.KVs)-1].Key + "\x00"
	}
}

// deleteListed deletes one listed object if p selects it, then emits it.
func (s *Store) deleteListed(ctx context.Context, p Predicate, kv storage.KeyValue, opts *metav1.DeleteOptions, emit func(runtime.Object) error) error {
	obj, ok, err := s.decodeMatching(p, kv.Key, kv.Value, kv.ModRevision)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	if !ok {
		return nil
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	_, _, err = s.Delete(ctx, m.GetNamespace(), m.GetName(), opts.DeepCopy())
	switch {
	case apierrors.IsNotFound(err):
		return nil
	case err != nil:
		return err
	}
	return emit(obj)
}
