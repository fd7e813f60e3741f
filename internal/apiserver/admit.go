package apiserver

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// namespacesResource is special to the HTTP layer in one way only: it has
// no deletecollection (discovery.go). Its lifecycle lives in
// internal/registry/namespace, behind Config.AdmitCreate and its
// Resource.Delete.
var namespacesResource = schema.GroupResource{Resource: "namespaces"}

// admitCreate runs the configured create admission (NamespaceLifecycle)
// for a create of name, or of a subresource of it, in the request's
// namespace.
func (s *Server) admitCreate(ctx context.Context, req *Request, name string) error {
	if s.admit == nil || !req.Resource.Namespaced {
		return nil
	}
	return s.admit(ctx, req.Resource.GroupResource(), req.Namespace, name)
}
