package apiserver

import (
	"encoding/json"
	"maps"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"

	apidiscoveryv2 "k8s.io/api/apidiscovery/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/evictd/evictd/internal/registry"
)

// Aggregated discovery media types. Clients recognise the format only by
// the response Content-Type, so it must match the body exactly.
const (
	aggregatedV2      = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
	aggregatedV2beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
)

// allVerbs are the verbs of every generic resource.
var allVerbs = metav1.Verbs{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

// namespaceVerbs lack deletecollection, as upstream's namespace storage
// does: a namespace goes only through its own delete (Terminating, then
// finalized), never a bulk removal.
var namespaceVerbs = metav1.Verbs{"create", "delete", "get", "list", "patch", "update", "watch"}

// Verbs lists what a resource serves, as discovery and OpenAPI advertise it.
func Verbs(res *registry.Resource) metav1.Verbs {
	if res.GroupResource() == namespacesResource {
		return slices.Clone(namespaceVerbs)
	}
	return slices.Clone(allVerbs)
}

// discovery holds the discovery documents, built once from the served
// resources: they never change while the server runs.
type discovery struct {
	groups     metav1.APIGroupList
	byGroup    map[string]metav1.APIGroup
	resources  map[string][]byte // "v1" or "group/version" → APIResourceList JSON
	aggregated map[string][]byte // "api/v2", "apis/v2beta1", … → APIGroupDiscoveryList JSON
}

func newDiscovery(s *Server) (*discovery, error) {
	d := &discovery{byGroup: map[string]metav1.APIGroup{}, resources: map[string][]byte{}, aggregated: map[string][]byte{}}
	lists := map[string]*metav1.APIResourceList{}
	var aggCore, aggGroups []apidiscoveryv2.APIGroupDiscovery
	aggByGroup := map[string]*apidiscoveryv2.APIGroupDiscovery{}
	for _, g := range s.groups {
		if g.group != "" {
			group := metav1.APIGroup{Name: g.group}
			for _, v := range g.versions {
				group.Versions = append(group.Versions, metav1.GroupVersionForDiscovery{GroupVersion: g.group + "/" + v, Version: v})
			}
			group.PreferredVersion = group.Versions[0]
			d.groups.Groups = append(d.groups.Groups, group)
			d.byGroup[g.group] = group
		}
		agg := apidiscoveryv2.APIGroupDiscovery{ObjectMeta: metav1.ObjectMeta{Name: g.group}}
		for _, v := range g.versions {
			agg.Versions = append(agg.Versions, apidiscoveryv2.APIVersionDiscovery{Version: v, Freshness: apidiscoveryv2.DiscoveryFreshnessCurrent})
		}
		if g.group == "" {
			aggCore = append(aggCore, agg)
			aggByGroup[g.group] = &aggCore[len(aggCore)-1]
		} else {
			aggGroups = append(aggGroups, agg)
		}
	}
	for i := range aggGroups {
		aggByGroup[aggGroups[i].Name] = &aggGroups[i]
	}
	for _, ep := range s.order {
		gv := ep.res.GroupVersion.String()
		list := lists[gv]
		if list == nil {
			list = &metav1.APIResourceList{GroupVersion: gv}
			lists[gv] = list
		}
		list.APIResources = append(list.APIResources, legacyResources(ep)...)
		agg := aggByGroup[ep.res.GroupVersion.Group]
		for i := range agg.Versions {
			if agg.Versions[i].Version == ep.res.GroupVersion.Version {
				agg.Versions[i].Resources = append(agg.Versions[i].Resources, aggregatedResource(ep))
			}
		}
	}
	for _, rv := range s.reviews {
		gv := rv.Resource.GroupVersion
		if lists[gv.String()] == nil {
			lists[gv.String()] = &metav1.APIResourceList{GroupVersion: gv.String()}
		}
		legacy, agg := reviewDiscovery(rv)
		lists[gv.String()].APIResources = append(lists[gv.String()].APIResources, legacy)
		group := aggByGroup[gv.Group]
		for i := range group.Versions {
			if group.Versions[i].Version == gv.Version {
				group.Versions[i].Resources = append(group.Versions[i].Resources, agg)
			}
		}
	}
	for gv, list := range lists {
		list.Kind, list.APIVersion = "APIResourceList", "v1"
		data, err := json.Marshal(list)
		if err != nil {
			return nil, err
		}
		d.resources[gv] = data
	}
	d.groups.Kind, d.groups.APIVersion = "APIGroupList", "v1"
	for _, version := range []string{"v2", "v2beta1"} {
		for prefix, items := range map[string][]apidiscoveryv2.APIGroupDiscovery{"api": aggCore, "apis": aggGroups} {
			list := apidiscoveryv2.APIGroupDiscoveryList{Items: items}
			list.Kind, list.APIVersion = "APIGroupDiscoveryList", "apidiscovery.k8s.io/"+version
			if list.Items == nil {
				list.Items = []apidiscoveryv2.APIGroupDiscovery{}
			}
			data, err := json.Marshal(list)
			if err != nil {
				return nil, err
			}
			d.aggregated[prefix+"/"+version] = data
		}
	}
	return d, nil
}

// legacyResources are the APIResourceList entries of one resource and its
// subresources.
func legacyResources(ep *endpoint) []metav1.APIResource {
	res := ep.res
	out := []metav1.APIResource{{
		Name: res.Plural, SingularName: res.Singular, Namespaced: res.Namespaced, Kind: res.Kind,
		Verbs: Verbs(res), ShortNames: res.ShortNames, Categories: res.Categories,
	}}
	if res.StatusStrategy != nil {
		out = append(out, metav1.APIResource{Name: res.Plural + "/status", Namespaced: res.Namespaced, Kind: res.Kind, Verbs: metav1.Verbs{"get", "patch", "update"}})
	}
	for _, name := range slices.Sorted(maps.Keys(res.UpdateOnlySubresources)) {
		out = append(out, metav1.APIResource{Name: res.Plural + "/" + name, Namespaced: res.Namespaced, Kind: res.Kind, Verbs: metav1.Verbs{"update"}})
	}
	if res.Scale != nil {
		out = append(out, metav1.APIResource{Name: res.Plural + "/scale", Namespaced: res.Namespaced, Group: scaleKind.Group, Version: scaleKind.Version, Kind: scaleKind.Kind, Verbs: metav1.Verbs{"get", "patch", "update"}})
	}
	for _, sub := range ep.sortedSubresources() {
		r := metav1.APIResource{Name: res.Plural + "/" + sub.Name, Namespaced: res.Namespaced, Kind: sub.Kind.Kind, Verbs: sub.Verbs}
		if sub.Kind.GroupVersion() != res.GroupVersion {
			r.Group, r.Version = sub.Kind.Group, sub.Kind.Version
		}
		out = append(out, r)
	}
	return out
}

// aggregatedResource is the APIGroupDiscoveryList entry of one resource.
func aggregatedResource(ep *endpoint) apidiscoveryv2.APIResourceDiscovery {
	res := ep.res
	scope := apidiscoveryv2.ScopeCluster
	if res.Namespaced {
		scope = apidiscoveryv2.ScopeNamespace
	}
	gvk := res.GroupVersionKind()
	out := apidiscoveryv2.APIResourceDiscovery{
		Resource: res.Plural, SingularResource: res.Singular, Scope: scope, Verbs: Verbs(res),
		ShortNames: res.ShortNames, Categories: res.Categories,
		ResponseKind: &metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
	}
	if res.StatusStrategy != nil {
		out.Subresources = append(out.Subresources, apidiscoveryv2.APISubresourceDiscovery{
			Subresource: "status", ResponseKind: out.ResponseKind, Verbs: []string{"get", "patch", "update"}})
	}
	for _, name := range slices.Sorted(maps.Keys(res.UpdateOnlySubresources)) {
		out.Subresources = append(out.Subresources, apidiscoveryv2.APISubresourceDiscovery{
			Subresource: name, ResponseKind: out.ResponseKind, Verbs: []string{"update"}})
	}
	if res.Scale != nil {
		out.Subresources = append(out.Subresources, apidiscoveryv2.APISubresourceDiscovery{
			Subresource:  "scale",
			ResponseKind: &metav1.GroupVersionKind{Group: scaleKind.Group, Version: scaleKind.Version, Kind: scaleKind.Kind},
			Verbs:        []string{"get", "patch", "update"},
		})
	}
	for _, sub := range ep.sortedSubresources() {
		out.Subresources = append(out.Subresources, apidiscoveryv2.APISubresourceDiscovery{
			Subresource:  sub.Name,
			ResponseKind: &metav1.GroupVersionKind{Group: sub.Kind.Group, Version: sub.Kind.Version, Kind: sub.Kind.Kind},
			Verbs:        sub.Verbs,
		})
	}
	return out
}

// serve answers /api, /apis and /apis/{group}, in the aggregated format
// when the client asks for it.
func (d *discovery) serve(w http.ResponseWriter, r *http.Request, path string) {
	if path == "/api" || path == "/apis" {
		if version := aggregatedVersion(r); version != "" {
			w.Header().Set("Content-Type", map[string]string{"v2": aggregatedV2, "v2beta1": aggregatedV2beta1}[version])
			w.Header().Set("Vary", "Accept")
			_, _ = w.Write(d.aggregated[strings.TrimPrefix(path, "/")+"/"+version])
			return
		}
	}
	switch path {
	case "/api":
		writeJSON(w, http.StatusOK, metav1.APIVersions{
			TypeMeta:                   metav1.TypeMeta{Kind: "APIVersions"},
			Versions:                   []string{"v1"},
			ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{{ClientCIDR: "0.0.0.0/0", ServerAddress: serverAddress(r)}},
		})
	case "/apis":
		writeJSON(w, http.StatusOK, d.groups)
	default:
		group, ok := d.byGroup[strings.TrimPrefix(path, "/apis/")]
		if !ok {
			writeStatus(w, toStatus(notFound()))
			return
		}
		group.Kind, group.APIVersion = "APIGroup", "v1"
		writeJSON(w, http.StatusOK, group)
	}
}

// serveGroupVersion answers /api/v1 and /apis/{group}/{version}; it
// reports false for other paths.
func (d *discovery) serveGroupVersion(w http.ResponseWriter, _ *http.Request, path string) bool {
	key := strings.TrimPrefix(strings.TrimPrefix(path, "/apis/"), "/api/")
	data, ok := d.resources[key]
	if !ok || (strings.HasPrefix(path, "/api/") && strings.Contains(key, "/")) {
		return false
	}
	w.Header().Set("Content-Type", mediaJSON)
	_, _ = w.Write(data)
	return true
}

// aggregatedVersion returns "v2" or "v2beta1" when the Accept header asks
// for aggregated discovery before plain JSON.
func aggregatedVersion(r *http.Request) string {
	for _, clause := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(clause))
		if err != nil {
			continue
		}
		if mt == mediaJSON && params["as"] == "APIGroupDiscoveryList" && params["g"] == "apidiscovery.k8s.io" {
			if v := params["v"]; v == "v2" || v == "v2beta1" {
				return v
			}
			continue
		}
		return ""
	}
	return ""
}

// serverAddress is the host:port the client reached.
func serverAddress(r *http.Request) string {
	if _, _, err := net.SplitHostPort(r.Host); err == nil {
		return r.Host
	}
	return net.JoinHostPort(r.Host, "443")
}

// sortedSubresources lists the special subresources by name, so discovery
// documents are stable.
func (ep *endpoint) sortedSubresources() []Subresource {
	var out []Subresource
	for _, name := range slices.Sorted(maps.Keys(ep.subresources)) {
		out = append(out, ep.subresources[name])
	}
	return out
}
