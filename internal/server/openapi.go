package server

import (
	"net/http"
	"sync"

	"github.com/evictd/evictd/internal/apiserver"
	"github.com/evictd/evictd/internal/openapi"
	"github.com/evictd/evictd/internal/registry"
)

// openAPIDocuments are built once per process: the served resources are
// fixed, so every Server shares the same immutable documents.
var openAPIDocuments = sync.OnceValues(func() (*openapi.Documents, error) {
	subs := map[string][]string{}
	for _, sub := range subresources(nil, nil, nil) {
		subs[sub.Parent.Resource] = append(subs[sub.Parent.Resource], sub.Name)
	}
	var resources []openapi.Resource
	for _, res := range Resources() {
		resources = append(resources, openAPIResource(res, subs[res.Plural]))
	}
	return openapi.New(Version().GitVersion, resources)
})

func openAPIResource(res *registry.Resource, special []string) openapi.Resource {
	r := openapi.Resource{
		Group: res.GroupVersion.Group, Version: res.GroupVersion.Version, Kind: res.Kind, Plural: res.Plural,
		Namespaced: res.Namespaced, Object: res.New(),
		Verbs: apiserver.Verbs(res),
	}
	if res.StatusStrategy != nil {
		r.Subresources = append(r.Subresources, "status")
	}
	r.Subresources = append(r.Subresources, special...)
	return r
}

// openAPI serves the documents, or a 503 explaining why they are missing.
func openAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		docs, err := openAPIDocuments()
		if err != nil {
			http.Error(w, "openapi: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		docs.ServeHTTP(w, r)
	})
}
