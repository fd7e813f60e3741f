package e2e

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// TestGetTable: kubectl get prints the server-side Tables with the
// columns of kube-apiserver's printers.
func TestGetTable(t *testing.T) {
	withEachKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "-f", "testdata/pod.yaml", "-f", "testdata/node.yaml")

		pods := parseTable(t, e.run(t, "get", "pods").stdout)
		pods.wantColumns(t, "NAME", "READY", "STATUS", "RESTARTS", "AGE")
		wantCells(t, pods.row(t, "web"), map[string]string{"READY": "0/1", "STATUS": "Pending", "RESTARTS": "0"})

		nodes := parseTable(t, e.run(t, "get", "nodes").stdout)
		nodes.wantColumns(t, "NAME", "STATUS", "ROLES", "AGE", "VERSION")
		wantCells(t, nodes.row(t, "n1"), map[string]string{"STATUS": "Ready", "ROLES": "control-plane", "VERSION": "v1.33.0"})

		all := parseTable(t, e.run(t, "get", "pods", "--all-namespaces").stdout)
		all.wantColumns(t, "NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE")
		wantCells(t, all.rowWhere(t, "NAME", "web"), map[string]string{"NAMESPACE": "default"})
	})
}

// TestGetOutput: -o wide, yaml, json and name of a scheduled, running pod.
func TestGetOutput(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "-f", "testdata/pod-scheduled.yaml")
		// What a kubelet would report.
		pod := e.pod(t, "db")
		pod.Status.Phase = corev1.PodRunning
		pod.Status.PodIP = "10.244.0.7"
		pod.Status.ContainerStatuses = []corev1.ContainerStatus{{
			Name: "c", Image: "postgres:16", Ready: true, RestartCount: 2,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}},
		}}
		if _, err := e.client.CoreV1().Pods("default").UpdateStatus(t.Context(), pod, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}

		t.Run("wide", func(t *testing.T) {
			tb := parseTable(t, e.run(t, "get", "pods", "-o", "wide").stdout)
			tb.wantColumns(t, "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES")
			wantCells(t, tb.row(t, "db"), map[string]string{
				"READY": "1/1", "STATUS": "Running", "RESTARTS": "2",
				"IP": "10.244.0.7", "NODE": "n1", "NOMINATED NODE": "<none>", "READINESS GATES": "<none>",
			})
		})
		t.Run("yaml", func(t *testing.T) {
			r := e.run(t, "get", "pod", "db", "-o", "yaml")
			var got corev1.Pod
			if err := yaml.UnmarshalStrict([]byte(r.stdout), &got); err != nil {
				t.Fatalf("decode: %v\n%s", err, r)
			}
			if got.Kind != "Pod" || got.APIVersion != "v1" || got.Name != "db" || got.Spec.NodeName != "n1" || got.Status.PodIP != "10.244.0.7" {
				t.Errorf("get -o yaml gave %s %s %s node %q ip %q", got.APIVersion, got.Kind, got.Name, got.Spec.NodeName, got.Status.PodIP)
			}
		})
		t.Run("json", func(t *testing.T) {
			var list corev1.PodList
			e.getJSON(t, &list, "pods")
			if len(list.Items) != 1 || list.Items[0].Name != "db" || list.Items[0].Status.Phase != corev1.PodRunning {
				t.Errorf("get pods -o json gave %+v, want the running pod db", list.Items)
			}
		})
		t.Run("name", func(t *testing.T) {
			if got := e.run(t, "get", "pods", "-o", "name").stdout; got != "pod/db\n" {
				t.Errorf("get pods -o name printed %q, want pod/db", got)
			}
		})
	})
}

// TestSelectors: label selectors in all their forms and the pod field
// selectors kubectl and drain use, evaluated by the server.
func TestSelectors(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "-f", "testdata/pod.yaml", "-f", "testdata/pod-scheduled.yaml")
		e.run(t, "run", "job", "--image=busybox", "--labels=app=job,tier=batch", "--restart=Never")
		e.run(t, "patch", "pod", "job", "--subresource=status", "--type=merge", "-p", `{"status":{"phase":"Failed"}}`)

		for _, tc := range []struct {
			name string
			args []string
			want []string
		}{
			{"label equals", []string{"-l", "app=web"}, []string{"web"}},
			{"label not equals", []string{"-l", "app!=web"}, []string{"db", "job"}},
			{"label in", []string{"-l", "app in (web,db)"}, []string{"db", "web"}},
			{"label exists", []string{"-l", "tier"}, []string{"job"}},
			{"label absent", []string{"-l", "!tier"}, []string{"db", "web"}},
			{"phase not failed", []string{"--field-selector", "status.phase!=Failed"}, []string{"db", "web"}},
			{"on node", []string{"--field-selector", "spec.nodeName=n1"}, []string{"db"}},
			{"unscheduled", []string{"--field-selector", "spec.nodeName="}, []string{"job", "web"}},
			{"by name", []string{"--field-selector", "metadata.name=web"}, []string{"web"}},
			{"both", []string{"-l", "app!=web", "--field-selector", "status.phase!=Failed,spec.nodeName=n1"}, []string{"db"}},
			{"none", []string{"-l", "app=none"}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.run(t, append([]string{"get", "pods", "-o", "name"}, tc.args...)...)
				var got []string
				for name := range strings.FieldsSeq(r.stdout) {
					got = append(got, strings.TrimPrefix(name, "pod/"))
				}
				slices.Sort(got)
				if !slices.Equal(got, tc.want) {
					t.Errorf("get pods %q: %q, want %q\n%s", tc.args, got, tc.want, r)
				}
			})
		}
		t.Run("unknown field", func(t *testing.T) {
			r := e.runExit(t, 1, "get", "pods", "--field-selector", "spec.image=nginx")
			wantLine(t, r.stderr, `Error from server \(BadRequest\).*spec\.image`)
		})
	})
}
