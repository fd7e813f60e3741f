package daemonset

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	extensionsv1beta1 "k8s.io/api/extensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/workload"
)

// table returns kube-apiserver's DaemonSet table (pkg/printers/
// internalversion printDaemonSet). The descriptions are upstream's, which
// still read them from the extensions/v1beta1 types.
func table() *registry.Table {
	status := extensionsv1beta1.DaemonSetStatus{}.SwaggerDoc()
	return &registry.Table{
		Columns: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
			{Name: "Desired", Type: "integer", Description: status["desiredNumberScheduled"]},
			{Name: "Current", Type: "integer", Description: status["currentNumberScheduled"]},
			{Name: "Ready", Type: "integer", Description: status["numberReady"]},
			{Name: "Up-to-date", Type: "integer", Description: status["updatedNumberScheduled"]},
			{Name: "Available", Type: "integer", Description: status["numberAvailable"]},
			{Name: "Node Selector", Type: "string", Description: corev1.PodSpec{}.SwaggerDoc()["nodeSelector"]},
			registry.AgeColumn,
			workload.ContainersColumn,
			workload.ImagesColumn,
			{Name: "Selector", Type: "string", Priority: 1, Description: extensionsv1beta1.DaemonSetSpec{}.SwaggerDoc()["selector"]},
		},
		Row: row,
	}
}

func row(obj runtime.Object, now time.Time) []any {
	ds := obj.(*appsv1.DaemonSet)
	names, images := workload.ContainerCells(ds.Spec.Template.Spec.Containers)
	return []any{
		ds.Name,
		int64(ds.Status.DesiredNumberScheduled),
		int64(ds.Status.CurrentNumberScheduled),
		int64(ds.Status.NumberReady),
		int64(ds.Status.UpdatedNumberScheduled),
		int64(ds.Status.NumberAvailable),
		labels.FormatLabels(ds.Spec.Template.Spec.NodeSelector),
		registry.Age(ds.CreationTimestamp, now),
		names,
		images,
		metav1.FormatLabelSelector(ds.Spec.Selector),
	}
}
