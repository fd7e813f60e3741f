package statefulset

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/rand"
)

// revisionHashLabel is the label upstream's history package puts on every
// ControllerRevision it creates.
const revisionHashLabel = "controller.kubernetes.io/hash"

// templatePatch is what a revision records, as upstream's getPatch: the
// set's spec.template under {"spec":{"template":…}}, marked
// "$patch":"replace" so that applying it as a strategic merge patch
// replaces the template whole. Keys are sorted (a marshalled map), so equal
// templates give equal bytes.
func templatePatch(set *appsv1.StatefulSet) ([]byte, error) {
	data, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("encode StatefulSet %s/%s: %w", set.Namespace, set.Name, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("decode StatefulSet %s/%s: %w", set.Namespace, set.Name, err)
	}
	template, _ := raw["spec"].(map[string]any)["template"].(map[string]any)
	template["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": template}})
}

// hashRevision is upstream's HashControllerRevision: FNV-32 of the data,
// then of the collision count in decimal, encoded with SafeEncodeString.
func hashRevision(data []byte, collisionCount *int32) string {
	h := fnv.New32()
	h.Write(data)
	if collisionCount != nil {
		h.Write([]byte(strconv.FormatInt(int64(*collisionCount), 10)))
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// revisionName is <prefix>-<hash>, the prefix cut to 223 characters so the
// name stays a valid DNS subdomain.
func revisionName(prefix, hash string) string {
	if len(prefix) > 223 {
		prefix = prefix[:223]
	}
	return prefix + "-" + hash
}

// newRevision is the revision recording set's current template: labels
// of the template plus the hash label, the set's annotations, a controller
// ownerReference to the set.
func newRevision(set *appsv1.StatefulSet, revision int64, collisionCount *int32) (*appsv1.ControllerRevision, error) {
	patch, err := templatePatch(set)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	for k, v := range set.Spec.Template.Labels {
		labels[k] = v
	}
	hash := hashRevision(patch, collisionCount)
	labels[revisionHashLabel] = hash
	annotations := map[string]string{}
	for k, v := range set.Annotations {
		annotations[k] = v
	}
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name:            revisionName(set.Name, hash),
			Namespace:       set.Namespace,
			Labels:          labels,
			Annotations:     annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, controllerKind)},
		},
		Data:     runtime.RawExtension{Raw: patch},
		Revision: revision,
	}, nil
}

// applyRevision returns a copy of set whose template is the revision's.
// The revision's patch replaces the template whole, so decoding it is the
// strategic merge upstream performs.
func applyRevision(set *appsv1.StatefulSet, rev *appsv1.ControllerRevision) (*appsv1.StatefulSet, error) {
	var patch struct {
		Spec struct {
			Template corev1.PodTemplateSpec `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(rev.Data.Raw, &patch); err != nil {
		return nil, fmt.Errorf("decode ControllerRevision %s/%s: %w", rev.Namespace, rev.Name, err)
	}
	clone := set.DeepCopy()
	clone.Spec.Template = patch.Spec.Template
	return clone, nil
}

// equalRevision compares recorded templates (upstream also compares hash
// labels when both parse as numbers, which SafeEncodeString output rarely
// does).
func equalRevision(a, b *appsv1.ControllerRevision) bool {
	return bytes.Equal(a.Data.Raw, b.Data.Raw)
}

// nextRevision is one more than the highest revision number in revisions
// (sorted ascending), 1 for none.
func nextRevision(revisions []*appsv1.ControllerRevision) int64 {
	if len(revisions) == 0 {
		return 1
	}
	return revisions[len(revisions)-1].Revision + 1
}
