package openapi_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/structured-merge-diff/v6/value"

	"github.com/evictd/evictd/internal/openapi"
)

// TestTypeConverterAgreesWithClientGo converts the same objects with both
// converters: the typed values and the field sets managedFields records
// are the same.
func TestTypeConverterAgreesWithClientGo(t *testing.T) {
	t.Parallel()
	ours, err := openapi.TypeConverter(scheme.Scheme)
	if err != nil {
		t.Fatal(err)
	}
	theirs := applyconfigurations.NewTypeConverter(scheme.Scheme)
	one := intstr.FromInt32(1)
	tests := []struct {
		name string
		obj  runtime.Object
	}{
		{"pod", &corev1.Pod{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Name: "p", Labels: map[string]string{"a": "b"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i", Ports: []corev1.ContainerPort{{ContainerPort: 80, Protocol: corev1.ProtocolTCP}}}},
				Tolerations: []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}},
			Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue}}},
		}},
		{"pdb", &policyv1.PodDisruptionBudget{
			TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
			ObjectMeta: metav1.ObjectMeta{Name: "b"},
			Spec:       policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}},
			Status:     policyv1.PodDisruptionBudgetStatus{DisruptedPods: map[string]metav1.Time{"p": {}}, Conditions: []metav1.Condition{{Type: policyv1.DisruptionAllowedCondition}}},
		}},
		{"service", &corev1.Service{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			Spec:     corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP}, {Port: 53, Protocol: corev1.ProtocolUDP}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ours.ObjectToTyped(tt.obj)
			if err != nil {
				t.Fatal(err)
			}
			want, err := theirs.ObjectToTyped(tt.obj)
			if err != nil {
				t.Fatal(err)
			}
			gotSet, err := got.ToFieldSet()
			if err != nil {
				t.Fatal(err)
			}
			wantSet, err := want.ToFieldSet()
			if err != nil {
				t.Fatal(err)
			}
			if !gotSet.Equals(wantSet) {
				t.Errorf("field sets differ:\nours   %s\ntheirs %s", gotSet, wantSet)
			}
			if !value.Equals(got.AsValue(), want.AsValue()) {
				t.Errorf("typed values differ")
			}
		})
	}
}

// BenchmarkTypeConverter is the cost TypeConverter removes from start-up:
// a cold client-go converter (its parse runs once per process, so only
// the first iteration of that side is real; run with -benchtime 1x).
func BenchmarkTypeConverter(b *testing.B) {
	b.Run("client-go", func(b *testing.B) {
		for b.Loop() {
			tc := applyconfigurations.NewTypeConverter(scheme.Scheme)
			if _, err := tc.ObjectToTyped(&corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("embedded", func(b *testing.B) {
		for b.Loop() {
			tc, err := openapi.TypeConverter(scheme.Scheme)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := tc.ObjectToTyped(&corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
