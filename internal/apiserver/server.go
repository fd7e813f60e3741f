// Package apiserver is evictd's HTTP front: it parses Kubernetes REST
// paths, negotiates JSON, YAML and protobuf (and server-side Tables),
// serves get/list/watch/create/update/patch/delete generically for every
// resource of the registry, and answers discovery, /version and health
// checks. Errors become metav1.Status in exactly one place (errors.go).
package apiserver

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/store"
)

// Config describes a Server.
type Config struct {
	// Resources are the served resources, built beforehand over the
	// storage (internal/server builds them), in discovery order.
	Resources []Resource
	// AdmitCreate, when set, checks every create of a namespaced object
	// (and of its special subresources, and PUTs that create) before the
	// store sees it: NamespaceLifecycle admission.
	AdmitCreate AdmitFunc
	// Version is served at /version.
	Version version.Info
	// OpenAPI serves /openapi/v2, /openapi/v3 and /swagger-2.0.0.pb-v1.
	OpenAPI http.Handler
	// Subresources are the special subresources (pods/binding,
	// pods/eviction, …) beyond status, which every resource with a
	// StatusStrategy has.
	Subresources []Subresource
	// Reviews are create-only resources that are never stored (the
	// SelfSubjectReview and the access reviews).
	Reviews []Review
	Clock   clock.PassiveClock
	Log     *slog.Logger
}

// Resource is one served resource: its store, and the resource's own
// rules where the generic handlers' do not fit.
type Resource struct {
	Store *store.Store
	// Delete, when set, serves DELETE of one object instead of
	// Store.Delete (a namespace turns Terminating first). It answers like
	// Store.Delete: the last state and whether the object is gone.
	Delete DeleteFunc
}

// DeleteFunc deletes one object of a resource.
type DeleteFunc func(ctx context.Context, namespace, name string, opts *metav1.DeleteOptions) (runtime.Object, bool, error)

// AdmitFunc admits or refuses (with a StatusError) the create of name, of
// resource gr, in namespace.
type AdmitFunc func(ctx context.Context, gr schema.GroupResource, namespace, name string) error

// SubresourceHandler serves one subresource that the generic handlers do
// not (pods/binding, pods/eviction, …).
type SubresourceHandler func(w http.ResponseWriter, r *http.Request, req *Request)

// Subresource is a special subresource of a served resource.
type Subresource struct {
	// Parent is the resource the subresource belongs to.
	Parent schema.GroupVersionResource
	// Name is the subresource's name (eviction).
	Name string
	// Kind is what the subresource accepts, as discovery advertises it
	// (policy/v1 Eviction).
	Kind schema.GroupVersionKind
	// Verbs are advertised in discovery (create).
	Verbs   []string
	Handler SubresourceHandler
}

// Server is the API server's HTTP handler.
type Server struct {
	log       *slog.Logger
	clock     clock.PassiveClock
	version   version.Info
	openapi   http.Handler
	endpoints map[schema.GroupVersionResource]*endpoint
	// order lists endpoints as configured, for discovery.
	order []*endpoint
	// reviews are the create-only resources, in discovery order.
	reviews []Review
	// groups lists served group/versions in discovery order.
	groups    []groupVersions
	discovery *discovery
	admit     AdmitFunc
	// stopping ends open watches when the server shuts down.
	stopping context.Context
	stop     context.CancelFunc
}

// endpoint is one served resource.
type endpoint struct {
	res          *registry.Resource
	store        *store.Store
	delete       DeleteFunc
	subresources map[string]Subresource
}

type groupVersions struct {
	group    string
	versions []string
}

// New builds a Server for the configured resources.
func New(cfg Config) (*Server, error) {
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Server{
		log:       cfg.Log,
		clock:     cfg.Clock,
		version:   cfg.Version,
		openapi:   cfg.OpenAPI,
		admit:     cfg.AdmitCreate,
		endpoints: map[schema.GroupVersionResource]*endpoint{},
	}
	s.stopping, s.stop = context.WithCancel(context.Background())
	for _, served := range cfg.Resources {
		res := served.Store.Resource()
		gvr := res.GroupVersionResource()
		if _, dup := s.endpoints[gvr]; dup {
			return nil, fmt.Errorf("resource %s registered twice", gvr)
		}
		del := served.Delete
		if del == nil {
			del = served.Store.Delete
		}
		ep := &endpoint{res: res, store: served.Store, delete: del, subresources: map[string]Subresource{}}
		s.endpoints[gvr] = ep
		s.order = append(s.order, ep)
		s.addGroupVersion(res.GroupVersion)
	}
	for _, sub := range cfg.Subresources {
		ep, ok := s.endpoints[sub.Parent]
		if !ok {
			return nil, fmt.Errorf("subresource %s of unknown resource %s", sub.Name, sub.Parent)
		}
		ep.subresources[sub.Name] = sub
	}
	for _, rv := range cfg.Reviews {
		s.reviews = append(s.reviews, rv)
		s.addGroupVersion(rv.Resource.GroupVersion)
	}
	var err error
	if s.discovery, err = newDiscovery(s); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Server) addGroupVersion(gv schema.GroupVersion) {
	for i := range s.groups {
		if s.groups[i].group == gv.Group {
			if !slices.Contains(s.groups[i].versions, gv.Version) {
				s.groups[i].versions = append(s.groups[i].versions, gv.Version)
			}
			return
		}
	}
	s.groups = append(s.groups, groupVersions{group: gv.Group, versions: []string{gv.Version}})
}

// Store returns the store of a served resource, for in-process callers
// and tests.
func (s *Server) Store(gvr schema.GroupVersionResource) (*store.Store, bool) {
	ep, ok := s.endpoints[gvr]
	if !ok {
		return nil, false
	}
	return ep.store, true
}

// Shutdown ends every open watch and fails /readyz; in-flight requests
// finish normally.
func (s *Server) Shutdown() { s.stop() }

// ServeHTTP routes a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case path == "/version":
		s.serveVersion(w, r)
		return
	case (path == "/readyz" || strings.HasPrefix(path, "/readyz/")) && s.stopping.Err() != nil:
		// Upstream's readyz fails once shutdown has begun, so that load
		// balancers stop sending requests; livez stays ok.
		http.Error(w, "[-]shutdown failed: reason withheld\nreadyz check failed", http.StatusInternalServerError)
		return
	case path == "/healthz" || path == "/livez" || path == "/readyz" ||
		strings.HasPrefix(path, "/healthz/") || strings.HasPrefix(path, "/livez/") || strings.HasPrefix(path, "/readyz/"):
		serveHealth(w, r)
		return
	case strings.HasPrefix(path, "/openapi/") || path == "/swagger-2.0.0.pb-v1":
		if s.openapi != nil {
			s.openapi.ServeHTTP(w, r)
			return
		}
	case path == "/api" || path == "/apis" || isGroupPath(path):
		s.discovery.serve(w, r, path)
		return
	}
	info, ok := parseResourcePath(r)
	if !ok {
		if s.discovery.serveGroupVersion(w, r, path) {
			return
		}
		s.writeError(w, r, notFound())
		return
	}
	gvr := schema.GroupVersionResource{Group: info.Group, Version: info.Version, Resource: info.Resource}
	ep := s.endpoints[gvr]
	if ep == nil {
		for _, rv := range s.reviews {
			if rv.Resource.GroupVersionResource() == gvr {
				s.serveReview(w, r, rv, info)
				return
			}
		}
		s.writeError(w, r, notFound())
		return
	}
	s.serveResource(w, r, ep, info)
}

// isGroupPath matches /apis/{group}.
func isGroupPath(path string) bool {
	parts := splitPath(path)
	return len(parts) == 2 && parts[0] == "apis"
}

// notFound is upstream's answer for a path nothing serves.
func notFound() error {
	err := newStatusError(http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource")
	err.ErrStatus.Details = &metav1.StatusDetails{}
	return err
}
