package node

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
)

// strategy holds the rules of the nodes resource. Unlike most resources,
// a node may be created with its status: the kubelet registers its node
// with capacity, addresses and conditions in one request. Generation is not
// tracked. PUT may omit resourceVersion and may not create.
type strategy struct{ registry.DefaultStrategy }

// Default applies the v1 node defaults.
func (strategy) Default(obj runtime.Object) { Default(obj.(*corev1.Node)) }

// Validate checks a new node (upstream's ValidateNode).
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validate(obj.(*corev1.Node))
}

// PrepareForUpdate keeps the stored status: it changes through nodes/status.
func (strategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.Node).Status = old.(*corev1.Node).Status
}

// ValidateUpdate checks the node and what an update may change.
func (strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	node, oldNode := obj.(*corev1.Node), old.(*corev1.Node)
	return append(validate(node), validateUpdate(node, oldNode)...)
}

// statusStrategy serves nodes/status, the kubelet's heartbeat target.
type statusStrategy struct{ strategy }

// PrepareForUpdate keeps the stored spec: cordoning and taints go through
// the main resource.
func (statusStrategy) PrepareForUpdate(_ context.Context, obj, old runtime.Object) {
	obj.(*corev1.Node).Spec = old.(*corev1.Node).Spec
}

// ValidateUpdate checks only what an update may change, as upstream's
// status strategy does (ValidateNodeUpdate without ValidateNode).
func (statusStrategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	return validateUpdate(obj.(*corev1.Node), old.(*corev1.Node))
}
