package apiserver

import (
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/evictd/evictd/internal/registry/store"
)

// create serves POST to a collection.
func (s *Server) create(w http.ResponseWriter, r *http.Request, req *Request) error {
	if req.Name != "" || req.Subresource != "" {
		return apierrors.NewMethodNotSupported(req.Resource.GroupResource(), "create")
	}
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
	if req.Resource.Namespaced {
		if err := checkNamespace(m, req.Namespace); err != nil {
			return err
		}
		if err := s.admitCreate(r.Context(), req, m.GetName()); err != nil {
			return err
		}
	}
	out, err := req.Store.Create(r.Context(), obj, store.CreateOptions{DryRun: dry, FieldManager: manager})
	if err != nil {
		return err
	}
	return s.respond(w, r, req.Resource, http.StatusCreated, out)
}

// checkNamespace defaults the body's namespace to the URL's and rejects a
// different one, with upstream's message.
func checkNamespace(m interface {
	GetNamespace() string
	SetNamespace(string)
}, urlNamespace string) error {
	switch m.GetNamespace() {
	case "":
		m.SetNamespace(urlNamespace)
	case urlNamespace:
	default:
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	return nil
}
