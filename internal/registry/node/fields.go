package node

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
)

// SelectableFields returns the node fields a field selector may name
// besides metadata.name, which the store adds: only spec.unschedulable,
// "true" or "false", as upstream's NodeToSelectableFields.
func SelectableFields(obj runtime.Object) fields.Set {
	node := obj.(*corev1.Node)
	return fields.Set{"spec.unschedulable": strconv.FormatBool(node.Spec.Unschedulable)}
}
