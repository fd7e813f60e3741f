package event

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
)

// strategy validates events; strict is true for events.k8s.io/v1, whose
// events must be complete (eventTime, reportingController, action...) and
// whose content is immutable once written.
type strategy struct {
	registry.DefaultStrategy
	strict bool
}

// Validate checks a new event.
func (s strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	e := asCore(obj)
	errs := validateLegacy(e, s.strict)
	if s.strict {
		errs = append(errs, validateStrictCreate(e)...)
	}
	return errs
}

// ValidateUpdate checks an update.
func (s strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	e := asCore(obj)
	errs := validateLegacy(e, s.strict)
	if s.strict {
		errs = append(errs, validateStrictUpdate(e, asCore(old))...)
	}
	return errs
}

// AllowCreateOnUpdate is true as upstream: event recorders PUT or PATCH
// aggregated events that may have expired meanwhile.
func (strategy) AllowCreateOnUpdate() bool { return true }
