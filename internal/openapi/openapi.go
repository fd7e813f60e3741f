// Package openapi builds and serves the OpenAPI documents kubectl reads:
// the v3 index and one v3 document per group/version (kubectl 1.29+ for
// fieldValidation support, client-side apply and explain), and the Swagger
// 2.0 document in JSON or gnostic protobuf (kubectl 1.27/1.28, and the
// fallback of later versions).
//
// Everything is built once in New from the k8s.io/api Go types: schemas by
// reflection over json and patch struct tags, descriptions from SwaggerDoc(),
// names from OpenAPIModelName(). The served bytes never change afterwards,
// so the handler needs no locks.
//
// One model, kube-openapi's Swagger 2.0 types (validation/spec), is built;
// the v3 documents are converted from it with kube-openapi's openapiconv and
// the protobuf from it directly. The documents follow what a real
// apiserver publishes (names, refs wrapped in allOf in v3, defaults,
// x-kubernetes-* extensions), minus what lives only in Go comments
// upstream (+listType, +enum, +default) and the deprecated /watch/ paths.
package openapi

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Resource describes one served resource for OpenAPI.
type Resource struct {
	Group, Version, Kind, Plural string // Group "" is the core group
	Namespaced                   bool
	// Object is a zero value of the Go type, e.g. &corev1.Pod{}. Its list
	// type (PodList) is found through the client-go scheme.
	Object runtime.Object
	// Subresources served under the item path: "status", "scale",
	// "binding" or "eviction". Others are rejected by New.
	Subresources []string
	// Verbs of the main resource: get list watch create update patch delete
	// deletecollection. Watching is published as the list operation's
	// watch parameter, not as the deprecated /watch/ paths.
	Verbs []string
}

func (r Resource) groupVersion() schema.GroupVersion {
	return schema.GroupVersion{Group: r.Group, Version: r.Version}
}

func (r Resource) has(verb string) bool { return slices.Contains(r.Verbs, verb) }

// Documents holds the encoded OpenAPI documents for one set of resources.
// It is immutable after New and safe for concurrent use.
type Documents struct {
	// v3Index is the body of GET /openapi/v3.
	v3Index document
	// v3 maps a group/version path ("api/v1", "apis/apps/v1") to its document.
	v3 map[string]document
	// v2JSON and v2Proto are the Swagger 2.0 document in both encodings.
	v2JSON, v2Proto document
}

// New builds every document for resources. version is the server's
// gitVersion (e.g. "v1.33.0"), published as info.version.
func New(version string, resources []Resource) (*Documents, error) {
	if err := validate(resources); err != nil {
		return nil, err
	}
	defs := newSchemaBuilder()
	api, err := buildPaths(defs, resources)
	if err != nil {
		return nil, err
	}
	// The two encodings only read defs and api; running them side by side
	// roughly halves New's wall time on a multi-core machine.
	d := &Documents{}
	var v2Err error
	var wg sync.WaitGroup
	wg.Go(func() { d.v2JSON, d.v2Proto, v2Err = encodeV2(version, defs, api) })
	d.v3, d.v3Index, err = encodeV3(version, defs, api)
	wg.Wait()
	if err := errors.Join(err, v2Err); err != nil {
		return nil, err
	}
	return d, nil
}

// validate rejects resource lists that would make ambiguous documents.
func validate(resources []Resource) error {
	seen := map[schema.GroupVersionResource]bool{}
	for _, r := range resources {
		if r.Version == "" || r.Kind == "" || r.Plural == "" || r.Object == nil {
			return fmt.Errorf("resource %q %q %q %q: version, kind, plural and object are required", r.Group, r.Version, r.Kind, r.Plural)
		}
		gvr := r.groupVersion().WithResource(r.Plural)
		if seen[gvr] {
			return fmt.Errorf("resource %v listed twice", gvr)
		}
		seen[gvr] = true
		for _, sub := range r.Subresources {
			if _, ok := subresources[sub]; !ok {
				return fmt.Errorf("resource %v: subresource %q not supported", gvr, sub)
			}
		}
	}
	return nil
}
