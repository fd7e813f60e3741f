package node

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

// t0 is the fixed instant tests measure ages against.
var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func newNode() *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-1", CreationTimestamp: metav1.NewTime(t0.Add(-3 * 24 * time.Hour))},
		Status: corev1.NodeStatus{
			Capacity: quantities("cpu", "4", "memory", "8Gi", "pods", "110"),
			NodeInfo: corev1.NodeSystemInfo{KubeletVersion: "v1.33.1"},
		},
	}
}

func quantities(kv ...string) corev1.ResourceList {
	list := corev1.ResourceList{}
	for i := 0; i+1 < len(kv); i += 2 {
		list[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return list
}

func assertMessages(t *testing.T, got field.ErrorList, want []string) {
	t.Helper()
	var g []string
	for _, e := range got {
		g = append(g, e.Error())
	}
	if len(g) != len(want) {
		t.Fatalf("got %d errors, want %d:\n got: %q\nwant: %q", len(g), len(want), g, want)
	}
	for i := range want {
		if g[i] != want[i] {
			t.Errorf("error %d:\n got: %s\nwant: %s", i, g[i], want[i])
		}
	}
}

func assertSemanticEqual(t *testing.T, got, want any) {
	t.Helper()
	if !apiequality.Semantic.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("got  %s\nwant %s", g, w)
	}
}
