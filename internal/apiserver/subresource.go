package apiserver

import (
	"context"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Helpers for SubresourceHandlers, which parse their own requests.

// ReadBody reads the request body, with the API server's size limit (413
// beyond MaxRequestBodyBytes).
func ReadBody(r *http.Request) ([]byte, error) { return readBody(r) }

// DecodeAny decodes a body in any registered kind and version, defaulting
// a missing apiVersion or kind to defaults; unknown fields are warnings or
// a 400 according to fieldValidation. It returns the object and the kind
// the body was in.
func DecodeAny(w http.ResponseWriter, r *http.Request, body []byte, defaults schema.GroupVersionKind) (runtime.Object, schema.GroupVersionKind, error) {
	if len(body) == 0 {
		return nil, schema.GroupVersionKind{}, apierrors.NewBadRequest("the body of the request is empty")
	}
	mt, err := requestMediaType(r)
	if err != nil {
		return nil, schema.GroupVersionKind{}, err
	}
	info := serializerFor(mt)
	if info.Serializer == nil {
		return nil, schema.GroupVersionKind{}, unsupportedMediaType()
	}
	validation, err := fieldValidation(r)
	if err != nil {
		return nil, schema.GroupVersionKind{}, err
	}
	obj, gvk, err := info.Serializer.Decode(body, &defaults, nil)
	if err != nil && !runtime.IsStrictDecodingError(err) {
		return nil, schema.GroupVersionKind{}, apierrors.NewBadRequest(decodeErrorMessage(defaults, err))
	}
	if err != nil {
		if err := strictErrors(w, validation, err); err != nil {
			return nil, schema.GroupVersionKind{}, err
		}
	}
	return obj, *gvk, nil
}

// DryRun reads and validates the dryRun query parameter (only "All").
func DryRun(r *http.Request) (bool, error) { return dryRun(r) }

// FieldManager is the request's fieldManager, or its User-Agent prefix.
func FieldManager(r *http.Request) (string, error) { return fieldManager(r) }

// AdmitCreate runs the NamespaceLifecycle admission check for a create of
// name (or of its subresource) in the request's namespace.
func (req *Request) AdmitCreate(ctx context.Context, name string) error {
	return req.server.admitCreate(ctx, req, name)
}

// Server is the API server that received the request, for handlers that
// reach other resources' stores.
func (req *Request) Server() *Server { return req.server }
