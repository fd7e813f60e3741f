package poddisruptionbudget

import (
	"testing"

	"github.com/evictd/evictd/internal/registry/registrytest"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	intOrString := func(v intstr.IntOrString) *intstr.IntOrString { return &v }
	tests := []struct {
		name   string
		mutate func(*policyv1.PodDisruptionBudgetSpec)
		want   []string
	}{
		{name: "min available", mutate: func(*policyv1.PodDisruptionBudgetSpec) {}},
		{name: "nothing set", mutate: func(s *policyv1.PodDisruptionBudgetSpec) { *s = policyv1.PodDisruptionBudgetSpec{} }},
		{name: "zero", mutate: func(s *policyv1.PodDisruptionBudgetSpec) { s.MinAvailable = intOrString(intstr.FromInt32(0)) }},
		{name: "100 percent", mutate: func(s *policyv1.PodDisruptionBudgetSpec) { s.MinAvailable = intOrString(intstr.FromString("100%")) }},
		{name: "max unavailable 0%", mutate: func(s *policyv1.PodDisruptionBudgetSpec) {
			s.MinAvailable, s.MaxUnavailable = nil, intOrString(intstr.FromString("0%"))
		}},
		{name: "match all", mutate: func(s *policyv1.PodDisruptionBudgetSpec) { s.Selector = &metav1.LabelSelector{} }},
		{name: "both policies", mutate: func(s *policyv1.PodDisruptionBudgetSpec) {
			s.UnhealthyPodEvictionPolicy = ptr.To(policyv1.AlwaysAllow)
		}},
		{
			name: "both set",
			mutate: func(s *policyv1.PodDisruptionBudgetSpec) {
				s.Selector = nil
				s.MaxUnavailable = intOrString(intstr.FromString("10%"))
			},
			want: []string{`spec: Invalid value: {"minAvailable":1,"maxUnavailable":"10%"}: minAvailable and maxUnavailable cannot be both set`},
		},
		{
			name:   "negative",
			mutate: func(s *policyv1.PodDisruptionBudgetSpec) { s.MinAvailable = intOrString(intstr.FromInt32(-1)) },
			want:   []string{"spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"},
		},
		{
			name: "not a percent",
			mutate: func(s *policyv1.PodDisruptionBudgetSpec) {
				s.MinAvailable, s.MaxUnavailable = nil, intOrString(intstr.FromString("half"))
			},
			want: []string{`spec.maxUnavailable: Invalid value: "half": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`},
		},
		{
			name:   "over 100 percent",
			mutate: func(s *policyv1.PodDisruptionBudgetSpec) { s.MinAvailable = intOrString(intstr.FromString("101%")) },
			want:   []string{`spec.minAvailable: Invalid value: "101%": must not be greater than 100%`},
		},
		{
			name: "bad selector operator",
			mutate: func(s *policyv1.PodDisruptionBudgetSpec) {
				s.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "tier", Operator: "Near"}}
			},
			want: []string{`spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator`},
		},
		{
			name:   "bad selector value",
			mutate: func(s *policyv1.PodDisruptionBudgetSpec) { s.Selector.MatchLabels["app"] = "a b" },
			want:   []string{`spec.selector.matchLabels: Invalid value: "a b": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`},
		},
		{
			name: "unknown eviction policy",
			mutate: func(s *policyv1.PodDisruptionBudgetSpec) {
				s.UnhealthyPodEvictionPolicy = ptr.To(policyv1.UnhealthyPodEvictionPolicyType("Sometimes"))
			},
			want: []string{`spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pdb := newPDB()
			tt.mutate(&pdb.Spec)
			s := Resource().Strategy
			registrytest.CheckErrors(t, s.Validate(t.Context(), pdb), tt.want...)
			registrytest.CheckErrors(t, s.ValidateUpdate(t.Context(), pdb, newPDB()), tt.want...)
		})
	}
}

// TestValidateUpdateKeepsInvalidLabelValues: expression values stored
// before they were checked strictly may stay; a valid selector may not turn
// invalid.
func TestValidateUpdateKeepsInvalidLabelValues(t *testing.T) {
	t.Parallel()
	invalid := newPDB()
	invalid.Spec.Selector.MatchExpressions = []metav1.LabelSelectorRequirement{
		{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"a b"}},
	}
	tests := []struct {
		name    string
		old     *policyv1.PodDisruptionBudget
		wantErr bool
	}{
		{name: "stored invalid", old: invalid},
		{name: "stored valid", old: newPDB(), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pdb := invalid.DeepCopy()
			pdb.Spec.MinAvailable = ptr.To(intstr.FromInt32(2))
			errs := Resource().Strategy.ValidateUpdate(t.Context(), pdb, tt.old)
			if (len(errs) > 0) != tt.wantErr {
				t.Errorf("errors = %v, want errors: %v", errs, tt.wantErr)
			}
		})
	}
}

func TestValidateName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		objName string
		valid   bool
	}{
		{name: "dns subdomain", objName: "web.frontend", valid: true},
		{name: "upper case is a valid path segment", objName: "Web_PDB", valid: true},
		{name: "slash", objName: "a/b"},
		{name: "dot dot", objName: ".."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := len(Resource().ValidateName(tt.objName, false)) == 0; got != tt.valid {
				t.Errorf("ValidateName(%q) valid = %v, want %v", tt.objName, got, tt.valid)
			}
		})
	}
}
