package apiserver

import (
	"net/http"
	"strings"
)

// requestInfo is what a resource URL says: which resource, object and
// subresource, and which verb the method and query make of it.
type requestInfo struct {
	Group, Version string
	Namespace      string
	Resource       string
	Name           string
	Subresource    string
	Verb           string
}

// namespaceSubresources are the subresources of namespaces, which would
// otherwise parse as /namespaces/{ns}/{resource}.
var namespaceSubresources = map[string]bool{"status": true, "finalize": true}

// parseResourcePath parses /api/v1/... and /apis/{group}/{version}/...;
// ok is false for anything else (discovery documents included).
func parseResourcePath(r *http.Request) (info requestInfo, ok bool) {
	parts := splitPath(r.URL.Path)
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		info.Version, parts = parts[1], parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		info.Group, info.Version, parts = parts[1], parts[2], parts[3:]
	default:
		return info, false
	}
	watchPrefix := false
	if parts[0] == "watch" { // the deprecated /watch/ path form
		watchPrefix, parts = true, parts[1:]
	}
	if len(parts) >= 2 && parts[0] == "namespaces" {
		if len(parts) == 2 || (len(parts) == 3 && namespaceSubresources[parts[2]]) {
			info.Resource, info.Name = "namespaces", parts[1]
			if len(parts) == 3 {
				info.Subresource = parts[2]
			}
			parts = nil
		} else {
			info.Namespace, parts = parts[1], parts[2:]
		}
	}
	switch len(parts) {
	case 0:
	case 1:
		info.Resource = parts[0]
	case 2:
		info.Resource, info.Name = parts[0], parts[1]
	case 3:
		info.Resource, info.Name, info.Subresource = parts[0], parts[1], parts[2]
	default:
		return info, false
	}
	if info.Resource == "" {
		return info, false
	}
	info.Verb = verb(r, info.Name != "", watchPrefix)
	return info, true
}

// verb maps the HTTP method to a Kubernetes verb.
func verb(r *http.Request, named, watchPrefix bool) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		q := r.URL.Query().Get("watch")
		if watchPrefix || q == "true" || q == "1" {
			return "watch"
		}
		if named {
			return "get"
		}
		return "list"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if named {
			return "delete"
		}
		return "deletecollection"
	}
	return strings.ToLower(r.Method)
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}
