package statefulset

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/workload"
)

// table returns kube-apiserver's StatefulSet table (pkg/printers/
// internalversion printStatefulSet).
func table() *registry.Table {
	return &registry.Table{
		Columns: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
			{Name: "Ready", Type: "string", Description: "Number of the pod with ready state"},
			registry.AgeColumn,
			workload.ContainersColumn,
			workload.ImagesColumn,
		},
		Row: row,
	}
}

func row(obj runtime.Object, now time.Time) []any {
	sts := obj.(*appsv1.StatefulSet)
	names, images := workload.ContainerCells(sts.Spec.Template.Spec.Containers)
	return []any{
		sts.Name,
		fmt.Sprintf("%d/%d", sts.Status.ReadyReplicas, ptr.Deref(sts.Spec.Replicas, 0)),
		registry.Age(sts.CreationTimestamp, now),
		names,
		images,
	}
}
