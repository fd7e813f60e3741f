// Package controllerrevision describes apps/v1 ControllerRevisions: the
// immutable snapshots of pod templates that StatefulSets and DaemonSets
// keep for rollouts and rollbacks. The rules follow kube-apiserver's
// pkg/registry/apps/controllerrevision and ValidateControllerRevision in
// pkg/apis/apps/validation: no defaults, data required and immutable, a
// non-negative revision.
package controllerrevision

import (
	"bytes"
	"context"
	"encoding/json"

	appsv1 "k8s.io/api/apps/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of apps/v1 controllerrevisions.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion: appsv1.SchemeGroupVersion,
		Plural:       "controllerrevisions",
		Singular:     "controllerrevision",
		Kind:         "ControllerRevision",
		ListKind:     "ControllerRevisionList",
		Namespaced:   true,
		New:          func() runtime.Object { return &appsv1.ControllerRevision{} },
		NewList:      func() runtime.Object { return &appsv1.ControllerRevisionList{} },
		Strategy:     strategy{},
		Table:        table(),
	}
}

var _ registry.Strategy = strategy{}

var dataPath = field.NewPath("data")

// strategy is upstream's controllerRevisionStrategy: PUT may omit
// resourceVersion and may not create (DefaultStrategy).
type strategy struct{ registry.DefaultStrategy }

// Validate checks a new revision.
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validate(obj.(*appsv1.ControllerRevision))
}

// ValidateUpdate checks the new revision and that its data is unchanged;
// the revision number may change (the StatefulSet controller renumbers a
// revision it rolls back to).
func (strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	cr, oldCR := obj.(*appsv1.ControllerRevision), old.(*appsv1.ControllerRevision)
	errs := validate(cr)
	if !sameData(cr.Data.Raw, oldCR.Data.Raw) {
		errs = append(errs, field.Invalid(dataPath, string(cr.Data.Raw), apimachineryvalidation.FieldImmutableErrorMsg))
	}
	return errs
}

// sameData compares two data fields as JSON values when both are JSON: a
// JSON client sends back the compacted form of what it read, while the
// stored bytes keep the spacing of the create.
func sameData(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var ca, cb bytes.Buffer
	return json.Compact(&ca, a) == nil && json.Compact(&cb, b) == nil && bytes.Equal(ca.Bytes(), cb.Bytes())
}

// validate requires data (upstream: a nil object after decoding, which is
// what an absent or null data field gives) and a non-negative revision.
func validate(cr *appsv1.ControllerRevision) field.ErrorList {
	var errs field.ErrorList
	if cr.Data.Raw == nil && cr.Data.Object == nil {
		errs = append(errs, field.Required(dataPath, "data is mandatory"))
	}
	return append(errs, apimachineryvalidation.ValidateNonnegativeField(cr.Revision, field.NewPath("revision"))...)
}
