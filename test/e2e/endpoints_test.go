package e2e

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestKubectlAuth: `kubectl auth whoami`, `auth can-i` and `can-i --list`
// answer from evictd's one identity, which may do everything, where they
// used to fail with a bare 404.
func TestKubectlAuth(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		res := e.run(t, "auth", "whoami")
		wantLine(t, res.stdout, `^Username\s+evictd-admin$`)
		wantLine(t, res.stdout, `^Groups\s+\[system:masters system:authenticated\]$`)

		for _, args := range [][]string{
			{"create", "pods"},
			{"delete", "nodes"},
			{"create", "pods/eviction", "-n", "kube-system"},
			{"update", "deployments.apps/scale"},
			{"get", "/metrics"},
		} {
			res = e.run(t, append([]string{"auth", "can-i"}, args...)...)
			wantLine(t, res.stdout, `^yes$`)
		}
		res = e.run(t, "auth", "can-i", "--list")
		wantLine(t, res.stdout, `^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$`)
		wantLine(t, res.stdout, `^\s+\[\*\]\s+\[\]\s+\[\*\]$`)
	})
}

// TestKubectlRawMetrics: `kubectl get --raw /metrics` prints the
// Prometheus text format with kube-apiserver's metric names.
func TestKubectlRawMetrics(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "get", "namespaces")
		res := e.run(t, "get", "--raw", "/metrics")
		wantLine(t, res.stdout, `^# TYPE apiserver_request_total counter$`)
		wantLine(t, res.stdout, `^apiserver_request_total\{code="200",component="apiserver",dry_run="",group="",resource="namespaces",scope="cluster",subresource="",verb="LIST",version="v1"\} 1$`)
		wantLine(t, res.stdout, `^# TYPE apiserver_request_duration_seconds histogram$`)
		wantLine(t, res.stdout, `^apiserver_storage_objects\{resource="namespaces"\} 4$`)
		wantLine(t, res.stdout, `^apiserver_current_inflight_requests\{request_kind="readOnly"\} 1$`)
		wantLine(t, res.stdout, `^go_goroutines \d+$`)
	})
}

// TestKubectlExecIsUnsupported: kubectl exec, attach and port-forward
// print the Status that says evictd does not support them (after their
// WebSocket attempt falls back to SPDY), and exit 1.
func TestKubectlExecIsUnsupported(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
			Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
		}
		pod, err := e.client.CoreV1().Pods("default").Create(t.Context(), pod, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Play the kubelet: port-forward wants a Running pod.
		pod.Status.Phase = corev1.PodRunning
		if _, err := e.client.CoreV1().Pods("default").UpdateStatus(t.Context(), pod, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		res := e.runExit(t, 1, "exec", "web", "--", "ls")
		wantLine(t, res.stderr, `^Error from server \(NotImplemented\): pods/exec is not supported by evictd: simulated containers run no process to exec into$`)
		res = e.runExit(t, 1, "attach", "web")
		wantLine(t, res.stderr, `^Error from server \(NotImplemented\): pods/attach is not supported by evictd`)
		res = e.runExit(t, 1, "port-forward", "web", "0:80")
		wantLine(t, res.stderr, `pods/portforward is not supported by evictd: simulated pods listen on no port$`)
		res = e.runExit(t, 1, "get", "--raw", "/api/v1/namespaces/default/pods/web/proxy/")
		wantLine(t, res.stderr, `^Error from server \(NotImplemented\): pods/proxy is not supported by evictd`)
	})
}
