package workload

import (
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// BumpGeneration sets obj's metadata.generation to one past old's when
// spec and oldSpec differ semantically, so that status.observedGeneration
// tells a controller's progress. Otherwise it leaves obj alone. Calling it
// again with other fields that count as spec cannot bump twice: the new
// generation is always old's plus one.
func BumpGeneration(obj, old metav1.Object, spec, oldSpec any) {
	if !apiequality.Semantic.DeepEqual(spec, oldSpec) {
		obj.SetGeneration(old.GetGeneration() + 1)
	}
}
