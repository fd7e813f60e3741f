package server

import (
	"fmt"
	"strings"
)

// fuzzSeed is one request FuzzServeHTTP starts from.
type fuzzSeed struct {
	method, path, query, contentType, accept, body string
}

const (
	podPath  = "/api/v1/namespaces/default/pods/web"
	cmPath   = "/api/v1/namespaces/default/configmaps/cm"
	jsonType = "application/json"
	pbTable  = "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io"
)

// fuzzSeeds cover every write path and each hostile input of issue #7, so
// that the fuzzer mutates from requests that reach deep into the server.
var fuzzSeeds = []fuzzSeed{
	{method: "GET", path: "/api/v1/namespaces/default/pods", query: "limit=1", accept: jsonType},
	{method: "GET", path: "/api/v1/pods", query: "watch=true&timeoutSeconds=0&allowWatchBookmarks=true", accept: jsonType},
	{method: "GET", path: "/api/v1/namespaces/default/pods", accept: pbTable + ", application/json"},
	{method: "GET", path: "/apis/apps/v1/deployments", query: "labelSelector=app%3Dweb&fieldSelector=metadata.name%3Dx", accept: "application/json;as=Table;v=v1;g=meta.k8s.io"},
	{method: "POST", path: "/api/v1/namespaces/default/configmaps", contentType: jsonType, accept: "text/html",
		body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"new"}}`},
	{method: "POST", path: "/api/v1/namespaces/team/pods", query: "fieldValidation=Strict&dryRun=All", contentType: "application/yaml", accept: "application/vnd.kubernetes.protobuf;q=0, application/json",
		body: "apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: p-\nspec:\n  containers:\n  - name: c\n    image: i\n"},
	{method: "PUT", path: cmPath, contentType: jsonType, body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","resourceVersion":"1"},"data":{"k":"v"}}`},
	{method: "PATCH", path: cmPath, contentType: "application/json-patch+json", body: copyBombSeed(18)},
	{method: "PATCH", path: cmPath, contentType: "application/merge-patch+json", body: `{"metadata":{"resourceVersion":"1"},"data":{"x":"y"}}`},
	{method: "PATCH", path: podPath, contentType: "application/strategic-merge-patch+json", body: `{"metadata":{"labels":{"tier":"x"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`},
	{method: "PATCH", path: podPath + "/status", contentType: "application/merge-patch+json", body: `{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}`},
	{method: "PATCH", path: cmPath, query: "fieldManager=fuzz&force=true", contentType: "application/apply-patch+yaml",
		body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  resourceVersion: \"1\"\ndata:\n  a: b\n"},
	{method: "PUT", path: "/apis/apps/v1/namespaces/default/deployments/d/scale", contentType: jsonType,
		body: `{"apiVersion":"autoscaling/v1","kind":"Scale","metadata":{"name":"d"},"spec":{"replicas":3}}`},
	{method: "POST", path: podPath + "/eviction", contentType: jsonType,
		body: `{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web","namespace":"default"},"deleteOptions":{"gracePeriodSeconds":0}}`},
	{method: "POST", path: podPath + "/binding", contentType: jsonType,
		body: `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"web"},"target":{"kind":"Node","name":"n1"}}`},
	{method: "GET", path: podPath + "/log", query: "tailLines=1&follow=true"},
	{method: "DELETE", path: podPath, query: "gracePeriodSeconds=30&propagationPolicy=Bogus"},
	{method: "DELETE", path: "/api/v1/namespaces/default/configmaps", query: "labelSelector=a&dryRun=All", contentType: jsonType,
		body: `{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"x"}}`},
	{method: "DELETE", path: "/api/v1/namespaces/default"},
	{method: "DELETE", path: "/api/v1/namespaces/team", query: "dryRun=Bogus"},
	{method: "DELETE", path: "/api/v1/namespaces"},
	{method: "GET", path: "/apis", accept: "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"},
	{method: "GET", path: "/openapi/v3/api/v1"},
	{method: "OPTIONS", path: "/healthz/ping", query: "verbose"},
}

// copyBombSeed is the JSON patch of issue #7 that ran the server out of
// memory: each copy doubles /metadata/annotations.
func copyBombSeed(n int) string {
	ops := []string{`{"op":"add","path":"/metadata/annotations","value":{"seed":"` + strings.Repeat("x", 1000) + `"}}`}
	for i := range n {
		ops = append(ops, fmt.Sprintf(`{"op":"copy","from":"/metadata/annotations","path":"/metadata/annotations/k%d"}`, i))
	}
	return "[" + strings.Join(ops, ",") + "]"
}
