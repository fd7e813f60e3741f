package openapi

import "k8s.io/kube-openapi/pkg/validation/spec"

// The query parameters published on each kind of operation. They are
// written inline on every operation, as the real apiserver does in v3:
// kubectl's fieldValidation check (cli-runtime query_param_verifier*.go)
// reads the PATCH operation's own parameter list first.
var (
	listParams = []spec.Parameter{
		queryParam("allowWatchBookmarks", "boolean", "allowWatchBookmarks asks for BOOKMARK events on a watch."),
		queryParam("continue", "string", "continue is the token from a previous paginated list."),
		queryParam("fieldSelector", "string", "A selector on object fields. Defaults to everything."),
		queryParam("labelSelector", "string", "A selector on object labels. Defaults to everything."),
		queryParam("limit", "integer", "limit is the maximum number of items to return; more are announced by metadata.continue."),
		queryParam("resourceVersion", "string", "resourceVersion constrains which resource versions the request may be served from."),
		queryParam("resourceVersionMatch", "string", "resourceVersionMatch says how resourceVersion applies to a list."),
		queryParam("sendInitialEvents", "boolean", "sendInitialEvents starts a watch with the current state, ended by an annotated BOOKMARK."),
		queryParam("timeoutSeconds", "integer", "Timeout for the list/watch call."),
		queryParam("watch", "boolean", "Watch for changes to the described resources."),
	}
	writeParams = []spec.Parameter{
		queryParam("dryRun", "string", "When present, modifications are not persisted. Valid value: All."),
		queryParam("fieldManager", "string", "fieldManager names the actor making these changes."),
		queryParam("fieldValidation", "string", "fieldValidation says how to handle unknown or duplicate fields in the request body: Ignore, Warn or Strict."),
	}
	patchParams = append(writeParams[:len(writeParams):len(writeParams)],
		queryParam("force", "boolean", "force re-acquires conflicting fields owned by other managers. Apply requests only."),
	)
	deleteParams = []spec.Parameter{
		queryParam("dryRun", "string", "When present, modifications are not persisted. Valid value: All."),
		queryParam("gracePeriodSeconds", "integer", "The duration in seconds before the object should be deleted."),
		queryParam("orphanDependents", "boolean", "Deprecated: use propagationPolicy."),
		queryParam("propagationPolicy", "string", "Whether and how garbage collection is performed: Orphan, Background or Foreground."),
	}
	deleteCollectionParams = append(deleteParams[:len(deleteParams):len(deleteParams)], listParams...)
)

// Path parameters; "namespace" comes first in namespaced paths.
var (
	namespaceParam = pathParam("namespace", "object name and auth scope, such as for teams and projects")
	nameParam      = func(kind string) spec.Parameter { return pathParam("name", "name of the "+kind) }
)

func queryParam(name, typ, description string) spec.Parameter {
	return spec.Parameter{
		ParamProps:        spec.ParamProps{Name: name, In: "query", Description: description},
		SimpleSchema:      spec.SimpleSchema{Type: typ},
		CommonValidations: spec.CommonValidations{UniqueItems: true},
	}
}

func pathParam(name, description string) spec.Parameter {
	p := queryParam(name, "string", description)
	p.In, p.Required = "path", true
	return p
}

// bodyParam is the Swagger 2.0 request body; openapiconv turns it into a
// v3 requestBody with one entry per consumed content type.
func bodyParam(schema *spec.Schema) spec.Parameter {
	return spec.Parameter{ParamProps: spec.ParamProps{Name: "body", In: "body", Required: true, Schema: schema}}
}
