package e2e

import (
	"testing"
)

// TestGetWatch: kubectl get -w lists, then prints a row per watch event
// (one-row Tables from the server) until it is stopped.
func TestGetWatch(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "-f", "testdata/pod-scheduled.yaml")

		t.Run("rows", func(t *testing.T) {
			w := e.start(t, "get", "pods", "-w")
			w.expectStdout(t, `^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$`)
			// The watch starts from the list's resourceVersion, so once the
			// listed row is out nothing done from here on can be missed.
			w.expectStdout(t, `^db\s+0/1\s+Pending\s+0\s`)
			e.run(t, "create", "-f", "testdata/pod.yaml")
			w.expectStdout(t, `^web\s+0/1\s+Pending\s+0\s`)
			e.run(t, "patch", "pod", "db", "--subresource=status", "--type=merge", "-p", `{"status":{"phase":"Running"}}`)
			w.expectStdout(t, `^db\s+0/1\s+Running\s+0\s`)
			e.run(t, "delete", "pod", "web")
			w.expectStdout(t, `^web\s+0/1\s+Terminating\s+0\s`)
			w.stop(t)
		})
		t.Run("events", func(t *testing.T) {
			w := e.start(t, "get", "pods", "-w", "--output-watch-events")
			w.expectStdout(t, `^EVENT\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$`)
			w.expectStdout(t, `^ADDED\s+db\s`)
			e.run(t, "create", "-f", "testdata/pod.yaml")
			w.expectStdout(t, `^ADDED\s+web\s+0/1\s+Pending\s`)
			e.run(t, "label", "pod", "web", "tier=front")
			w.expectStdout(t, `^MODIFIED\s+web\s`)
			e.run(t, "delete", "pod", "web")
			w.expectStdout(t, `^DELETED\s+web\s`)
			w.stop(t)
		})
	})
}

// TestWaitForDelete: kubectl wait --for=delete watches the pod and
// returns once it is gone.
func TestWaitForDelete(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "-f", "testdata/pod.yaml")

		// -v=6 logs each request once answered: the watch line shows that
		// wait found the pod and is watching it, so the delete below cannot
		// come too early.
		w := e.start(t, "wait", "--for=delete", "pod/web", "--timeout=30s", "-v=6")
		w.expectStderr(t, `/api/v1/namespaces/default/pods\?.*watch=true`)
		e.run(t, "delete", "pod", "web", "--wait=false")
		wantLine(t, w.wait(t, 0).stdout, `^pod/web condition met$`)
		e.wantPodGone(t, "web")
	})
}
