package event

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// legacy is an event as client-go's old recorder writes it.
func legacy() *corev1.Event {
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "web-1.17a", Namespace: "default"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "default", Name: "web-1", UID: "u1"},
		Reason:         "Scheduled",
		Message:        "Successfully assigned default/web-1 to node-1",
		Source:         corev1.EventSource{Component: "default-scheduler"},
		FirstTimestamp: metav1.NewTime(t0),
		LastTimestamp:  metav1.NewTime(t0),
		Count:          1,
		Type:           corev1.EventTypeNormal,
	}
}

// modern is an event as client-go's events.k8s.io recorder writes it.
func modern() *eventsv1.Event {
	return &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "node-1.17b", Namespace: "default"},
		EventTime:           metav1.NewMicroTime(t0),
		ReportingController: "kubernetes.io/node-controller",
		ReportingInstance:   "ctl-0",
		Action:              "Drain",
		Reason:              "NodeNotReady",
		Regarding:           corev1.ObjectReference{Kind: "Node", Name: "node-1"},
		Note:                "node is not ready",
		Type:                corev1.EventTypeWarning,
	}
}

func TestValidateCore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*corev1.Event)
		want string
	}{
		{name: "legacy event", edit: func(*corev1.Event) {}},
		{
			name: "namespace mismatch",
			edit: func(e *corev1.Event) { e.InvolvedObject.Namespace = "other" },
			want: `involvedObject.namespace: Invalid value: "other": does not match event.namespace`,
		},
		{name: "cluster object in default", edit: func(e *corev1.Event) { e.InvolvedObject = corev1.ObjectReference{Kind: "Node", Name: "n"} }},
		{
			name: "cluster object in other namespace",
			edit: func(e *corev1.Event) {
				e.Namespace = "x"
				e.InvolvedObject = corev1.ObjectReference{Kind: "Node", Name: "n"}
			},
			want: `involvedObject.namespace: Invalid value: "": does not match event.namespace`,
		},
		{
			name: "new-style event without action",
			edit: func(e *corev1.Event) {
				e.EventTime = metav1.NewMicroTime(t0)
				e.ReportingController, e.ReportingInstance = "kubelet", "node-1"
			},
			want: "action: Required value",
		},
		{
			name: "new-style event without reporter names the core field",
			edit: func(e *corev1.Event) {
				e.EventTime = metav1.NewMicroTime(t0)
				e.ReportingInstance, e.Action = "node-1", "Bind"
				e.ReportingController = "bad name!"
			},
			want: `reportingComponent: Invalid value: "bad name!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
		},
		{
			name: "new-style long note",
			edit: func(e *corev1.Event) {
				e.EventTime = metav1.NewMicroTime(t0)
				e.ReportingController, e.ReportingInstance, e.Action = "kubelet", "node-1", "Bind"
				e.Message = strings.Repeat("x", 1025)
			},
			want: `message: Invalid value: "": can have at most 1024 characters`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Resource().Strategy
			e := legacy()
			tt.edit(e)
			checkErrors(t, s.Validate(t.Context(), e), tt.want)
			// core/v1 updates apply the same rules and nothing is immutable.
			old := legacy()
			checkErrors(t, s.ValidateUpdate(t.Context(), e, old), tt.want)
		})
	}
}

func TestValidateEventsV1(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*eventsv1.Event)
		want string
	}{
		{name: "complete", edit: func(*eventsv1.Event) {}},
		{name: "no event time", edit: func(e *eventsv1.Event) { e.EventTime = metav1.MicroTime{} }, want: "eventTime: Required value"},
		{name: "bad type", edit: func(e *eventsv1.Event) { e.Type = "Info" }, want: `type: Invalid value: "": has invalid value: Info`},
		{name: "deprecated count", edit: func(e *eventsv1.Event) { e.DeprecatedCount = 2 }, want: `count: Invalid value: "": needs to be unset`},
		{name: "deprecated source", edit: func(e *eventsv1.Event) { e.DeprecatedSource.Host = "h" }, want: `source: Invalid value: "": needs to be unset`},
		{
			name: "short series",
			edit: func(e *eventsv1.Event) {
				e.Series = &eventsv1.EventSeries{Count: 1, LastObservedTime: metav1.NewMicroTime(t1)}
			},
			want: `series.count: Invalid value: "": should be at least 2`,
		},
		{name: "no action", edit: func(e *eventsv1.Event) { e.Action = "" }, want: "action: Required value"},
		{
			name: "unqualified reporting controller",
			edit: func(e *eventsv1.Event) { e.ReportingController = "a/b/c" },
			want: `reportingController: Invalid value: "a/b/c": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
		},
		{
			name: "long reporting instance",
			edit: func(e *eventsv1.Event) { e.ReportingInstance = strings.Repeat("i", 129) },
			want: `reportingInstance: Invalid value: "": can have at most 128 characters`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := EventsV1Resource().Strategy
			e := modern()
			tt.edit(e)
			checkErrors(t, s.Validate(t.Context(), e), tt.want)
			// The strategy also accepts the stored (core/v1) form.
			checkErrors(t, s.Validate(t.Context(), FromEventsV1(e)), tt.want)
		})
	}
}

func TestValidateEventsV1Update(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*eventsv1.Event)
		want string
	}{
		{name: "series grows", edit: func(e *eventsv1.Event) {
			e.Series = &eventsv1.EventSeries{Count: 2, LastObservedTime: metav1.NewMicroTime(t1)}
		}},
		{name: "labels change", edit: func(e *eventsv1.Event) { e.Labels = map[string]string{"a": "b"} }},
		{name: "note changes", edit: func(e *eventsv1.Event) { e.Note = "other" }, want: `message: Invalid value: "other": field is immutable`},
		{name: "bad series", edit: func(e *eventsv1.Event) { e.Series = &eventsv1.EventSeries{Count: 2} }, want: "series.lastObservedTime: Required value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := EventsV1Resource().Strategy
			old := modern()
			e := modern()
			tt.edit(e)
			checkErrors(t, s.ValidateUpdate(t.Context(), e, old), tt.want)
		})
	}
}

func TestResources(t *testing.T) {
	t.Parallel()
	core, v1 := Resource(), EventsV1Resource()
	if core.GroupVersion.String() != "v1" || v1.GroupVersion.String() != "events.k8s.io/v1" {
		t.Errorf("group versions %v %v", core.GroupVersion, v1.GroupVersion)
	}
	if v1.StorageResource == nil || *v1.StorageResource != core.GroupVersionResource() {
		t.Errorf("events.k8s.io storage = %v, want %v", v1.StorageResource, core.GroupVersionResource())
	}
	if !core.Strategy.AllowCreateOnUpdate() || !v1.Strategy.AllowCreateOnUpdate() {
		t.Error("events allow create on update")
	}
	if errs := core.ValidateName("Pod.ABC_1", false); len(errs) > 0 {
		t.Errorf("core event names are only path segments: %v", errs)
	}
	if errs := core.ValidateName("a/b", false); len(errs) == 0 {
		t.Error("a/b is not a valid name")
	}
}

func TestFields(t *testing.T) {
	t.Parallel()
	withController := legacy()
	withController.Source = corev1.EventSource{}
	withController.ReportingController = "kubelet"
	tests := []struct {
		name   string
		fields func(runtime.Object) fields.Set
		obj    runtime.Object
		want   map[string]string
	}{
		{
			name:   "core describe selectors",
			fields: Resource().SelectableFields,
			obj:    legacy(),
			want:   map[string]string{"involvedObject.name": "web-1", "involvedObject.namespace": "default", "involvedObject.uid": "u1", "involvedObject.kind": "Pod", "source": "default-scheduler", "type": "Normal", "reason": "Scheduled"},
		},
		{
			name:   "core source falls back to reporting controller",
			fields: Resource().SelectableFields,
			obj:    withController,
			want:   map[string]string{"source": "kubelet", "reportingComponent": "kubelet"},
		},
		{
			name:   "events.k8s.io names",
			fields: EventsV1Resource().SelectableFields,
			obj:    modern(),
			want:   map[string]string{"regarding.kind": "Node", "regarding.name": "node-1", "reportingController": "kubernetes.io/node-controller", "source": "kubernetes.io/node-controller", "type": "Warning"},
		},
		{
			name:   "events.k8s.io on the stored form",
			fields: EventsV1Resource().SelectableFields,
			obj:    legacy(),
			want:   map[string]string{"regarding.uid": "u1", "reason": "Scheduled"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.fields(tt.obj)
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
}

func TestFieldSetsOnEmptyObjects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		keys []string
		set  fields.Set
	}{
		{name: "core", keys: []string{"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"}, set: Resource().SelectableFields(Resource().New())},
		{name: "events.k8s.io", keys: []string{"regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath", "reportingController", "reason", "source", "type"}, set: EventsV1Resource().SelectableFields(EventsV1Resource().New())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if len(tt.set) != len(tt.keys) {
				t.Errorf("got %d fields, want %d: %v", len(tt.set), len(tt.keys), tt.set)
			}
			for _, k := range tt.keys {
				if _, ok := tt.set[k]; !ok {
					t.Errorf("field %s missing", k)
				}
			}
		})
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	now := t0.Add(10 * time.Minute)
	newStyle := FromEventsV1(modern())
	series := FromEventsV1(modern())
	series.Series = &corev1.EventSeries{Count: 5, LastObservedTime: metav1.NewMicroTime(now.Add(-30 * time.Second))}
	noName := legacy()
	noName.InvolvedObject = corev1.ObjectReference{Kind: "Namespace"}
	noName.Message = "  padded \n"
	tests := []struct {
		name  string
		event *corev1.Event
		cells []any
	}{
		{
			name:  "legacy",
			event: legacy(),
			cells: []any{"10m", "Normal", "Scheduled", "pod/web-1", "", "default-scheduler", "Successfully assigned default/web-1 to node-1", "10m", int64(1), "web-1.17a"},
		},
		{
			name:  "new style singleton",
			event: newStyle,
			cells: []any{"10m", "Warning", "NodeNotReady", "node/node-1", "", "kubernetes.io/node-controller, ctl-0", "node is not ready", "10m", int64(1), "node-1.17b"},
		},
		{
			name:  "new style series",
			event: series,
			cells: []any{"30s", "Warning", "NodeNotReady", "node/node-1", "", "kubernetes.io/node-controller, ctl-0", "node is not ready", "10m", int64(5), "node-1.17b"},
		},
		{
			name:  "object without name",
			event: noName,
			cells: []any{"10m", "Normal", "Scheduled", "namespace", "", "default-scheduler", "padded", "10m", int64(1), "web-1.17a"},
		},
		{
			name:  "no times",
			event: &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e"}, Count: 2},
			cells: []any{"<unknown>", "", "", "", "", "", "", "<unknown>", int64(2), "e"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rows := map[string][]any{
				"core":          Resource().Table.Row(tt.event, now),
				"events.k8s.io": EventsV1Resource().Table.Row(ToEventsV1(tt.event), now),
			}
			for name, cells := range rows {
				if len(cells) != len(Resource().Table.Columns) || !apiequality.Semantic.DeepEqual(cells, tt.cells) {
					t.Errorf("%s: cells = %q, want %q", name, cells, tt.cells)
				}
			}
		})
	}
}

func TestTableColumns(t *testing.T) {
	t.Parallel()
	var normal, wide []string
	for _, c := range Resource().Table.Columns {
		if c.Priority == 0 {
			normal = append(normal, c.Name)
		} else {
			wide = append(wide, c.Name)
		}
	}
	if got := strings.Join(normal, ","); got != "Last Seen,Type,Reason,Object,Message" {
		t.Errorf("columns = %s", got)
	}
	if got := strings.Join(wide, ","); got != "Subobject,Source,First Seen,Count,Name" {
		t.Errorf("wide columns = %s", got)
	}
}

// checkErrors compares an error list with one expected message ("" = none).
func checkErrors(t *testing.T, errs field.ErrorList, want string) {
	t.Helper()
	switch {
	case want == "" && len(errs) > 0:
		t.Errorf("unexpected errors: %v", errs)
	case want != "" && (len(errs) != 1 || errs[0].Error() != want):
		t.Errorf("errors = %v, want %q", errs, want)
	}
}
