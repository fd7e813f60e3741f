package eviction

import (
	"fmt"
	"net/http"
	"slices"

	policyv1 "k8s.io/api/policy/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/apiserver"
)

// evictionKind is what a body without apiVersion and kind is read as.
var evictionKind = policyv1.SchemeGroupVersion.WithKind("Eviction")

// Handler serves POST pods/{name}/eviction; every other verb is a 405.
func (e *Evictor) Handler(w http.ResponseWriter, r *http.Request, req *apiserver.Request) {
	if req.Verb != "create" {
		req.WriteError(w, r, apierrors.NewMethodNotSupported(req.Resource.GroupResource(), req.Verb))
		return
	}
	ev, err := e.parse(w, r, req)
	if err == nil {
		err = e.Evict(r.Context(), ev)
	}
	if err != nil {
		req.WriteError(w, r, err)
		return
	}
	apiserver.WriteStatus(w, &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated})
}

// parse decodes and checks the Eviction in the order upstream does: body
// and version, namespace, name, deleteOptions, dry-run merge, admission.
func (e *Evictor) parse(w http.ResponseWriter, r *http.Request, req *apiserver.Request) (*Request, error) {
	if _, err := apiserver.DryRun(r); err != nil { // only "All" is valid
		return nil, err
	}
	manager, err := apiserver.FieldManager(r)
	if err != nil {
		return nil, err
	}
	body, err := apiserver.ReadBody(r)
	if err != nil {
		return nil, err
	}
	obj, gvk, err := apiserver.DecodeAny(w, r, body, evictionKind)
	if err != nil {
		return nil, err
	}
	var meta metav1.ObjectMeta
	var opts *metav1.DeleteOptions
	switch ev := obj.(type) {
	case *policyv1.Eviction:
		meta, opts = ev.ObjectMeta, ev.DeleteOptions
	case *policyv1beta1.Eviction:
		meta, opts = ev.ObjectMeta, ev.DeleteOptions
	default:
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", gvk.GroupVersion(), evictionKind.GroupVersion()))
	}
	switch meta.Namespace {
	case "", req.Namespace:
	default:
		return nil, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	if meta.Name != req.Name {
		return nil, apierrors.NewBadRequest("name in URL does not match name in Eviction object")
	}
	if opts != nil && opts.IgnoreStoreReadErrorWithClusterBreakingPotential != nil && *opts.IgnoreStoreReadErrorWithClusterBreakingPotential {
		return nil, apierrors.NewInvalid(evictionKind.GroupKind(), req.Name, field.ErrorList{field.Invalid(
			field.NewPath("deleteOptions", "ignoreStoreReadErrorWithClusterBreakingPotential"), true,
			"can not be set for pod eviction, try after removing the option")})
	}
	if opts, err = mergeDryRun(opts, r.URL.Query()["dryRun"]); err != nil {
		return nil, err
	}
	if err := req.AdmitCreate(r.Context(), req.Name); err != nil {
		return nil, err
	}
	return &Request{Namespace: req.Namespace, Name: req.Name, Options: opts, FieldManager: manager}, nil
}

// mergeDryRun applies upstream's rules for dryRun in the query and in the
// body's deleteOptions: either may carry it; both must then agree.
func mergeDryRun(opts *metav1.DeleteOptions, query []string) (*metav1.DeleteOptions, error) {
	if opts == nil {
		return &metav1.DeleteOptions{DryRun: query}, nil
	}
	opts = opts.DeepCopy()
	switch {
	case len(opts.DryRun) == 0:
		opts.DryRun = query
	case len(query) > 0 && !slices.Equal(opts.DryRun, query):
		return nil, &apierrors.StatusError{ErrStatus: metav1.Status{
			Status: metav1.StatusFailure, Code: http.StatusInternalServerError,
			Message: fmt.Sprintf("Non-matching dry-run options in request and content: %v and %v", query, opts.DryRun),
		}}
	}
	return opts, nil
}
