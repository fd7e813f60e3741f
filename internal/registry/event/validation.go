package event

import (
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Upstream's length limits for events that carry an eventTime.
const (
	reportingInstanceLengthLimit = 128
	actionLengthLimit            = 128
	reasonLengthLimit            = 128
	noteLengthLimit              = 1024
)

// validateLegacy is upstream's legacyValidateEvent, applied to every event.
// An event without eventTime (the old API) must be in the namespace of the
// object it is about; one with eventTime (the new API) must say who
// reported it and what happened. strict names the reporter field as
// events.k8s.io/v1 does (reportingController) rather than as core/v1
// (reportingComponent).
func validateLegacy(e *corev1.Event, strict bool) field.ErrorList {
	var errs field.ErrorList
	nsPath := field.NewPath("involvedObject", "namespace")
	if e.EventTime.IsZero() {
		// About a cluster-scoped object, an old-style event lives in
		// "default" (old clients put it there) or nowhere.
		want := e.InvolvedObject.Namespace
		if want == "" && e.Namespace == metav1.NamespaceDefault {
			want = metav1.NamespaceDefault
		}
		if e.Namespace != want {
			errs = append(errs, field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace"))
		}
	} else {
		if e.InvolvedObject.Namespace == "" && e.Namespace != metav1.NamespaceDefault && e.Namespace != metav1.NamespaceSystem {
			errs = append(errs, field.Invalid(nsPath, e.InvolvedObject.Namespace, "does not match event.namespace"))
		}
		errs = append(errs, validateReporting(e, strict)...)
	}
	for _, msg := range validation.IsDNS1123Subdomain(e.Namespace) {
		errs = append(errs, field.Invalid(field.NewPath("namespace"), e.Namespace, msg))
	}
	return errs
}

// validateReporting checks the fields the new events API requires.
func validateReporting(e *corev1.Event, strict bool) field.ErrorList {
	var errs field.ErrorList
	controller := field.NewPath("reportingComponent")
	if strict {
		controller = field.NewPath("reportingController")
	}
	if e.ReportingController == "" {
		errs = append(errs, field.Required(controller, ""))
	}
	for _, msg := range validation.IsQualifiedName(e.ReportingController) {
		errs = append(errs, field.Invalid(controller, e.ReportingController, msg))
	}
	errs = append(errs, requiredWithLimit(field.NewPath("reportingInstance"), e.ReportingInstance, reportingInstanceLengthLimit)...)
	errs = append(errs, requiredWithLimit(field.NewPath("action"), e.Action, actionLengthLimit)...)
	errs = append(errs, requiredWithLimit(field.NewPath("reason"), e.Reason, reasonLengthLimit)...)
	if len(e.Message) > noteLengthLimit {
		errs = append(errs, tooLong(field.NewPath("message"), noteLengthLimit))
	}
	return errs
}

func requiredWithLimit(path *field.Path, value string, limit int) field.ErrorList {
	switch {
	case value == "":
		return field.ErrorList{field.Required(path, "")}
	case len(value) > limit:
		return field.ErrorList{tooLong(path, limit)}
	}
	return nil
}

// tooLong is upstream's wording, which reports an empty value.
func tooLong(path *field.Path, limit int) *field.Error {
	return field.Invalid(path, "", fmt.Sprintf("can have at most %v characters", limit))
}

// validateStrictCreate is the part of upstream's ValidateEventCreate that
// applies to events.k8s.io/v1 only: a complete new-style event without the
// deprecated fields.
func validateStrictCreate(e *corev1.Event) field.ErrorList {
	errs := validateSeries(e)
	if e.EventTime.IsZero() {
		errs = append(errs, field.Required(field.NewPath("eventTime"), ""))
	}
	if e.Type != corev1.EventTypeNormal && e.Type != corev1.EventTypeWarning {
		errs = append(errs, field.Invalid(field.NewPath("type"), "", fmt.Sprintf("has invalid value: %v", e.Type)))
	}
	if !e.FirstTimestamp.IsZero() {
		errs = append(errs, field.Invalid(field.NewPath("firstTimestamp"), "", "needs to be unset"))
	}
	if !e.LastTimestamp.IsZero() {
		errs = append(errs, field.Invalid(field.NewPath("lastTimestamp"), "", "needs to be unset"))
	}
	if e.Count != 0 {
		errs = append(errs, field.Invalid(field.NewPath("count"), "", "needs to be unset"))
	}
	if e.Source.Component != "" || e.Source.Host != "" {
		errs = append(errs, field.Invalid(field.NewPath("source"), "", "needs to be unset"))
	}
	return errs
}

// validateStrictUpdate is the events.k8s.io/v1 part of upstream's
// ValidateEventUpdate: only the series (and metadata) of an event change.
func validateStrictUpdate(e, old *corev1.Event) field.ErrorList {
	var errs field.ErrorList
	if !reflect.DeepEqual(e.Series, old.Series) {
		errs = append(errs, validateSeries(e)...)
	}
	immutable := []struct {
		path     string
		new, old any
	}{
		{"involvedObject", e.InvolvedObject, old.InvolvedObject},
		{"reason", e.Reason, old.Reason},
		{"message", e.Message, old.Message},
		{"source", e.Source, old.Source},
		{"firstTimestamp", e.FirstTimestamp, old.FirstTimestamp},
		{"lastTimestamp", e.LastTimestamp, old.LastTimestamp},
		{"count", e.Count, old.Count},
		{"type", e.Type, old.Type},
		{"eventTime", e.EventTime, old.EventTime},
		{"action", e.Action, old.Action},
		{"related", e.Related, old.Related},
		{"reportingController", e.ReportingController, old.ReportingController},
		{"reportingInstance", e.ReportingInstance, old.ReportingInstance},
	}
	for _, f := range immutable {
		errs = append(errs, apimachineryvalidation.ValidateImmutableField(f.new, f.old, field.NewPath(f.path))...)
	}
	return errs
}

// validateSeries checks an event series; upstream names the paths with a
// dot inside one segment, which prints the same.
func validateSeries(e *corev1.Event) field.ErrorList {
	if e.Series == nil {
		return nil
	}
	var errs field.ErrorList
	if e.Series.Count < 2 {
		errs = append(errs, field.Invalid(field.NewPath("series", "count"), "", "should be at least 2"))
	}
	if e.Series.LastObservedTime.IsZero() {
		errs = append(errs, field.Required(field.NewPath("series", "lastObservedTime"), ""))
	}
	return errs
}
