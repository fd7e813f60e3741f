// Package replicationcontroller describes core/v1 ReplicationControllers,
// the predecessor of ReplicaSets with an equality-only selector: defaults,
// validation, the status and scale subresources, field selectors and the
// `kubectl get` table. The rules follow kube-apiserver's
// pkg/registry/core/replicationcontroller, pkg/apis/core/v1 defaults and
// pkg/apis/core/validation; the pod template is defaulted and checked with
// the pod package's rules.
package replicationcontroller

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of core/v1 replicationcontrollers.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion:     corev1.SchemeGroupVersion,
		Plural:           "replicationcontrollers",
		Singular:         "replicationcontroller",
		Kind:             "ReplicationController",
		ListKind:         "ReplicationControllerList",
		ShortNames:       []string{"rc"},
		Categories:       []string{"all"},
		Namespaced:       true,
		New:              func() runtime.Object { return &corev1.ReplicationController{} },
		NewList:          func() runtime.Object { return &corev1.ReplicationControllerList{} },
		Strategy:         strategy{},
		StatusStrategy:   statusStrategy{},
		Scale:            &registry.Scale{Get: getScale, Set: setScale},
		Table:            table(),
		SelectableFields: selectableFields,
	}
}

var (
	_ registry.Strategy = strategy{}
	_ registry.Strategy = statusStrategy{}
)

// selectableFields are upstream's ReplicationController field labels
// beyond metadata.
func selectableFields(obj runtime.Object) fields.Set {
	rc := obj.(*corev1.ReplicationController)
	return fields.Set{"status.replicas": strconv.Itoa(int(rc.Status.Replicas))}
}

// getScale reads the scale subresource: desired and current replicas and
// the selector map written as a label selector ("app=web,tier=fe").
func getScale(obj runtime.Object) (specReplicas, statusReplicas int32, selector string) {
	rc := obj.(*corev1.ReplicationController)
	return ptr.Deref(rc.Spec.Replicas, 0), rc.Status.Replicas, labels.SelectorFromSet(rc.Spec.Selector).String()
}

// setScale writes spec.replicas.
func setScale(obj runtime.Object, replicas int32) {
	obj.(*corev1.ReplicationController).Spec.Replicas = &replicas
}
