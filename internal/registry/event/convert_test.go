package event

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var (
	t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	t1 = t0.Add(time.Minute)
)

// fullCore sets every field of a core/v1 Event (checked by
// TestFixturesAreComplete), so that a field the conversion forgets fails
// the round trip.
func fullCore() *corev1.Event {
	return &corev1.Event{
		TypeMeta:            metav1.TypeMeta{},
		ObjectMeta:          metav1.ObjectMeta{Name: "web-1.17a", Namespace: "default", Labels: map[string]string{"a": "b"}},
		InvolvedObject:      corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web-1", UID: "u1", APIVersion: "v1", ResourceVersion: "7", FieldPath: "spec.containers{app}"},
		Reason:              "Pulled",
		Message:             "pulled image",
		Source:              corev1.EventSource{Component: "kubelet", Host: "node-1"},
		FirstTimestamp:      metav1.NewTime(t0),
		LastTimestamp:       metav1.NewTime(t1),
		Count:               3,
		Type:                corev1.EventTypeNormal,
		EventTime:           metav1.NewMicroTime(t0),
		Series:              &corev1.EventSeries{Count: 4, LastObservedTime: metav1.NewMicroTime(t1)},
		Action:              "Pulling",
		Related:             &corev1.ObjectReference{Kind: "Node", Name: "node-1"},
		ReportingController: "kubelet",
		ReportingInstance:   "node-1",
	}
}

func fullEventsV1() *eventsv1.Event {
	return &eventsv1.Event{
		ObjectMeta:               metav1.ObjectMeta{Name: "n.1", Namespace: "kube-system"},
		EventTime:                metav1.NewMicroTime(t0),
		Series:                   &eventsv1.EventSeries{Count: 2, LastObservedTime: metav1.NewMicroTime(t1)},
		ReportingController:      "example.com/ctl",
		ReportingInstance:        "ctl-0",
		Action:                   "Drain",
		Reason:                   "Draining",
		Regarding:                corev1.ObjectReference{Kind: "Node", Name: "n"},
		Related:                  &corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "p"},
		Note:                     "draining node",
		Type:                     corev1.EventTypeWarning,
		DeprecatedSource:         corev1.EventSource{Component: "c", Host: "h"},
		DeprecatedFirstTimestamp: metav1.NewTime(t0),
		DeprecatedLastTimestamp:  metav1.NewTime(t1),
		DeprecatedCount:          9,
	}
}

func TestFixturesAreComplete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		obj  any
	}{
		{name: "core", obj: fullCore()},
		{name: "events.k8s.io", obj: fullEventsV1()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := reflect.ValueOf(tt.obj).Elem()
			for i := range v.NumField() {
				if name := v.Type().Field(i).Name; name != "TypeMeta" && v.Field(i).IsZero() {
					t.Errorf("fixture leaves %s unset", name)
				}
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		core *corev1.Event
		v1   *eventsv1.Event
	}{
		{name: "full core", core: fullCore()},
		{name: "full events.k8s.io", v1: fullEventsV1()},
		{name: "empty core", core: &corev1.Event{}},
		{name: "empty events.k8s.io", v1: &eventsv1.Event{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.core != nil {
				if got := FromEventsV1(ToEventsV1(tt.core)); !apiequality.Semantic.DeepEqual(got, tt.core) {
					t.Errorf("core round trip:\n got %+v\nwant %+v", got, tt.core)
				}
			}
			if tt.v1 != nil {
				if got := ToEventsV1(FromEventsV1(tt.v1)); !apiequality.Semantic.DeepEqual(got, tt.v1) {
					t.Errorf("events.k8s.io round trip:\n got %+v\nwant %+v", got, tt.v1)
				}
			}
		})
	}
}

func TestConversionMapsRenamedFields(t *testing.T) {
	t.Parallel()
	core := fullCore()
	v1 := ToEventsV1(core)
	tests := []struct {
		name      string
		got, want any
	}{
		{name: "regarding", got: v1.Regarding, want: core.InvolvedObject},
		{name: "note", got: v1.Note, want: core.Message},
		{name: "reportingController", got: v1.ReportingController, want: core.ReportingController},
		{name: "deprecatedSource", got: v1.DeprecatedSource, want: core.Source},
		{name: "deprecatedFirstTimestamp", got: v1.DeprecatedFirstTimestamp, want: core.FirstTimestamp},
		{name: "deprecatedLastTimestamp", got: v1.DeprecatedLastTimestamp, want: core.LastTimestamp},
		{name: "deprecatedCount", got: v1.DeprecatedCount, want: core.Count},
		{name: "series count", got: v1.Series.Count, want: core.Series.Count},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !apiequality.Semantic.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestConversionDoesNotAlias(t *testing.T) {
	t.Parallel()
	core := fullCore()
	v1 := ToEventsV1(core)
	v1.Labels["a"] = "changed"
	v1.Series.Count = 100
	v1.Related.Name = "changed"
	if core.Labels["a"] != "b" || core.Series.Count != 4 || core.Related.Name != "node-1" {
		t.Errorf("ToEventsV1 shares memory with its input: %+v", core)
	}
	back := FromEventsV1(v1)
	back.Series.Count = 7
	if v1.Series.Count != 100 {
		t.Error("FromEventsV1 shares memory with its input")
	}
}
