package deployment

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/dump"
)

// ComputeHash is the pod-template-hash of template: upstream's FNV-32a over
// the template printed by dump.ForHash (the spew format kube-controller-
// manager hashes), salted with collisionCount when set, rendered with
// rand.SafeEncodeString — so with the same k8s.io/api version a template
// hashes to the same value, and ReplicaSet names look like real ones
// (nginx-7c5ddbdf54).
func ComputeHash(template *corev1.PodTemplateSpec, collisionCount *int32) string {
	hasher := fnv.New32a()
	fmt.Fprint(hasher, dump.ForHash(*template))
	if collisionCount != nil {
		// Upstream writes 8 bytes of which only the low 4 carry the count.
		salt := make([]byte, 8)
		binary.LittleEndian.PutUint32(salt, uint32(*collisionCount))
		hasher.Write(salt)
	}
	return rand.SafeEncodeString(fmt.Sprint(hasher.Sum32()))
}

// equalIgnoreHash reports whether two templates are semantically equal
// once their pod-template-hash labels are dropped: a deployment's template
// never carries the label, and the hash of an old ReplicaSet may have been
// computed by another version of the API types.
func equalIgnoreHash(a, b *corev1.PodTemplateSpec) bool {
	a, b = a.DeepCopy(), b.DeepCopy()
	delete(a.Labels, appsv1.DefaultDeploymentUniqueLabelKey)
	delete(b.Labels, appsv1.DefaultDeploymentUniqueLabelKey)
	return apiequality.Semantic.DeepEqual(a, b)
}

// withLabel returns a copy of labels with key=value added.
func withLabel(labels map[string]string, key, value string) map[string]string {
	out := make(map[string]string, len(labels)+1)
	for k, v := range labels {
		out[k] = v
	}
	out[key] = value
	return out
}

// selectorWithLabel returns a copy of selector that also requires key=value.
func selectorWithLabel(selector *metav1.LabelSelector, key, value string) *metav1.LabelSelector {
	out := selector.DeepCopy()
	if out == nil {
		out = &metav1.LabelSelector{}
	}
	out.MatchLabels = withLabel(out.MatchLabels, key, value)
	return out
}
