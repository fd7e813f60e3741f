package workload

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestBumpGeneration(t *testing.T) {
	old := &metav1.ObjectMeta{Generation: 4}
	for _, tt := range []struct {
		name          string
		spec, oldSpec any
		want          int64
	}{
		{name: "unchanged keeps the sent generation", spec: map[string]string{"a": "1"}, oldSpec: map[string]string{"a": "1"}, want: 9},
		{name: "nil and empty are semantically equal", spec: map[string]string{}, oldSpec: map[string]string(nil), want: 9},
		{name: "changed is one past old", spec: map[string]string{"a": "2"}, oldSpec: map[string]string{"a": "1"}, want: 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			obj := &metav1.ObjectMeta{Generation: 9}
			BumpGeneration(obj, old, tt.spec, tt.oldSpec)
			BumpGeneration(obj, old, tt.spec, tt.oldSpec) // never twice
			if obj.Generation != tt.want {
				t.Errorf("generation = %d, want %d", obj.Generation, tt.want)
			}
		})
	}
}
