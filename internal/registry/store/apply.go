package store

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"
)

// ApplyOptions tunes Apply.
type ApplyOptions struct {
	DryRun       bool
	FieldManager string
	Force        bool
	Subresource  string
}

// Apply is server-side apply (`kubectl apply --server-side`): the patch is
// a partial object in YAML or JSON, merged by the field manager, which
// tracks ownership and reports conflicts with other managers (409).
func (s *Store) Apply(ctx context.Context, namespace, name string, patch []byte, opts ApplyOptions) (runtime.Object, bool, error) {
	_, fm, err := s.subresource(opts.Subresource)
	if err != nil {
		return nil, false, err
	}
	if fm == nil {
		return nil, false, apierrors.NewBadRequest(fmt.Sprintf("server-side apply is not supported for %s", s.res.GroupResource()))
	}
	if opts.FieldManager == "" {
		return nil, false, apierrors.NewInvalid(s.res.GroupVersionKind().GroupKind(), name,
			field.ErrorList{field.Required(field.NewPath("fieldManager"), "is required for apply patch")})
	}
	applied := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(patch, &applied.Object); err != nil {
		return nil, false, apierrors.NewBadRequest(fmt.Sprintf("error decoding YAML: %v", err))
	}
	if applied.Object == nil {
		return nil, false, apierrors.NewBadRequest("the apply patch is empty")
	}
	if n := applied.GetName(); n != "" && n != name {
		return nil, false, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", n, name))
	}
	if ns := applied.GetNamespace(); s.res.Namespaced && ns != "" && ns != namespace {
		return nil, false, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	try := func(current runtime.Object) (runtime.Object, error) {
		live := current
		if live == nil {
			live = s.res.New()
		} else if err := checkAppliedVersion(s, name, applied, current); err != nil {
			return nil, err
		}
		out, err := fm.Apply(live, applied.DeepCopy(), opts.FieldManager, opts.Force)
		if err != nil {
			if apierrors.IsConflict(err) || apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) {
				return nil, err
			}
			return nil, apierrors.NewBadRequest(err.Error())
		}
		return out, nil
	}
	return s.update(ctx, namespace, name, try, UpdateOptions{DryRun: opts.DryRun, FieldManager: opts.FieldManager, Subresource: opts.Subresource}, true)
}

// checkAppliedVersion makes a resourceVersion in the applied configuration
// a precondition, as upstream's optimistic lock does: the field manager
// would copy it into the object, which then no longer matches the stored
// one (409).
func checkAppliedVersion(s *Store, name string, applied *unstructured.Unstructured, current runtime.Object) error {
	rv := applied.GetResourceVersion()
	if rv == "" {
		return nil
	}
	m, err := meta.Accessor(current)
	if err != nil {
		return apierrors.NewInternalError(err)
	}
	if rv != m.GetResourceVersion() {
		return apierrors.NewConflict(s.res.GroupResource(), name, errors.New(conflictMessage))
	}
	return nil
}
