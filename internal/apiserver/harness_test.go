package apiserver

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/configmap"
	"github.com/evictd/evictd/internal/registry/namespace"
	"github.com/evictd/evictd/internal/registry/pod"
	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/scheme"
	"github.com/evictd/evictd/internal/storage"
	"github.com/evictd/evictd/internal/storage/memory"
)

// testTypeConverter is built once per test binary: parsing every schema
// takes ~100 ms.
var testTypeConverter = sync.OnceValue(func() managedfields.TypeConverter {
	return applyconfigurations.NewTypeConverter(scheme.Scheme)
})

// testAPI is an in-process Server with pods, namespaces and configmaps,
// driven through ServeHTTP without a network.
type testAPI struct {
	srv     *Server
	storage storage.Interface
}

// newTestAPI builds a Server with the system namespaces and "team".
func newTestAPI(t testing.TB) *testAPI {
	t.Helper()
	st := memory.New(memory.Options{})
	var served []Resource
	for _, res := range []*registry.Resource{pod.Resource(), namespace.Resource(), configmap.Resource()} {
		s, err := store.New(res, st, store.Options{TypeConverter: testTypeConverter, MaxObjectBytes: MaxRequestBodyBytes})
		if err != nil {
			t.Fatal(err)
		}
		served = append(served, Resource{Store: s})
	}
	lifecycle := namespace.NewLifecycle(served[1].Store, clock.RealClock{})
	served[1].Delete = lifecycle.Delete
	srv, err := New(Config{Resources: served, AdmitCreate: lifecycle.AdmitCreate})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	ns, _ := srv.Store(corev1.SchemeGroupVersion.WithResource("namespaces"))
	for _, name := range []string{metav1.NamespaceDefault, metav1.NamespaceSystem, metav1.NamespacePublic, "team"} {
		obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if _, err := ns.Create(t.Context(), obj, store.CreateOptions{FieldManager: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	return &testAPI{srv: srv, storage: st}
}

// do sends one request; headers alternate names and values.
func (a *testAPI) do(t testing.TB, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequestWithContext(t.Context(), method, path, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	a.srv.ServeHTTP(w, r)
	return w
}

// mustDo sends a request that must answer want.
func (a *testAPI) mustDo(t testing.TB, want int, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	t.Helper()
	w := a.do(t, method, path, body, headers...)
	if w.Code != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, w.Code, w.Body, want)
	}
	return w
}

// revision is the storage's current revision: it moves on every write.
func (a *testAPI) revision(t testing.TB) int64 {
	t.Helper()
	rev, err := a.storage.Revision(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return rev
}

// configMapJSON is a minimal ConfigMap body.
func configMapJSON(name string) string {
	return `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"` + name + `"},"data":{"k":"v"}}`
}

const cmPath = "/api/v1/namespaces/team/configmaps"

var _ = http.MethodGet
