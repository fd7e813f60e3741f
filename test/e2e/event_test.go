package e2e

import (
	"testing"
)

// TestEvents: a core/v1 Event created with kubectl shows in the core and
// the events.k8s.io/v1 views of the same storage.
func TestEvents(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		wantLine(t, e.run(t, "create", "-f", "testdata/event.yaml").stdout, `^event/web.e2e created$`)

		for _, resource := range []string{"events", "events.v1.events.k8s.io"} {
			t.Run(resource, func(t *testing.T) {
				tb := parseTable(t, e.run(t, "get", resource).stdout)
				tb.wantColumns(t, "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE")
				wantCells(t, tb.rowWhere(t, "REASON", "Rehearsed"), map[string]string{
					"TYPE": "Normal", "OBJECT": "pod/web", "MESSAGE": "hello from the e2e test",
				})
			})
		}
		t.Run("events.k8s.io object", func(t *testing.T) {
			var ev struct {
				APIVersion string `json:"apiVersion"`
				Reason     string `json:"reason"`
				Note       string `json:"note"`
				Regarding  struct{ Kind, Name string }
			}
			e.getJSON(t, &ev, "events.v1.events.k8s.io", "web.e2e")
			if ev.APIVersion != "events.k8s.io/v1" || ev.Note != "hello from the e2e test" || ev.Regarding.Kind != "Pod" || ev.Regarding.Name != "web" {
				t.Errorf("events.k8s.io/v1 view %+v, want note and regarding converted from the core event", ev)
			}
		})
		t.Run("field selector", func(t *testing.T) {
			out := e.run(t, "get", "events", "--field-selector", "involvedObject.kind=Pod,involvedObject.name=web", "-o", "name").stdout
			wantLine(t, out, `^event/web.e2e$`)
			if out := e.run(t, "get", "events", "--field-selector", "involvedObject.name=other", "-o", "name").stdout; out != "" {
				t.Errorf("events of another object: %q, want none", out)
			}
		})
	})
}
