package openapi

import (
	"fmt"
	"slices"

	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// resourceOps builds the operations of one resource.
type resourceOps struct {
	r         Resource
	n         kindNames
	g         *gvSpec
	c         sharedDefs
	obj, list *spec.Schema // refs to the kind and its list
}

// addResource adds r's collection, item and subresource paths to g.
//
// The deprecated /watch/ paths a real apiserver still publishes are left
// out: clients watch with ?watch=true on the list path, and those paths
// were a third of the documents and of New's time.
func addResource(defs *schemaBuilder, c sharedDefs, g *gvSpec, r Resource) error {
	kind, err := defs.defineObject(r.Object)
	if err != nil {
		return err
	}
	o := resourceOps{r: r, n: newKindNames(r), g: g, c: c, obj: g.ref(kind)}
	defs.addGVK(kind, o.n.gvk)
	if r.has("list") || r.has("deletecollection") {
		// The list type is not part of Resource; the client-go scheme knows
		// it for every built-in kind.
		l, err := scheme.Scheme.New(r.groupVersion().WithKind(r.Kind + "List"))
		if err != nil {
			return fmt.Errorf("list type: %w", err)
		}
		name, err := defs.defineObject(l)
		if err != nil {
			return err
		}
		defs.addGVK(name, gvkExtension(r.Group, r.Version, r.Kind+"List"))
		o.list = g.ref(name)
	}

	prefix := "/" + g.path
	if r.Namespaced {
		prefix += "/namespaces/{namespace}"
		put(g, "/"+g.path+"/"+r.Plural, o.allNamespaces())
	}
	collection := prefix + "/" + r.Plural
	put(g, collection, o.collection())
	put(g, collection+"/{name}", o.item())
	for _, sub := range r.Subresources {
		p, err := o.subresource(defs, sub)
		if err != nil {
			return err
		}
		put(g, collection+"/{name}/"+sub, p)
	}
	return nil
}

// collection is list, create and deletecollection.
func (o resourceOps) collection() spec.PathItem {
	r, n := o.r, o.n
	p := spec.PathItem{}
	p.Parameters = n.scopeParams(false)
	if r.has("list") {
		p.Get = op(n, n.id("list", ""), "list objects of kind "+r.Kind, "list", listParams).
			responds(jsonAndStream, ok(o.list))
	}
	if r.has("create") {
		p.Post = op(n, n.id("create", ""), "create a "+r.Kind, "post", writeParams).
			accepts(anyBody, o.obj).responds(jsonOnly, ok(o.obj), created(o.obj), accepted(o.obj))
	}
	if r.has("deletecollection") {
		p.Delete = op(n, "delete"+n.gv+"Collection"+n.scope+r.Kind, "delete collection of "+r.Kind, "deletecollection", deleteCollectionParams).
			accepts(anyBody, o.g.ref(o.c.deleteOptions)).responds(jsonOnly, ok(o.g.ref(o.c.status)))
	}
	return p
}

// allNamespaces is the list of a namespaced resource across namespaces.
func (o resourceOps) allNamespaces() spec.PathItem {
	p := spec.PathItem{}
	if o.r.has("list") {
		p.Get = op(o.n, "list"+o.n.gv+o.r.Kind+"ForAllNamespaces", "list objects of kind "+o.r.Kind, "list", listParams).
			responds(jsonAndStream, ok(o.list))
	}
	return p
}

// item is get, update, patch and delete of one object.
func (o resourceOps) item() spec.PathItem {
	r, n, obj := o.r, o.n, o.obj
	p := spec.PathItem{}
	p.Parameters = n.scopeParams(true)
	if r.has("get") {
		p.Get = op(n, n.id("read", ""), "read the specified "+r.Kind, "get", nil).responds(jsonOnly, ok(obj))
	}
	if r.has("update") {
		p.Put = op(n, n.id("replace", ""), "replace the specified "+r.Kind, "put", writeParams).
			accepts(anyBody, obj).responds(jsonOnly, ok(obj), created(obj))
	}
	if r.has("patch") {
		p.Patch = op(n, n.id("patch", ""), "partially update the specified "+r.Kind, "patch", patchParams).
			accepts(patchTypes, o.g.ref(o.c.patch)).responds(jsonOnly, ok(obj), created(obj))
	}
	if r.has("delete") {
		// The object comes back: 200, or 202 while finalizers run.
		p.Delete = op(n, n.id("delete", ""), "delete a "+r.Kind, "delete", deleteParams).
			accepts(anyBody, o.g.ref(o.c.deleteOptions)).responds(jsonOnly, ok(obj), accepted(obj))
	}
	return p
}

// subresource is the path item of one subresource, such as pods/eviction.
func (o resourceOps) subresource(defs *schemaBuilder, name string) (spec.PathItem, error) {
	sub := subresources[name]
	body, n := o.obj, o.n
	if sub.object != nil {
		def, err := defs.defineObject(sub.object)
		if err != nil {
			return spec.PathItem{}, err
		}
		defs.addGVK(def, gvkExtension(sub.gvk.Group, sub.gvk.Version, sub.gvk.Kind))
		body = o.g.ref(def)
		// Subresource operations are tagged with the kind they carry:
		// pods/eviction is policy/v1 Eviction, deployments/scale is
		// autoscaling/v1 Scale.
		n.gvk = gvkExtension(sub.gvk.Group, sub.gvk.Version, sub.gvk.Kind)
	}
	suffix := upperFirst(name) // readCoreV1NamespacedPodStatus
	p := spec.PathItem{}
	p.Parameters = n.scopeParams(true)
	if sub.text {
		p.Get = op(n, n.id("read", suffix), "read "+name+" of the specified "+o.r.Kind, "get", nil).
			responds([]string{"text/plain"}, ok(spec.StringProperty()))
		return p, nil
	}
	if sub.post {
		p.Post = op(n, n.id("create", suffix), "create "+name+" of a "+o.r.Kind, "post", writeParams).
			accepts(anyBody, body).responds(jsonOnly, ok(body), created(body), accepted(body))
		return p, nil
	}
	p.Get = op(n, n.id("read", suffix), "read "+name+" of the specified "+o.r.Kind, "get", nil).
		responds(jsonOnly, ok(body))
	p.Put = op(n, n.id("replace", suffix), "replace "+name+" of the specified "+o.r.Kind, "put", writeParams).
		accepts(anyBody, body).responds(jsonOnly, ok(body), created(body))
	// Every PATCH tagged with a kind must carry fieldValidation: kubectl
	// stops at the first PATCH operation it finds for the kind, and map
	// order decides whether that is pods or pods/status.
	p.Patch = op(n, n.id("patch", suffix), "partially update "+name+" of the specified "+o.r.Kind, "patch", patchParams).
		accepts(patchTypes, o.g.ref(o.c.patch)).responds(jsonOnly, ok(body), created(body))
	return p, nil
}

// put adds a path item; operations with no method are not published.
func put(g *gvSpec, path string, p spec.PathItem) {
	if p.Get == nil && p.Put == nil && p.Post == nil && p.Delete == nil && p.Patch == nil {
		return
	}
	g.paths[path] = p
}

// operation wraps spec.Operation with builders, so that each operation
// above reads as one line: op(...).accepts(...).responds(...).
type operation struct{ *spec.Operation }

func op(n kindNames, id, description, action string, params []spec.Parameter) operation {
	o := &spec.Operation{}
	o.ID, o.Description, o.Tags = id, description, []string{n.tag}
	o.Parameters = slices.Clone(params)
	o.AddExtension("x-kubernetes-action", action)
	o.AddExtension("x-kubernetes-group-version-kind", n.gvk)
	return operation{o}
}

// accepts sets the request body.
func (o operation) accepts(contentTypes []string, body *spec.Schema) operation {
	o.Consumes = contentTypes
	o.Parameters = append(o.Parameters, bodyParam(body))
	return o
}

// responds sets the responses, plus the 401 every real apiserver
// operation lists, and returns the finished operation.
func (o operation) responds(contentTypes []string, rs ...response) *spec.Operation {
	o.Produces = contentTypes
	o.Responses = &spec.Responses{ResponsesProps: spec.ResponsesProps{StatusCodeResponses: map[int]spec.Response{
		401: {ResponseProps: spec.ResponseProps{Description: "Unauthorized"}},
	}}}
	for _, r := range rs {
		o.Responses.StatusCodeResponses[r.code] = spec.Response{ResponseProps: spec.ResponseProps{
			Description: r.description, Schema: r.schema,
		}}
	}
	return o.Operation
}

type response struct {
	code        int
	description string
	schema      *spec.Schema
}

func ok(s *spec.Schema) response       { return response{200, "OK", s} }
func created(s *spec.Schema) response  { return response{201, "Created", s} }
func accepted(s *spec.Schema) response { return response{202, "Accepted", s} }
