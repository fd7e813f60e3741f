package apiserver

import (
	"net/http"
	"strings"
	"testing"
)

// TestUnacceptableWritesChangeNothing: a write whose answer the client
// cannot read is refused (406) before it is carried out, as kube-apiserver
// negotiates the output type first; today's evictd committed it, then
// answered 406.
func TestUnacceptableWritesChangeNothing(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, method, path, body, contentType string
	}{
		{name: "create", method: http.MethodPost, path: cmPath, body: configMapJSON("new")},
		{name: "update", method: http.MethodPut, path: cmPath + "/cm", body: configMapJSON("cm")},
		{name: "merge patch", method: http.MethodPatch, path: cmPath + "/cm", body: `{"data":{"k":"changed"}}`, contentType: "application/merge-patch+json"},
		{name: "apply", method: http.MethodPatch, path: cmPath + "/cm?fieldManager=x&force=true", body: `{"apiVersion":"v1","kind":"ConfigMap","data":{"k":"applied"}}`, contentType: "application/apply-patch+yaml"},
		{name: "delete", method: http.MethodDelete, path: cmPath + "/cm"},
		{name: "deletecollection", method: http.MethodDelete, path: cmPath},
		{name: "delete namespace", method: http.MethodDelete, path: "/api/v1/namespaces/team"},
	} {
		for _, accept := range []string{"text/html", "application/json;q=0", "application/vnd.kubernetes.protobuf;q=0, text/plain"} {
			t.Run(tc.name+"/"+accept, func(t *testing.T) {
				t.Parallel()
				a := newTestAPI(t)
				a.mustDo(t, http.StatusCreated, http.MethodPost, cmPath, configMapJSON("cm"))
				before := a.revision(t)
				ct := tc.contentType
				if ct == "" {
					ct = mediaJSON
				}
				w := a.do(t, tc.method, tc.path, tc.body, "Accept", accept, "Content-Type", ct)
				if w.Code != http.StatusNotAcceptable {
					t.Errorf("%s with Accept %q: %d %s, want 406", tc.name, accept, w.Code, w.Body)
				}
				if after := a.revision(t); after != before {
					t.Errorf("%s with Accept %q was refused but wrote (revision %d → %d)", tc.name, accept, before, after)
				}
			})
		}
	}
}

// TestAcceptHonoursQuality: clauses are tried by decreasing q-value and
// q=0 means "not acceptable" (RFC 9110), as goautoneg orders them for
// kube-apiserver.
func TestAcceptHonoursQuality(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.mustDo(t, http.StatusCreated, http.MethodPost, cmPath, configMapJSON("cm"))
	for _, tc := range []struct {
		name, accept, want string
		code               int
	}{
		{name: "protobuf refused", accept: "application/vnd.kubernetes.protobuf;q=0, application/json", want: mediaJSON, code: 200},
		{name: "higher q first", accept: "application/json;q=0.5, application/yaml", want: mediaYAML, code: 200},
		{name: "protobuf preferred", accept: "application/json;q=0.9, application/vnd.kubernetes.protobuf", want: mediaProtobuf, code: 200},
		{name: "wildcard", accept: "text/html, */*;q=0.8", want: mediaJSON, code: 200},
		{name: "only q=0", accept: "application/json;q=0", code: http.StatusNotAcceptable},
		{name: "case-insensitive", accept: "Application/JSON", want: mediaJSON, code: 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := a.do(t, http.MethodGet, cmPath+"/cm", "", "Accept", tc.accept)
			if w.Code != tc.code {
				t.Fatalf("Accept %q: %d %s, want %d", tc.accept, w.Code, w.Body, tc.code)
			}
			if got := w.Header().Get("Content-Type"); tc.code == 200 && got != tc.want {
				t.Errorf("Accept %q: Content-Type %q, want %q", tc.accept, got, tc.want)
			}
		})
	}
}

// TestTablesOnlyInJSONOrYAML: kube-apiserver serves Tables as JSON or YAML
// only (their cells do not fit protobuf); a protobuf Table clause is
// skipped for the next acceptable one, or the request gets 406, never 500.
func TestTablesOnlyInJSONOrYAML(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	a.mustDo(t, http.StatusCreated, http.MethodPost, cmPath, configMapJSON("cm"))
	const pbTable = "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io"
	for _, tc := range []struct {
		name, path, accept, wantType, wantBody string
		code                                   int
	}{
		{name: "list falls back to JSON", path: cmPath, accept: pbTable + ", application/json", wantType: mediaJSON, wantBody: `"kind":"ConfigMapList"`, code: 200},
		{name: "list falls back to a JSON Table", path: cmPath, accept: pbTable + ", application/json;as=Table;v=v1;g=meta.k8s.io", wantType: mediaJSON, wantBody: `"kind":"Table"`, code: 200},
		{name: "get falls back to YAML Table", path: cmPath + "/cm", accept: pbTable + ", application/yaml;as=Table;v=v1;g=meta.k8s.io", wantType: mediaYAML, wantBody: "kind: Table", code: 200},
		{name: "protobuf Table alone", path: cmPath, accept: pbTable, code: http.StatusNotAcceptable},
		{name: "watch protobuf Table alone", path: cmPath + "?watch=true&timeoutSeconds=1", accept: pbTable, code: http.StatusNotAcceptable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := a.do(t, http.MethodGet, tc.path, "", "Accept", tc.accept)
			if w.Code != tc.code {
				t.Fatalf("Accept %q: %d %s, want %d", tc.accept, w.Code, w.Body, tc.code)
			}
			if tc.code != 200 {
				return
			}
			if got := w.Header().Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type %q, want %q", got, tc.wantType)
			}
			if !strings.Contains(w.Body.String(), tc.wantBody) {
				t.Errorf("body %s, want it to contain %s", w.Body, tc.wantBody)
			}
		})
	}
}
