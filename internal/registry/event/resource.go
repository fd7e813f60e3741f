// Package event describes core/v1 events and events.k8s.io/v1 events, two
// views of the same stored objects (core/v1 Events, as upstream stores
// them): their validation, field selectors and `kubectl get` table, and
// the conversion between the two versions. The rules follow
// kube-apiserver's pkg/registry/core/event, pkg/apis/core/validation
// (events.go) and pkg/apis/events/v1.
//
// Upstream validates an event by the API version of the request: core/v1
// requests get the lenient legacy rules and events.k8s.io/v1 requests the
// strict ones. Here each Resource carries its own strategy, so the version
// is known without looking at the request.
//
// Not served: the events TTL (upstream's --event-ttl, one hour), which
// belongs to storage.
package event

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of core/v1 events.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion: corev1.SchemeGroupVersion,
		Plural:       "events",
		Singular:     "event",
		Kind:         "Event",
		ListKind:     "EventList",
		ShortNames:   []string{"ev"},
		Namespaced:   true,
		// Upstream skips metadata validation for core/v1 events (old
		// clients send names that are not DNS subdomains); only the name
		// rules every URL path segment obeys remain.
		ValidateName:     path.ValidatePathSegmentName,
		New:              func() runtime.Object { return &corev1.Event{} },
		NewList:          func() runtime.Object { return &corev1.EventList{} },
		Strategy:         strategy{strict: false},
		Table:            table(),
		SelectableFields: coreFields,
	}
}

// EventsV1Resource returns a fresh description of events.k8s.io/v1 events,
// stored as core/v1 events. Its strategy, table and field selectors accept
// both *eventsv1.Event and *corev1.Event, so they work whichever type the
// store hands them; ToEventsV1 and FromEventsV1 translate between the two.
func EventsV1Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion:     eventsv1.SchemeGroupVersion,
		Plural:           "events",
		Singular:         "event",
		Kind:             "Event",
		ListKind:         "EventList",
		ShortNames:       []string{"ev"},
		Namespaced:       true,
		New:              func() runtime.Object { return &eventsv1.Event{} },
		NewList:          func() runtime.Object { return &eventsv1.EventList{} },
		Strategy:         strategy{strict: true},
		Table:            table(),
		SelectableFields: eventsV1Fields,
		StorageResource:  &schema.GroupVersionResource{Group: "", Version: "v1", Resource: "events"},
		StorageConversion: &registry.Conversion{
			StoredKind: corev1.SchemeGroupVersion.WithKind("Event"),
			NewStored:  func() runtime.Object { return &corev1.Event{} },
			ToStored: func(obj runtime.Object) (runtime.Object, error) {
				e, ok := obj.(*eventsv1.Event)
				if !ok {
					return nil, fmt.Errorf("want *eventsv1.Event, got %T", obj)
				}
				return FromEventsV1(e), nil
			},
			FromStored: func(obj runtime.Object) (runtime.Object, error) {
				e, ok := obj.(*corev1.Event)
				if !ok {
					return nil, fmt.Errorf("want *corev1.Event, got %T", obj)
				}
				return ToEventsV1(e), nil
			},
		},
	}
}

// asCore returns obj as a core/v1 event: itself, or a converted copy of an
// events.k8s.io/v1 event (read-only use).
func asCore(obj runtime.Object) *corev1.Event {
	switch e := obj.(type) {
	case *corev1.Event:
		return e
	case *eventsv1.Event:
		return FromEventsV1(e)
	}
	panic(fmt.Sprintf("event: unexpected object type %T", obj))
}
