package apiserver

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/scheme"
)

// countingWriter is a ResponseWriter that keeps only the size of the
// body, so that a measurement of the handler's memory does not include
// the answer a recorder would buffer.
type countingWriter struct {
	header http.Header
	code   int
	n      int64
}

func (w *countingWriter) Header() http.Header         { return w.header }
func (w *countingWriter) WriteHeader(code int)        { w.code = code }
func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// peakHeap samples the live heap every millisecond until stop is called,
// and returns the highest value seen above the starting one.
func peakHeap() (stop func() uint64) {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > base && ms.HeapAlloc-base > peak.Load() {
				peak.Store(ms.HeapAlloc - base)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}

// fillPods stores n small unscheduled pods in namespace team.
func fillPods(tb testing.TB, a *testAPI, n int) {
	tb.Helper()
	pods, _ := a.srv.Store(corev1.SchemeGroupVersion.WithResource("pods"))
	for i := range n {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pod-%05d", i), Namespace: "team", Labels: map[string]string{"app": "web"}},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
		}
		if _, err := pods.Create(tb.Context(), pod, store.CreateOptions{}); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkDeleteCollectionPeakHeap deletes 40,000 small pods (4,000
// with -short) with one DELETE of the collection and reports the peak
// live heap above the filled store's (peak-MB) and the answer's size.
func BenchmarkDeleteCollectionPeakHeap(b *testing.B) {
	n := 40000
	if testing.Short() {
		n = 4000
	}
	for _, accept := range []string{"application/json", "application/vnd.kubernetes.protobuf"} {
		b.Run(accept, func(b *testing.B) {
			var peak uint64
			var size int64
			for b.Loop() {
				b.StopTimer()
				a := newTestAPI(b)
				fillPods(b, a, n)
				r := httptest.NewRequestWithContext(b.Context(), http.MethodDelete, "/api/v1/namespaces/team/pods", nil)
				r.Header.Set("Accept", accept)
				w := &countingWriter{header: http.Header{}}
				stop := peakHeap()
				b.StartTimer()
				a.srv.ServeHTTP(w, r)
				b.StopTimer()
				peak = max(peak, stop())
				if w.code != http.StatusOK {
					b.Fatalf("deletecollection: %d", w.code)
				}
				size = w.n
				b.StartTimer()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
			b.ReportMetric(float64(size)/(1<<20), "answer-MB")
			b.ReportMetric(float64(n), "pods")
		})
	}
}

// TestDeleteCollectionAnswer: a deletecollection of more than two pages
// deletes exactly what the selector selects and answers, in every form,
// with the list of the deleted objects as they were; the JSON and protobuf
// answers, written item by item, are byte for byte what the list's
// encoder writes.
func TestDeleteCollectionAnswer(t *testing.T) {
	t.Parallel()
	const total, selected = 1300, 650
	for _, tc := range []struct {
		name, accept, query string
		want                int
		reencode            bool
	}{
		{name: "json", accept: "application/json", query: "?labelSelector=half%3Da", want: selected, reencode: true},
		{name: "protobuf", accept: "application/vnd.kubernetes.protobuf", query: "?labelSelector=half%3Da", want: selected, reencode: true},
		{name: "json everything", accept: "application/json", want: total, reencode: true},
		{name: "json nothing selected", accept: "application/json", query: "?labelSelector=half%3Dz", want: 0, reencode: true},
		{name: "protobuf nothing selected", accept: "application/vnd.kubernetes.protobuf", query: "?labelSelector=half%3Dz", want: 0, reencode: true},
		{name: "partial metadata", accept: "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1", query: "?labelSelector=half%3Da", want: selected, reencode: true},
		{name: "yaml", accept: "application/yaml", query: "?labelSelector=half%3Da", want: selected},
		{name: "table", accept: "application/json;as=Table;g=meta.k8s.io;v=v1", query: "?labelSelector=half%3Da", want: selected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newTestAPI(t)
			cms, _ := a.srv.Store(corev1.SchemeGroupVersion.WithResource("configmaps"))
			for i := range total {
				half := map[bool]string{true: "a", false: "b"}[i%2 == 0]
				cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cm-%04d", i), Namespace: "team", Labels: map[string]string{"half": half}}}
				if _, err := cms.Create(t.Context(), cm, store.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			before := a.revision(t)
			w := a.mustDo(t, http.StatusOK, http.MethodDelete, cmPath+tc.query, "", "Accept", tc.accept)
			left, err := cms.List(t.Context(), "team", store.ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if n := len(left.(*corev1.ConfigMapList).Items); n != total-tc.want {
				t.Errorf("%d configmaps left, want %d", n, total-tc.want)
			}
			info, ok := kruntime.SerializerInfoForMediaType(scheme.Codecs.SupportedMediaTypes(), w.Header().Get("Content-Type"))
			if !ok {
				t.Fatalf("answer's Content-Type %q", w.Header().Get("Content-Type"))
			}
			obj, _, err := info.Serializer.Decode(w.Body.Bytes(), nil, nil)
			if err != nil {
				t.Fatalf("decode answer: %v", err)
			}
			if n := meta.LenList(obj); n != tc.want && !strings.Contains(tc.accept, "Table") {
				t.Errorf("answer lists %d items, want %d", n, tc.want)
			}
			if table, ok := obj.(*metav1.Table); ok && len(table.Rows) != tc.want {
				t.Errorf("answer's table has %d rows, want %d", len(table.Rows), tc.want)
			}
			lm, err := meta.ListAccessor(obj)
			if err != nil {
				t.Fatal(err)
			}
			if rv := lm.GetResourceVersion(); rv != strconv.FormatInt(before, 10) {
				t.Errorf("answer's resourceVersion %s, want the revision before the deletes, %d", rv, before)
			}
			if !tc.reencode {
				return
			}
			var again bytes.Buffer
			gv := obj.GetObjectKind().GroupVersionKind().GroupVersion()
			if err := scheme.Codecs.EncoderForVersion(info.Serializer, gv).Encode(obj, &again); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), w.Body.Bytes()) {
				t.Errorf("answer differs from the list encoder's:\n%.300q\nwant\n%.300q", w.Body.Bytes(), again.Bytes())
			}
		})
	}
}

// BenchmarkListPeakHeap lists 40,000 small pods (4,000 with -short)
// without a limit and reports the peak live heap above the filled
// store's, to compare with deletecollection's.
func BenchmarkListPeakHeap(b *testing.B) {
	n := 40000
	if testing.Short() {
		n = 4000
	}
	a := newTestAPI(b)
	fillPods(b, a, n)
	for _, accept := range []string{"application/json", "application/vnd.kubernetes.protobuf"} {
		b.Run(accept, func(b *testing.B) {
			var peak uint64
			for b.Loop() {
				r := httptest.NewRequestWithContext(b.Context(), http.MethodGet, "/api/v1/namespaces/team/pods", nil)
				r.Header.Set("Accept", accept)
				w := &countingWriter{header: http.Header{}}
				stop := peakHeap()
				a.srv.ServeHTTP(w, r)
				peak = max(peak, stop())
				if w.code != http.StatusOK {
					b.Fatalf("list: %d", w.code)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
	}
}

// TestListInPages: a list without a limit, written page by page, is byte
// for byte what encoding the store's whole list gives, at the latest
// revision and at an exact older one (the pages after the first continue
// at the first's revision, so the answer is one snapshot).
func TestListInPages(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	cms, _ := a.srv.Store(corev1.SchemeGroupVersion.WithResource("configmaps"))
	for i := range 1300 {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cm-%04d", i), Namespace: "team"}}
		if _, err := cms.Create(t.Context(), cm, store.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	snapshot := strconv.FormatInt(a.revision(t), 10)
	for i := range 100 {
		if _, _, err := cms.Delete(t.Context(), "team", fmt.Sprintf("cm-%04d", i*13), nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, accept, query string
		opts                store.ListOptions
		want                int
	}{
		{name: "json latest", accept: "application/json", want: 1200},
		{name: "protobuf latest", accept: "application/vnd.kubernetes.protobuf", want: 1200},
		{name: "json exact snapshot", accept: "application/json", query: "?resourceVersionMatch=Exact&resourceVersion=" + snapshot,
			opts: store.ListOptions{ResourceVersion: snapshot, ResourceVersionMatch: metav1.ResourceVersionMatchExact}, want: 1300},
		{name: "protobuf exact snapshot", accept: "application/vnd.kubernetes.protobuf", query: "?resourceVersionMatch=Exact&resourceVersion=" + snapshot,
			opts: store.ListOptions{ResourceVersion: snapshot, ResourceVersionMatch: metav1.ResourceVersionMatchExact}, want: 1300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := a.mustDo(t, http.StatusOK, http.MethodGet, cmPath+tc.query, "", "Accept", tc.accept)
			list, err := cms.List(t.Context(), "team", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if n := meta.LenList(list); n != tc.want {
				t.Fatalf("store lists %d, want %d", n, tc.want)
			}
			info, _ := kruntime.SerializerInfoForMediaType(scheme.Codecs.SupportedMediaTypes(), tc.accept)
			var want bytes.Buffer
			if err := scheme.Codecs.EncoderForVersion(info.Serializer, corev1.SchemeGroupVersion).Encode(list, &want); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(w.Body.Bytes(), want.Bytes()) {
				t.Errorf("answer (%d bytes) differs from the whole list's encoding (%d bytes):\n%.300q\nwant\n%.300q", w.Body.Len(), want.Len(), w.Body.Bytes(), want.Bytes())
			}
		})
	}
}
