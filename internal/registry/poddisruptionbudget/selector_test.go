package poddisruptionbudget

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDefaultStripsDeprecatedSelectorKey(t *testing.T) {
	t.Parallel()
	exists := metav1.LabelSelectorRequirement{Key: deprecatedSelectorKey, Operator: metav1.LabelSelectorOpExists}
	doesNotExist := metav1.LabelSelectorRequirement{Key: deprecatedSelectorKey, Operator: metav1.LabelSelectorOpDoesNotExist}
	tier := metav1.LabelSelectorRequirement{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"web"}}
	app := map[string]string{"app": "web"}
	tests := []struct {
		name     string
		selector *metav1.LabelSelector
		want     *metav1.LabelSelector
	}{
		{name: "null"},
		{name: "match all kept", selector: &metav1.LabelSelector{}, want: &metav1.LabelSelector{}},
		{name: "match all with empty maps kept", selector: &metav1.LabelSelector{MatchLabels: map[string]string{}}, want: &metav1.LabelSelector{}},
		{
			name:     "match none kept",
			selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{exists}},
			want:     &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{exists}},
		},
		{
			name:     "v1beta1 match all form stripped",
			selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{doesNotExist}},
			want:     &metav1.LabelSelector{},
		},
		{
			name:     "combined with labels",
			selector: &metav1.LabelSelector{MatchLabels: app, MatchExpressions: []metav1.LabelSelectorRequirement{exists}},
			want:     &metav1.LabelSelector{MatchLabels: app},
		},
		{
			name:     "combined with expressions",
			selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{exists, tier, doesNotExist}},
			want:     &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{tier}},
		},
		{
			name:     "user expressions kept",
			selector: &metav1.LabelSelector{MatchLabels: app, MatchExpressions: []metav1.LabelSelectorRequirement{tier}},
			want:     &metav1.LabelSelector{MatchLabels: app, MatchExpressions: []metav1.LabelSelectorRequirement{tier}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pdb := newPDB()
			pdb.Spec.Selector = tt.selector
			Resource().Strategy.Default(pdb)
			if !apiequality.Semantic.DeepEqual(pdb.Spec.Selector, tt.want) {
				t.Errorf("selector = %+v, want %+v", pdb.Spec.Selector, tt.want)
			}
		})
	}
}

func TestMatches(t *testing.T) {
	t.Parallel()
	web := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "default", Labels: map[string]string{"app": "web"}}}
	bare := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "bare", Namespace: "default"}}
	tests := []struct {
		name     string
		selector *metav1.LabelSelector
		pod      *corev1.Pod
		want     bool
	}{
		{name: "labels match", selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, pod: web, want: true},
		{name: "labels differ", selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}, pod: web},
		{name: "null selector matches nothing", pod: web},
		{name: "empty selector matches all", selector: &metav1.LabelSelector{}, pod: bare, want: true},
		{
			name:     "match none form",
			selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: deprecatedSelectorKey, Operator: metav1.LabelSelectorOpExists}}},
			pod:      bare,
		},
		{
			name:     "expression",
			selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"db"}}}},
			pod:      web,
			want:     true,
		},
		{
			name:     "unparsable selector matches nothing",
			selector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Near"}}},
			pod:      web,
		},
		{
			name:     "other namespace",
			selector: &metav1.LabelSelector{},
			pod:      &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "other"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pdb := &policyv1.PodDisruptionBudget{
				ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
				Spec:       policyv1.PodDisruptionBudgetSpec{Selector: tt.selector},
			}
			if got := Matches(pdb, tt.pod); got != tt.want {
				t.Errorf("Matches = %v, want %v", got, tt.want)
			}
		})
	}
}
