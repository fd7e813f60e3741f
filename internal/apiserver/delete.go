package apiserver

import (
	"fmt"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/scheme"
)

// delete serves DELETE of one object.
func (s *Server) delete(w http.ResponseWriter, r *http.Request, req *Request) error {
	if req.Subresource != "" {
		return apierrors.NewMethodNotSupported(req.Resource.GroupResource(), "delete")
	}
	opts, err := deleteOptions(r)
	if err != nil {
		return err
	}
	out, removed, err := req.delete(r.Context(), req.Namespace, req.Name, opts)
	if err != nil {
		return err
	}
	if removed && !req.Resource.ReturnDeletedObject {
		return s.respondStatus(w, r, req, out)
	}
	return s.respond(w, r, req.Resource, http.StatusOK, out)
}

// respondStatus answers a completed delete with a Success Status, as
// upstream does for resources that do not return the deleted object.
func (s *Server) respondStatus(w http.ResponseWriter, r *http.Request, req *Request, obj runtime.Object) error {
	st := &metav1.Status{Status: metav1.StatusSuccess, Details: &metav1.StatusDetails{Name: req.Name, Group: req.Resource.GroupVersion.Group, Kind: req.Resource.Plural}}
	if m, err := meta.Accessor(obj); err == nil {
		st.Details.UID = m.GetUID()
	}
	// A Status is never transformed (upstream passes it through whatever
	// `as` asked for).
	out, err := negotiate(r, answerObject)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", out.info.MediaType)
	w.WriteHeader(http.StatusOK)
	return scheme.Codecs.EncoderForVersion(out.info.Serializer, metav1.SchemeGroupVersion).Encode(st, w)
}

// deleteOptions reads DeleteOptions from the body (JSON, YAML or protobuf)
// and the query. A body that cannot be decoded is a 400, except an empty
// one.
func deleteOptions(r *http.Request) (*metav1.DeleteOptions, error) {
	opts := &metav1.DeleteOptions{}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 {
		mt, err := requestMediaType(r)
		if err != nil {
			return nil, err
		}
		info := serializerFor(mt)
		if info.Serializer == nil {
			return nil, unsupportedMediaType()
		}
		want := metav1.SchemeGroupVersion.WithKind("DeleteOptions")
		obj, _, err := info.Serializer.Decode(body, &want, opts)
		if err != nil && !runtime.IsStrictDecodingError(err) {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("error decoding DeleteOptions: %v", err))
		}
		decoded, ok := obj.(*metav1.DeleteOptions)
		if !ok {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("expected DeleteOptions, got %T", obj))
		}
		opts = decoded
	}
	q := r.URL.Query()
	if v := q.Get("gracePeriodSeconds"); v != "" {
		g, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid gracePeriodSeconds %q", v))
		}
		opts.GracePeriodSeconds = &g
	}
	if v := q.Get("propagationPolicy"); v != "" {
		p := metav1.DeletionPropagation(v)
		opts.PropagationPolicy = &p
	}
	if v := q.Get("orphanDependents"); v != "" {
		o := v == "true"
		opts.OrphanDependents = &o
	}
	if v := q["dryRun"]; len(v) > 0 {
		opts.DryRun = v
	}
	// Validated here, as kube-apiserver's handlers do, so that no delete
	// path (namespaces, collections with nothing selected) skips it.
	if err := store.ValidateDeleteOptions(opts); err != nil {
		return nil, err
	}
	return opts, nil
}
