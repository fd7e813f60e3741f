package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/storage/memory"
)

// BenchmarkInstrument is the cost the request metrics add to one request
// (a GET of a pod, answered by a handler that writes nothing).
func BenchmarkInstrument(b *testing.B) {
	m := newMetrics(memory.New(memory.Options{}), clock.RealClock{})
	h := m.instrument(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := httptest.NewRequest(http.MethodGet, "/api/v1/namespaces/default/pods/web-1", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// BenchmarkStorageObjects is one scrape's count of stored objects with
// 30,000 pods (the issue-6 scale) in the memory store.
func BenchmarkStorageObjects(b *testing.B) {
	st := memory.New(memory.Options{})
	ctx := context.Background()
	for i := range 30000 {
		if _, err := st.Create(ctx, fmt.Sprintf("/core/pods/default/p-%05d", i), []byte("x")); err != nil {
			b.Fatal(err)
		}
	}
	c := newStorageObjects(st, Resources())
	ch := make(chan prometheus.Metric, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range ch {
		}
	}()
	b.ReportAllocs()
	for b.Loop() {
		c.Collect(ch)
	}
	close(ch)
	<-done
}
