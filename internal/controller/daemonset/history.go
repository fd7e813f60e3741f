package daemonset

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/dump"
	"k8s.io/apimachinery/pkg/util/rand"
)

// computeHash is upstream's controller.ComputeHash: FNV-32a of the
// template's deep dump, then of the collision count as four little-endian
// bytes padded to eight, encoded with SafeEncodeString. The same template
// gets the same hash as in a real cluster.
func computeHash(template *corev1.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%v", dump.ForHash(*template))
	if collisionCount != nil {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint32(b, uint32(*collisionCount))
		h.Write(b)
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// templatePatch is what a revision records: the set's spec.template under
// {"spec":{"template":…}} marked "$patch":"replace", keys sorted.
func templatePatch(set *appsv1.DaemonSet) ([]byte, error) {
	data, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("encode DaemonSet %s/%s: %w", set.Namespace, set.Name, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("decode DaemonSet %s/%s: %w", set.Namespace, set.Name, err)
	}
	template, _ := raw["spec"].(map[string]any)["template"].(map[string]any)
	template["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": template}})
}

// matches reports whether rev records set's current template.
func matches(set *appsv1.DaemonSet, rev *appsv1.ControllerRevision) (bool, error) {
	patch, err := templatePatch(set)
	if err != nil {
		return false, err
	}
	return string(patch) == string(rev.Data.Raw), nil
}

// newRevision is the revision <set>-<hash> recording set's template at
// number revision, labelled with the template's labels and the hash.
func newRevision(set *appsv1.DaemonSet, revision int64) (*appsv1.ControllerRevision, error) {
	patch, err := templatePatch(set)
	if err != nil {
		return nil, err
	}
	hash := computeHash(&set.Spec.Template, set.Status.CollisionCount)
	labels := map[string]string{}
	for k, v := range set.Spec.Template.Labels {
		labels[k] = v
	}
	labels[appsv1.DefaultDaemonSetUniqueLabelKey] = hash
	return &appsv1.ControllerRevision{
		ObjectMeta: metav1.ObjectMeta{
			Name:            set.Name + "-" + hash,
			Namespace:       set.Namespace,
			Labels:          labels,
			Annotations:     set.Annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, controllerKind)},
		},
		Data:     runtime.RawExtension{Raw: patch},
		Revision: revision,
	}, nil
}

// bumpCollisionCount raises status.collisionCount of the live set, unless
// the count this sync hashed with is already stale, and returns the error
// that makes the set sync again with the new count.
func (c *Controller) bumpCollisionCount(ctx context.Context, set *appsv1.DaemonSet, collision error) error {
	sets := c.client.AppsV1().DaemonSets(set.Namespace)
	live, err := sets.Get(ctx, set.Name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get DaemonSet %s/%s: %w", set.Namespace, set.Name, err)
	}
	if derefInt32(live.Status.CollisionCount) != derefInt32(set.Status.CollisionCount) {
		return fmt.Errorf("stale collision count of DaemonSet %s/%s, will retry: %w", set.Namespace, set.Name, collision)
	}
	live.Status.CollisionCount = new(int32(derefInt32(live.Status.CollisionCount) + 1))
	if _, err := sets.UpdateStatus(ctx, live, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("bump collision count of DaemonSet %s/%s: %w", set.Namespace, set.Name, err)
	}
	return fmt.Errorf("hash collision of DaemonSet %s/%s, collision count bumped: %w", set.Namespace, set.Name, collision)
}

func derefInt32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}
