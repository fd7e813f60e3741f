package apiserver

import (
	"net/http/httptest"
	"testing"
)

func TestParseResourcePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, url string
		want              requestInfo
		ok                bool
	}{
		{name: "core list all namespaces", method: "GET", url: "/api/v1/pods", ok: true,
			want: requestInfo{Version: "v1", Resource: "pods", Verb: "list"}},
		{name: "core list in namespace", method: "GET", url: "/api/v1/namespaces/default/pods?limit=500", ok: true,
			want: requestInfo{Version: "v1", Namespace: "default", Resource: "pods", Verb: "list"}},
		{name: "watch by query", method: "GET", url: "/api/v1/namespaces/default/pods?watch=true", ok: true,
			want: requestInfo{Version: "v1", Namespace: "default", Resource: "pods", Verb: "watch"}},
		{name: "watch by legacy prefix", method: "GET", url: "/api/v1/watch/namespaces/default/pods", ok: true,
			want: requestInfo{Version: "v1", Namespace: "default", Resource: "pods", Verb: "watch"}},
		{name: "get one", method: "GET", url: "/api/v1/namespaces/default/pods/web", ok: true,
			want: requestInfo{Version: "v1", Namespace: "default", Resource: "pods", Name: "web", Verb: "get"}},
		{name: "eviction", method: "POST", url: "/api/v1/namespaces/default/pods/web/eviction", ok: true,
			want: requestInfo{Version: "v1", Namespace: "default", Resource: "pods", Name: "web", Subresource: "eviction", Verb: "create"}},
		{name: "namespace itself", method: "DELETE", url: "/api/v1/namespaces/foo", ok: true,
			want: requestInfo{Version: "v1", Resource: "namespaces", Name: "foo", Verb: "delete"}},
		{name: "namespace status", method: "PUT", url: "/api/v1/namespaces/foo/status", ok: true,
			want: requestInfo{Version: "v1", Resource: "namespaces", Name: "foo", Subresource: "status", Verb: "update"}},
		{name: "namespace finalize", method: "PUT", url: "/api/v1/namespaces/foo/finalize", ok: true,
			want: requestInfo{Version: "v1", Resource: "namespaces", Name: "foo", Subresource: "finalize", Verb: "update"}},
		{name: "cluster scoped", method: "PATCH", url: "/api/v1/nodes/n1", ok: true,
			want: requestInfo{Version: "v1", Resource: "nodes", Name: "n1", Verb: "patch"}},
		{name: "group resource", method: "GET", url: "/apis/apps/v1/namespaces/kube-system/daemonsets/ds1", ok: true,
			want: requestInfo{Group: "apps", Version: "v1", Namespace: "kube-system", Resource: "daemonsets", Name: "ds1", Verb: "get"}},
		{name: "delete collection", method: "DELETE", url: "/api/v1/namespaces/default/pods", ok: true,
			want: requestInfo{Version: "v1", Namespace: "default", Resource: "pods", Verb: "deletecollection"}},
		{name: "group version discovery is not a resource", method: "GET", url: "/apis/apps/v1", ok: false},
		{name: "core discovery is not a resource", method: "GET", url: "/api/v1", ok: false},
		{name: "too deep", method: "GET", url: "/api/v1/namespaces/a/pods/b/c/d", ok: false},
		{name: "not an API path", method: "GET", url: "/healthz", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := parseResourcePath(httptest.NewRequest(tt.method, tt.url, nil))
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (got %+v)", ok, tt.ok, got)
			}
			if ok && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNegotiate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, accept, wantType, wantAs string
		wantErr                        bool
	}{
		{name: "empty is JSON", accept: "", wantType: mediaJSON},
		{name: "kubectl get table", accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json", wantType: mediaJSON, wantAs: "Table"},
		{name: "client-go protobuf", accept: "application/vnd.kubernetes.protobuf,application/json", wantType: mediaProtobuf},
		{name: "drain discovery", accept: "application/json, */*", wantType: mediaJSON},
		{name: "yaml", accept: "application/yaml", wantType: mediaYAML},
		{name: "metadata list", accept: "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json", wantType: mediaProtobuf, wantAs: "PartialObjectMetadataList"},
		{name: "unknown transform falls through", accept: "application/json;as=Foo;g=meta.k8s.io;v=v1,application/yaml", wantType: mediaYAML},
		{name: "nothing acceptable", accept: "text/html", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/api/v1/pods", nil)
			r.Header.Set("Accept", tt.accept)
			out, err := negotiate(r, answerList)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && (out.info.MediaType != tt.wantType || out.as != tt.wantAs) {
				t.Errorf("got %s as=%q, want %s as=%q", out.info.MediaType, out.as, tt.wantType, tt.wantAs)
			}
		})
	}
}
