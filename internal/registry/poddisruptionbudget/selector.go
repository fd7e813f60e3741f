package poddisruptionbudget

import (
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// deprecatedSelectorKey is the label key policy/v1beta1 compatibility uses
// to spell its selectors in v1. A v1beta1 empty selector matched nothing,
// and is stored as the match-none form
//
//	matchExpressions: [{key: <deprecatedSelectorKey>, operator: Exists}]
//
// which v1 clients read back as such (no pod carries the label).
const deprecatedSelectorKey = "pdb.kubernetes.io/deprecated-v1beta1-empty-selector-match"

// matchNone is the stored form of a v1beta1 empty selector.
var matchNone = metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
	{Key: deprecatedSelectorKey, Operator: metav1.LabelSelectorOpExists},
}}

// stripDeprecatedSelectorKey removes user expressions on
// deprecatedSelectorKey, so that the compatibility key never combines with
// user requirements, unless the selector is exactly the match-none form or
// {} (upstream's v1 conversion with StripPDBV1beta1Label). The comparison
// is semantic: {matchLabels: {}} counts as {}.
func stripDeprecatedSelectorKey(sel *metav1.LabelSelector) {
	if sel == nil || apiequality.Semantic.DeepEqual(*sel, matchNone) || apiequality.Semantic.DeepEqual(*sel, metav1.LabelSelector{}) {
		return
	}
	kept := sel.MatchExpressions[:0]
	for _, req := range sel.MatchExpressions {
		if req.Key != deprecatedSelectorKey {
			kept = append(kept, req)
		}
	}
	sel.MatchExpressions = kept
}

// Matches reports whether the budget covers the pod, with the eviction
// handler's selector semantics: the pod must be in the budget's namespace;
// a null selector matches no pod, {} matches every pod, and a selector
// that does not parse matches nothing (the eviction skips such budgets).
func Matches(pdb *policyv1.PodDisruptionBudget, pod *corev1.Pod) bool {
	if pdb.Namespace != pod.Namespace {
		return false
	}
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil {
		return false
	}
	return sel.Matches(labels.Set(pod.Labels))
}
