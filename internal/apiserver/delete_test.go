package apiserver

import (
	"net/http"
	"strings"
	"testing"
)

// TestDeleteOptionsValidatedEverywhere: bad DeleteOptions are a 422 for a
// namespace as for every resource, and for a collection even when nothing
// matches, as kube-apiserver's delete handlers validate them before any
// work; the namespace is left Active.
func TestDeleteOptionsValidatedEverywhere(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, path, want string }{
		{name: "namespace propagationPolicy", path: "/api/v1/namespaces/team?propagationPolicy=Bogus", want: `Unsupported value: \"Bogus\"`},
		{name: "namespace dryRun", path: "/api/v1/namespaces/team?dryRun=Bogus", want: `dryRun: Unsupported value: [\"Bogus\"]`},
		{name: "namespace both policies", path: "/api/v1/namespaces/team?propagationPolicy=Orphan&orphanDependents=true", want: "orphanDependents and deletionPropagation cannot be both set"},
		{name: "namespace body", path: "/api/v1/namespaces/team", want: `Unsupported value: \"Bogus\"`},
		{name: "empty collection", path: cmPath + "?propagationPolicy=Bogus", want: `Unsupported value: \"Bogus\"`},
		{name: "empty collection dryRun", path: cmPath + "?dryRun=Bogus", want: `dryRun: Unsupported value: [\"Bogus\"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newTestAPI(t)
			before := a.revision(t)
			body := ""
			if strings.HasSuffix(tc.name, "body") {
				body = `{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Bogus"}`
			}
			w := a.do(t, http.MethodDelete, tc.path, body)
			if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("%d %s, want 422 with %s", w.Code, w.Body, tc.want)
			}
			if after := a.revision(t); after != before {
				t.Errorf("refused delete wrote (revision %d → %d)", before, after)
			}
			if ns := a.mustDo(t, http.StatusOK, http.MethodGet, "/api/v1/namespaces/team", ""); strings.Contains(ns.Body.String(), "deletionTimestamp") {
				t.Errorf("namespace marked for deletion: %s", ns.Body)
			}
		})
	}
}

// TestResourceHooks: the generic handlers call a resource's own Delete
// (the namespace's: immortal namespaces are refused, others turn
// Terminating) and the create admission (nothing new in a terminating
// namespace, whether by POST or by a PUT that creates); namespaces have no
// deletecollection. The rules themselves are tested in
// internal/registry/namespace.
func TestResourceHooks(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	before := a.revision(t)
	w := a.do(t, http.MethodDelete, "/api/v1/namespaces/default", "")
	if want := `this namespace may not be deleted`; w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), want) {
		t.Errorf("delete default: %d %s, want 403 with %s", w.Code, w.Body, want)
	}
	a.mustDo(t, http.StatusMethodNotAllowed, http.MethodDelete, "/api/v1/namespaces", "")
	if after := a.revision(t); after != before {
		t.Errorf("refused deletes wrote (revision %d → %d)", before, after)
	}
	a.mustDo(t, http.StatusCreated, http.MethodPost, cmPath, configMapJSON("before"))
	w = a.mustDo(t, http.StatusOK, http.MethodDelete, "/api/v1/namespaces/team", "")
	if !strings.Contains(w.Body.String(), `"phase":"Terminating"`) {
		t.Errorf("deleted namespace answered %s, want it Terminating", w.Body)
	}
	for _, tc := range []struct{ method, path string }{
		{method: http.MethodPost, path: cmPath},
		{method: http.MethodPut, path: cmPath + "/after"},
	} {
		w := a.do(t, tc.method, tc.path, configMapJSON("after"))
		if want := "because it is being terminated"; w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), want) {
			t.Errorf("%s %s in a terminating namespace: %d %s, want 403 with %s", tc.method, tc.path, w.Code, w.Body, want)
		}
	}
	a.mustDo(t, http.StatusNotFound, http.MethodDelete, "/api/v1/namespaces/missing", "")
}
