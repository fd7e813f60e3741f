package replicationcontroller

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/workload"
)

// table returns kube-apiserver's ReplicationController table
// (pkg/printers/internalversion printReplicationController).
func table() *registry.Table {
	return &registry.Table{
		Columns: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
			{Name: "Desired", Type: "integer", Description: corev1.ReplicationControllerSpec{}.SwaggerDoc()["replicas"]},
			{Name: "Current", Type: "integer", Description: corev1.ReplicationControllerStatus{}.SwaggerDoc()["replicas"]},
			{Name: "Ready", Type: "integer", Description: corev1.ReplicationControllerStatus{}.SwaggerDoc()["readyReplicas"]},
			registry.AgeColumn,
			workload.ContainersColumn,
			workload.ImagesColumn,
			{Name: "Selector", Type: "string", Priority: 1, Description: corev1.ReplicationControllerSpec{}.SwaggerDoc()["selector"]},
		},
		Row: row,
	}
}

func row(obj runtime.Object, now time.Time) []any {
	rc := obj.(*corev1.ReplicationController)
	var containers []corev1.Container
	if rc.Spec.Template != nil {
		containers = rc.Spec.Template.Spec.Containers
	}
	names, images := workload.ContainerCells(containers)
	return []any{
		rc.Name,
		int64(ptr.Deref(rc.Spec.Replicas, 0)),
		int64(rc.Status.Replicas),
		int64(rc.Status.ReadyReplicas),
		registry.Age(rc.CreationTimestamp, now),
		names,
		images,
		labels.FormatLabels(rc.Spec.Selector),
	}
}
