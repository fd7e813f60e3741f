package apiserver

import (
	"errors"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry/store"
)

// update serves PUT of an object or its status.
func (s *Server) update(w http.ResponseWriter, r *http.Request, req *Request) error {
	body, dry, manager, err := writeRequest(r)
	if err != nil {
		return err
	}
	obj, err := decodeObject(w, r, req.Resource, body)
	if err != nil {
		return err
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return apierrors.NewBadRequest(err.Error())
	}
	if m.GetName() != req.Name {
		return apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", m.GetName(), req.Name))
	}
	if req.Resource.Namespaced {
		if err := checkNamespace(m, req.Namespace); err != nil {
			return err
		}
	}
	strategy := req.Resource.Strategy
	if req.Subresource == "status" {
		strategy = req.Resource.StatusStrategy
	}
	rv := m.GetResourceVersion()
	try := func(current runtime.Object) (runtime.Object, error) {
		if current == nil {
			// A PUT that creates (endpoints, events) is a create for
			// NamespaceLifecycle admission too.
			if req.Resource.Namespaced && req.Subresource == "" {
				if err := s.admitCreate(r.Context(), req, req.Name); err != nil {
					return nil, err
				}
			}
			return obj.DeepCopyObject(), nil
		}
		cm, err := meta.Accessor(current)
		if err != nil {
			return nil, err
		}
		switch {
		case rv == "" && !strategy.AllowUnconditionalUpdate():
			return nil, apierrors.NewInvalid(req.Resource.GroupVersionKind().GroupKind(), req.Name, field.ErrorList{
				field.Invalid(field.NewPath("metadata", "resourceVersion"), uint64(0), "must be specified for an update")})
		case rv != "" && rv != cm.GetResourceVersion():
			return nil, apierrors.NewConflict(req.Resource.GroupResource(), req.Name, errors.New(conflictMessage))
		}
		next := obj.DeepCopyObject()
		nm, _ := meta.Accessor(next)
		nm.SetResourceVersion(cm.GetResourceVersion())
		return next, nil
	}
	out, created, err := req.Store.Update(r.Context(), req.Namespace, req.Name, try, store.UpdateOptions{DryRun: dry, FieldManager: manager, Subresource: req.Subresource})
	if err != nil {
		return err
	}
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	return s.respond(w, r, req.Resource, code, out)
}

// conflictMessage is upstream's text for a stale resourceVersion.
const conflictMessage = "the object has been modified; please apply your changes to the latest version and try again"
