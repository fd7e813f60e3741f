package pod

import (
	"encoding/json"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// t0 is the fixed instant tests measure times against.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// newPod is a minimal pod as a client sends it.
func newPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "default"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1.27"}}},
	}
}

// defaultedPod is newPod changed by mutate, then defaulted.
func defaultedPod(mutate func(*corev1.Pod)) *corev1.Pod {
	p := newPod()
	if mutate != nil {
		mutate(p)
	}
	Default(p)
	return p
}

// messages renders errors as clients read them, "path: Type: detail".
func messages(errs field.ErrorList) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func assertMessages(t *testing.T, got field.ErrorList, want []string) {
	t.Helper()
	g := messages(got)
	if len(g) != len(want) {
		t.Fatalf("got %d errors, want %d:\n got: %q\nwant: %q", len(g), len(want), g, want)
	}
	for i := range want {
		if g[i] != want[i] {
			t.Errorf("error %d:\n got: %s\nwant: %s", i, g[i], want[i])
		}
	}
}

// assertSemanticEqual compares API objects (quantities by value) and shows
// both as JSON when they differ.
func assertSemanticEqual(t *testing.T, got, want any) {
	t.Helper()
	if !apiequality.Semantic.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("got:\n%s\nwant:\n%s", g, w)
	}
}

func quantities(kv ...string) corev1.ResourceList {
	list := corev1.ResourceList{}
	for i := 0; i+1 < len(kv); i += 2 {
		list[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return list
}
