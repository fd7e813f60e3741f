package statefulset

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry"
)

// table returns kube-apiserver's StatefulSet table (pkg/printers/
// internalversion printStatefulSet).
func table() *registry.Table {
	return &registry.Table{
		Columns: []metav1.TableColumnDefinition{
			{Name: "Name", Type: "string", Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
			{Name: "Ready", Type: "string", Description: "Number of the pod with ready state"},
			{Name: "Age", Type: "string", Description: metav1.ObjectMeta{}.SwaggerDoc()["creationTimestamp"]},
			{Name: "Containers", Type: "string", Priority: 1, Description: "Names of each container in the template."},
			{Name: "Images", Type: "string", Priority: 1, Description: "Images referenced by each container in the template."},
		},
		Row: row,
	}
}

func row(obj runtime.Object, now time.Time) []any {
	sts := obj.(*appsv1.StatefulSet)
	names, images := containerCells(sts.Spec.Template.Spec.Containers)
	return []any{
		sts.Name,
		fmt.Sprintf("%d/%d", sts.Status.ReadyReplicas, ptr.Deref(sts.Spec.Replicas, 0)),
		age(sts.CreationTimestamp, now),
		names,
		images,
	}
}

// containerCells is upstream's layoutContainerCells: container names and
// images, comma-separated.
func containerCells(containers []corev1.Container) (names, images string) {
	n := make([]string, len(containers))
	i := make([]string, len(containers))
	for k, c := range containers {
		n[k], i[k] = c.Name, c.Image
	}
	return strings.Join(n, ","), strings.Join(i, ",")
}

// age is upstream's translateTimestampSince, measured against now.
func age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}
