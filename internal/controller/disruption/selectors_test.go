package disruption

import (
	"testing"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestSelectorsFollowTheCachedObject(t *testing.T) {
	t.Parallel()
	dbOnly := selector(&metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}})
	invalid := selector(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}})
	tests := []struct {
		name   string
		before *policyv1.PodDisruptionBudget // seen first, same UID
		after  *policyv1.PodDisruptionBudget
		want   bool
	}{
		{name: "first sight is parsed", after: newPDB("web"), want: true},
		{name: "the same object hits the cache", before: newPDB("web"), want: true},
		{name: "a new selector replaces the old one", before: newPDB("web"), after: newPDB("web", dbOnly), want: false},
		{name: "a selector that starts matching is seen", before: newPDB("web", dbOnly), after: newPDB("web"), want: true},
		{name: "an invalid selector selects nothing", after: newPDB("web", invalid), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newSelectors()
			pod := newPod("a")
			if tt.before != nil {
				tt.before.UID = types.UID("pdb")
				s.matching(pod, []*policyv1.PodDisruptionBudget{tt.before})
			}
			pdb := tt.after
			if pdb == nil {
				pdb = tt.before
			}
			pdb.UID = types.UID("pdb")
			got := len(s.matching(pod, []*policyv1.PodDisruptionBudget{pdb})) == 1
			if got != tt.want {
				t.Errorf("selects the pod = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDeletedPDBsLeaveTheSelectorCache(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pdb := newPDB("web")
	pdb.UID = "pdb"
	f.c.selectors.matching(newPod("a"), []*policyv1.PodDisruptionBudget{pdb})
	f.c.deletePDB(pdb)
	if n := len(f.c.selectors.byUID); n != 0 {
		t.Errorf("%d selectors cached after the PDB's deletion, want 0", n)
	}
}
