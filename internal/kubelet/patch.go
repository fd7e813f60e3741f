package kubelet

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
)

// statusPatch is the strategic merge patch that turns status old into new
// on an object of type dataStruct (a *corev1.Pod, *corev1.Node), as the
// kubelet's status manager sends it: lists merge by key (conditions by
// type, container statuses by name), so conditions written by others in
// between are kept. A non-empty uid is added as metadata.uid, which the API
// server checks against the stored object: a pod deleted and recreated
// under the same name is never written with another pod's status.
func statusPatch(old, new any, dataStruct any, uid types.UID) ([]byte, error) {
	oldJSON, err := json.Marshal(map[string]any{"status": old})
	if err != nil {
		return nil, fmt.Errorf("encode old status: %w", err)
	}
	newDoc := map[string]any{"status": new}
	if uid != "" {
		// Only the new side carries the uid, so the diff puts it into the
		// patch, as upstream's status manager does; decoding the patch to
		// add it afterwards cost a quarter of the patch's making.
		newDoc["metadata"] = map[string]any{"uid": uid}
	}
	newJSON, err := json.Marshal(newDoc)
	if err != nil {
		return nil, fmt.Errorf("encode new status: %w", err)
	}
	patch, err := strategicpatch.CreateTwoWayMergePatch(oldJSON, newJSON, dataStruct)
	if err != nil {
		return nil, fmt.Errorf("status patch: %w", err)
	}
	return patch, nil
}
