package apiserver

import (
	"context"
	"net/http"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
)

// reviewVerbs are the only verbs of a review, as kube-apiserver's
// discovery lists them for selfsubjectreviews and the access reviews.
var reviewVerbs = metav1.Verbs{"create"}

// Review is a create-only resource whose objects are never stored (the
// SelfSubjectReview and the access reviews): a POST to its collection is
// decoded as its kind and answered 201 with what Create returns.
type Review struct {
	// Resource names the resource and its kind; only GroupVersion,
	// Plural, Singular, Kind and New are read. Reviews are cluster-scoped.
	Resource *registry.Resource
	// Create answers a decoded request: the review with its status filled
	// in, or an API error (422 Invalid naming the field).
	Create func(ctx context.Context, obj runtime.Object) (runtime.Object, error)
}

// serveReview answers a request to a review's path: only POST to the
// collection, as upstream's create-only REST storage allows.
func (s *Server) serveReview(w http.ResponseWriter, r *http.Request, rv Review, info requestInfo) {
	res := rv.Resource
	if info.Namespace != "" || info.Subresource != "" {
		s.writeError(w, r, notFound())
		return
	}
	if info.Verb != "create" || info.Name != "" {
		s.writeError(w, r, apierrors.NewMethodNotSupported(res.GroupResource(), info.Verb))
		return
	}
	if _, err := negotiate(r, answerObject); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.createReview(w, r, rv); err != nil {
		s.writeError(w, r, err)
	}
}

func (s *Server) createReview(w http.ResponseWriter, r *http.Request, rv Review) error {
	body, _, _, err := writeRequest(r)
	if err != nil {
		return err
	}
	obj, err := decodeObject(w, r, rv.Resource, body)
	if err != nil {
		return err
	}
	out, err := rv.Create(r.Context(), obj)
	if err != nil {
		return err
	}
	return s.respond(w, r, rv.Resource, http.StatusCreated, out)
}

// reviewDiscovery is a review's entry in the legacy and the aggregated
// discovery documents: cluster-scoped, verbs ["create"], no subresources.
func reviewDiscovery(rv Review) (metav1.APIResource, apidiscoveryv2.APIResourceDiscovery) {
	res := rv.Resource
	gvk := res.GroupVersionKind()
	return metav1.APIResource{Name: res.Plural, SingularName: res.Singular, Kind: res.Kind, Verbs: reviewVerbs},
		apidiscoveryv2.APIResourceDiscovery{
			Resource: res.Plural, SingularResource: res.Singular, Scope: apidiscoveryv2.ScopeCluster, Verbs: reviewVerbs,
			ResponseKind: &metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
		}
}
