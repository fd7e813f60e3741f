package openapi

import (
	"fmt"
	"sort"
	"strings"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// apiSpec is what both document versions are encoded from: Swagger 2.0
// path items per group/version, sharing one set of definitions.
type apiSpec struct {
	gvs []*gvSpec // sorted by path
}

// gvSpec is one group/version's share of the API.
type gvSpec struct {
	path  string // "api/v1" or "apis/apps/v1", the key of the v3 index
	paths map[string]spec.PathItem
	// roots are the definitions its operations refer to; its v3 document
	// carries them and everything they refer to.
	roots map[string]bool
}

func (g *gvSpec) ref(name string) *spec.Schema {
	g.roots[name] = true
	return spec.RefSchema(v2DefPrefix + name)
}

// subresource says how a served subresource looks in OpenAPI.
type subresource struct {
	// object is the body type; nil means the parent kind (status).
	object any
	gvk    schema.GroupVersionKind
	// post is true for create-only subresources, else get/put/patch.
	post bool
	// text is true for read-only subresources answering text/plain
	// (pods/log).
	text bool
}

// subresources are the ones evictd serves; New rejects others.
var subresources = map[string]subresource{
	"status":   {},
	"log":      {text: true},
	"scale":    {object: &autoscalingv1.Scale{}, gvk: autoscalingv1.SchemeGroupVersion.WithKind("Scale")},
	"binding":  {object: &corev1.Binding{}, gvk: corev1.SchemeGroupVersion.WithKind("Binding"), post: true},
	"eviction": {object: &policyv1.Eviction{}, gvk: policyv1.SchemeGroupVersion.WithKind("Eviction"), post: true},
}

// Content types. Responses are advertised as JSON only: evictd always
// answers JSON, which every client accepts (client-compat.md §6).
var (
	jsonOnly      = []string{"application/json"}
	jsonAndStream = []string{"application/json", "application/json;stream=watch"}
	anyBody       = []string{"*/*"}
	// patchTypes is what PATCH accepts; client-side apply in kubectl 1.29+
	// computes a strategic merge patch from the v3 schemas only when the
	// PATCH operation lists application/strategic-merge-patch+json.
	patchTypes = []string{
		"application/json-patch+json",
		"application/merge-patch+json",
		"application/strategic-merge-patch+json",
		"application/apply-patch+yaml",
	}
)

// sharedDefs holds the names of the apimachinery definitions every group/version uses.
type sharedDefs struct {
	status, deleteOptions, patch string
}

func buildPaths(defs *schemaBuilder, resources []Resource) (*apiSpec, error) {
	var c sharedDefs
	for name, obj := range map[*string]any{
		&c.status:        &metav1.Status{},
		&c.deleteOptions: &metav1.DeleteOptions{},
		&c.patch:         &metav1.Patch{},
	} {
		var err error
		if *name, err = defs.defineObject(obj); err != nil {
			return nil, err
		}
	}
	defs.addGVK(c.status, gvkExtension("", "v1", "Status"))

	byPath := map[string]*gvSpec{}
	for _, r := range resources {
		g := byPath[gvPath(r.groupVersion())]
		if g == nil {
			g = &gvSpec{path: gvPath(r.groupVersion()), paths: map[string]spec.PathItem{}, roots: map[string]bool{}}
			byPath[g.path] = g
			// Like the real apiserver, these carry every served group/version.
			defs.addGVK(c.deleteOptions, gvkExtension(r.Group, r.Version, "DeleteOptions"))
		}
		if err := addResource(defs, c, g, r); err != nil {
			return nil, fmt.Errorf("%v %s: %w", r.groupVersion(), r.Plural, err)
		}
	}
	out := &apiSpec{}
	for _, g := range byPath {
		out.gvs = append(out.gvs, g)
	}
	sort.Slice(out.gvs, func(i, j int) bool { return out.gvs[i].path < out.gvs[j].path })
	return out, nil
}

func gvPath(gv schema.GroupVersion) string {
	if gv.Group == "" {
		return "api/" + gv.Version
	}
	return "apis/" + gv.Group + "/" + gv.Version
}

// kindNames are the parts of operation IDs and tags for one resource,
// spelled as the real apiserver does: listCoreV1NamespacedPod, apps_v1.
type kindNames struct {
	gv         string // CoreV1, AppsV1, EventsV1
	scope      string // "Namespaced" or ""
	kind       string
	tag        string
	gvk        map[string]any
	namespaced bool
}

func newKindNames(r Resource) kindNames {
	group := strings.TrimSuffix(r.Group, ".k8s.io")
	if group == "" {
		group = "core"
	}
	var camel strings.Builder
	for part := range strings.SplitSeq(group, ".") {
		camel.WriteString(upperFirst(part))
	}
	n := kindNames{
		gv:         camel.String() + upperFirst(r.Version),
		kind:       r.Kind,
		namespaced: r.Namespaced,
		tag:        lowerFirst(camel.String()) + "_" + r.Version,
		gvk:        gvkExtension(r.Group, r.Version, r.Kind),
	}
	if r.Namespaced {
		n.scope = "Namespaced"
	}
	return n
}

// id is an operation ID such as readCoreV1NamespacedPodStatus.
func (n kindNames) id(verb, suffix string) string {
	return verb + n.gv + n.scope + n.kind + suffix
}

// scopeParams are the path parameters of a collection (namespace) or an
// item (namespace and name).
func (n kindNames) scopeParams(item bool) []spec.Parameter {
	var ps []spec.Parameter
	if item {
		ps = append(ps, nameParam(n.kind))
	}
	if n.namespaced {
		ps = append(ps, namespaceParam)
	}
	return ps
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
