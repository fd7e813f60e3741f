package apiserver

import "net/http"

// Attributes are what a resource request's URL says: the resource, object
// and subresource, and the Kubernetes verb (get, list, watch, create,
// update, patch, delete, deletecollection).
type Attributes struct {
	Group, Version, Namespace, Resource, Name, Subresource, Verb string
}

// RequestAttributes parses r as the API server routes it, for the
// request metrics; ok is false for paths that name no resource
// (discovery, health checks, /version, /metrics, OpenAPI).
func RequestAttributes(r *http.Request) (Attributes, bool) {
	info, ok := parseResourcePath(r)
	if !ok {
		return Attributes{}, false
	}
	return Attributes{
		Group: info.Group, Version: info.Version, Namespace: info.Namespace, Resource: info.Resource,
		Name: info.Name, Subresource: info.Subresource, Verb: info.Verb,
	}, true
}
