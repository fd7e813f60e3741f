// Package job describes batch/v1 Jobs: defaults, the generated selector,
// validation, the status subresource, the status.successful field selector
// and the `kubectl get` table. The rules follow kube-apiserver's
// pkg/registry/batch/job, SetDefaults_Job and pkg/apis/batch/validation,
// with the feature gates of the served release at their defaults; each
// file says where evictd checks a deliberate subset.
package job

import (
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of batch/v1 jobs.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion:     batchv1.SchemeGroupVersion,
		Plural:           "jobs",
		Singular:         "job",
		Kind:             "Job",
		ListKind:         "JobList",
		Categories:       []string{"all"},
		Namespaced:       true,
		New:              func() runtime.Object { return &batchv1.Job{} },
		NewList:          func() runtime.Object { return &batchv1.JobList{} },
		Strategy:         strategy{},
		StatusStrategy:   statusStrategy{},
		Table:            table(),
		SelectableFields: selectableFields,
	}
}

var (
	_ registry.Strategy = strategy{}
	_ registry.Strategy = statusStrategy{}
)

// selectableFields are upstream's Job field labels beyond metadata.
func selectableFields(obj runtime.Object) fields.Set {
	return fields.Set{"status.successful": strconv.Itoa(int(obj.(*batchv1.Job).Status.Succeeded))}
}
