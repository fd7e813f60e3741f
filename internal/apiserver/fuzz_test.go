package apiserver

import (
	"net/http/httptest"
	"net/url"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/storage/memory"
)

// fuzzPodResource is a minimal pod description: the fuzz targets exercise
// the HTTP layer's decoding, not pod rules.
func fuzzPodResource() *registry.Resource {
	return &registry.Resource{
		GroupVersion: corev1.SchemeGroupVersion, Plural: "pods", Singular: "pod", Kind: "Pod", ListKind: "PodList",
		Namespaced: true, New: func() runtime.Object { return &corev1.Pod{} }, NewList: func() runtime.Object { return &corev1.PodList{} },
		Strategy: registry.DefaultStrategy{},
		SelectableFields: func(obj runtime.Object) fields.Set {
			p := obj.(*corev1.Pod)
			return fields.Set{"spec.nodeName": p.Spec.NodeName, "status.phase": string(p.Status.Phase)}
		},
	}
}

// FuzzDecodeObject feeds arbitrary bodies in each media type to the body
// decoder: it must return an object or an error, never panic.
func FuzzDecodeObject(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"c","image":"i"}]}}`), uint8(0))
	f.Add([]byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n"), uint8(1))
	f.Add([]byte("k8s\x00\n\x09\n\x02v1\x12\x03Pod\x12\x00"), uint8(2))
	f.Add([]byte(`{"kind":"Service","apiVersion":"v1"}`), uint8(0))
	f.Add([]byte(`{"spec":{"containers":[{"name":"c","image":"i","unknown":1}]},"spec":{}}`), uint8(0))
	types := []string{mediaJSON, mediaYAML, mediaProtobuf}
	res := fuzzPodResource()
	f.Fuzz(func(t *testing.T, body []byte, kind uint8) {
		r := httptest.NewRequest("POST", "/api/v1/namespaces/default/pods?fieldValidation=Strict", nil)
		r.Header.Set("Content-Type", types[int(kind)%len(types)])
		obj, err := decodeObject(httptest.NewRecorder(), r, res, body)
		if err == nil && obj == nil {
			t.Fatal("no object and no error")
		}
		if err != nil {
			if st := toStatus(err); st.Code < 400 || st.Code >= 500 {
				t.Fatalf("decode error is not a 4xx: %d %v", st.Code, err)
			}
		}
	})
}

// FuzzSelectors feeds arbitrary label and field selectors to the parser the
// list and watch handlers use.
func FuzzSelectors(f *testing.F) {
	f.Add("app=web,tier!=db", "spec.nodeName=n1,status.phase!=Failed")
	f.Add("env in (a,b),!legacy", "metadata.name=x")
	f.Add("a=(", "spec.bogus=1")
	f.Add("", `metadata.name=a\,b`)
	st, err := store.New(fuzzPodResource(), memory.New(memory.Options{}), store.Options{})
	if err != nil {
		f.Fatal(err)
	}
	supported := map[string]bool{"metadata.name": true, "metadata.namespace": true, "spec.nodeName": true, "status.phase": true}
	pod := &corev1.Pod{}
	pod.Name, pod.Namespace, pod.Labels = "x", "default", map[string]string{"app": "web"}
	f.Fuzz(func(t *testing.T, label, field string) {
		q := url.Values{"labelSelector": {label}, "fieldSelector": {field}}
		p, err := predicate(q, st)
		if err != nil {
			if st := toStatus(err); st.Code != 400 {
				t.Fatalf("selector error is not a 400: %v", err)
			}
			return
		}
		_ = st.Matches(p, pod)
		if p.Field == nil {
			return
		}
		for _, r := range p.Field.Requirements() {
			if !supported[r.Field] {
				t.Fatalf("unsupported field %q accepted in %q", r.Field, field)
			}
		}
	})
}
