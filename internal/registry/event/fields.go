package event

import (
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
)

// coreFields are upstream's core/v1 event field labels (ToSelectableFields)
// beyond metadata.name and metadata.namespace. `kubectl describe` selects
// events with involvedObject.{name,namespace,uid,kind}. source is the
// reporting component of old-style events, else the reporting controller.
func coreFields(obj runtime.Object) fields.Set {
	e := asCore(obj)
	source := e.Source.Component
	if source == "" {
		source = e.ReportingController
	}
	return fields.Set{
		"involvedObject.kind":            e.InvolvedObject.Kind,
		"involvedObject.namespace":       e.InvolvedObject.Namespace,
		"involvedObject.name":            e.InvolvedObject.Name,
		"involvedObject.uid":             string(e.InvolvedObject.UID),
		"involvedObject.apiVersion":      e.InvolvedObject.APIVersion,
		"involvedObject.resourceVersion": e.InvolvedObject.ResourceVersion,
		"involvedObject.fieldPath":       e.InvolvedObject.FieldPath,
		"reason":                         e.Reason,
		"reportingComponent":             e.ReportingController,
		"source":                         source,
		"type":                           e.Type,
	}
}

// eventsV1Renames maps events.k8s.io/v1 field labels to the core/v1 ones
// they select (upstream's AddFieldLabelConversionsForEvent in
// pkg/apis/events/v1).
var eventsV1Renames = map[string]string{
	"regarding.kind":            "involvedObject.kind",
	"regarding.namespace":       "involvedObject.namespace",
	"regarding.name":            "involvedObject.name",
	"regarding.uid":             "involvedObject.uid",
	"regarding.apiVersion":      "involvedObject.apiVersion",
	"regarding.resourceVersion": "involvedObject.resourceVersion",
	"regarding.fieldPath":       "involvedObject.fieldPath",
	"reportingController":       "reportingComponent",
	"reason":                    "reason",
	"source":                    "source",
	"type":                      "type",
}

// eventsV1Fields are the field labels events.k8s.io/v1 accepts.
func eventsV1Fields(obj runtime.Object) fields.Set {
	core := coreFields(obj)
	set := make(fields.Set, len(eventsV1Renames))
	for label, coreLabel := range eventsV1Renames {
		set[label] = core[coreLabel]
	}
	return set
}
