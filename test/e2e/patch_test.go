package e2e

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestPatch: the three patch types kubectl patch sends, on the object and
// on its status subresource.
func TestPatch(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "-f", "testdata/pod.yaml", "-f", "testdata/node.yaml")

		t.Run("json", func(t *testing.T) {
			r := e.run(t, "patch", "pod", "web", "--type=json", "-p", `[{"op":"replace","path":"/spec/containers/0/image","value":"nginx:1.26"},{"op":"add","path":"/metadata/labels/tier","value":"front"}]`)
			wantLine(t, r.stdout, `^pod/web patched$`)
			pod := e.pod(t, "web")
			if pod.Spec.Containers[0].Image != "nginx:1.26" || pod.Labels["tier"] != "front" {
				t.Errorf("after the JSON patch: image %q labels %v", pod.Spec.Containers[0].Image, pod.Labels)
			}
		})
		t.Run("json test fails", func(t *testing.T) {
			// kube-apiserver answers a patch that does not apply with a
			// bare 422 Invalid, which kubectl prints so.
			r := e.runExit(t, 1, "patch", "pod", "web", "--type=json", "-p", `[{"op":"test","path":"/metadata/labels/tier","value":"back"}]`)
			wantLine(t, r.stderr, `^The request is invalid: the server rejected our request due to an error in our request$`)
			if got := e.pod(t, "web").Labels["tier"]; got != "front" {
				t.Errorf("a failed JSON patch changed label tier to %q", got)
			}
		})
		t.Run("merge", func(t *testing.T) {
			wantLine(t, e.run(t, "patch", "pod", "web", "--type=merge", "-p", `{"metadata":{"labels":{"tier":null,"team":"a"}}}`).stdout, `^pod/web patched$`)
			pod := e.pod(t, "web")
			if _, ok := pod.Labels["tier"]; ok || pod.Labels["team"] != "a" || pod.Labels["app"] != "web" {
				t.Errorf("labels %v after the merge patch, want tier removed, team=a, app kept", pod.Labels)
			}
		})
		t.Run("strategic", func(t *testing.T) {
			// Containers merge by name: only the image changes, the
			// defaulted fields of the container stay.
			wantLine(t, e.run(t, "patch", "pod", "web", "--type=strategic", "-p", `{"spec":{"containers":[{"name":"c","image":"nginx:1.27"}]}}`).stdout, `^pod/web patched$`)
			c := e.pod(t, "web").Spec.Containers
			if len(c) != 1 || c[0].Image != "nginx:1.27" || c[0].TerminationMessagePath == "" {
				t.Errorf("containers %+v after the strategic patch, want c with image nginx:1.27 and its defaults", c)
			}
		})
		t.Run("status", func(t *testing.T) {
			r := e.run(t, "patch", "pod", "web", "--subresource=status", "--type=merge", "-p", `{"status":{"phase":"Running","podIP":"10.0.0.9"}}`)
			wantLine(t, r.stdout, `^pod/web patched$`)
			if s := e.pod(t, "web").Status; s.Phase != corev1.PodRunning || s.PodIP != "10.0.0.9" {
				t.Errorf("status %s %s, want Running 10.0.0.9", s.Phase, s.PodIP)
			}
			wantCells(t, parseTable(t, e.run(t, "get", "pods").stdout).row(t, "web"), map[string]string{"STATUS": "Running"})
		})
		t.Run("status ignored on the object", func(t *testing.T) {
			// As in kube-apiserver, writes to the pod itself keep its status.
			wantLine(t, e.run(t, "patch", "pod", "web", "--type=merge", "-p", `{"status":{"phase":"Succeeded"}}`).stdout, `^pod/web patched \(no change\)$`)
			if got := e.pod(t, "web").Status.Phase; got != corev1.PodRunning {
				t.Errorf("phase %s, want Running", got)
			}
		})
		t.Run("node condition", func(t *testing.T) {
			r := e.run(t, "patch", "node", "n1", "--subresource=status", "--type=strategic", "-p",
				`{"status":{"conditions":[{"type":"Ready","status":"False","reason":"KubeletNotReady","message":"rehearsal"}]}}`)
			wantLine(t, r.stdout, `^node/n1 patched$`)
			conds := e.node(t, "n1").Status.Conditions
			if len(conds) != 1 || conds[0].Status != corev1.ConditionFalse || conds[0].Reason != "KubeletNotReady" || conds[0].LastHeartbeatTime.IsZero() {
				t.Errorf("conditions %+v, want Ready merged by type to False, keeping its times", conds)
			}
			wantCells(t, parseTable(t, e.run(t, "get", "nodes").stdout).row(t, "n1"), map[string]string{"STATUS": "NotReady"})
		})
	})
}

// TestLabel: label sends merge patches; an existing key needs --overwrite.
func TestLabel(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "-f", "testdata/pod.yaml")
		wantLine(t, e.run(t, "label", "pod", "web", "tier=front").stdout, `^pod/web labeled$`)
		wantLine(t, e.runExit(t, 1, "label", "pod", "web", "tier=back").stderr, `already has a value \(front\)`)
		wantLine(t, e.run(t, "label", "pod", "web", "tier=back", "--overwrite").stdout, `^pod/web labeled$`)
		if got := e.pod(t, "web").Labels; got["tier"] != "back" || got["app"] != "web" {
			t.Errorf("labels %v, want tier=back and app=web", got)
		}
		wantLine(t, e.run(t, "label", "pod", "web", "tier-").stdout, `^pod/web unlabeled$`)
		if _, ok := e.pod(t, "web").Labels["tier"]; ok {
			t.Error("label tier still set after tier-")
		}
		wantLine(t, e.run(t, "get", "pods", "--show-labels").stdout, `^web\s.*\sapp=web$`)
	})
}

// TestAnnotate: annotate works like label, on annotations.
func TestAnnotate(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "-f", "testdata/pod.yaml")
		wantLine(t, e.run(t, "annotate", "pod", "web", "note=hello world").stdout, `^pod/web annotated$`)
		wantLine(t, e.runExit(t, 1, "annotate", "pod", "web", "note=bye").stderr, `already has a value \(hello world\)`)
		wantLine(t, e.run(t, "annotate", "pod", "web", "note=bye", "--overwrite").stdout, `^pod/web annotated$`)
		if got := e.pod(t, "web").Annotations["note"]; got != "bye" {
			t.Errorf("annotation note %q, want bye", got)
		}
		e.run(t, "annotate", "pod", "web", "note-")
		if _, ok := e.pod(t, "web").Annotations["note"]; ok {
			t.Error("annotation note still set after note-")
		}
	})
}
