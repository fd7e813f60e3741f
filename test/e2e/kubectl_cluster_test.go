package e2e

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestClusterRolloutStatus: on a whole simulated cluster, `kubectl rollout
// status` of a Deployment, a StatefulSet and a DaemonSet finishes on its
// own after `kubectl set image`, reporting each kind's success line, and
// every pod then runs the new image.
func TestClusterRolloutStatus(t *testing.T) {
	t.Parallel()
	withCluster(t, defaultKubectl, func(t *testing.T, e *env) {
		e.dumpOnFailure(t)
		e.rollingDeployment(t, "default", "web", 2, 1)
		e.createStatefulSet(t, "db", 2)
		e.createDaemonSet(t, "default", "agent")
		rollouts := []struct {
			resource, app, done string
		}{
			{resource: "deployment/web", app: "web", done: `^deployment "web" successfully rolled out$`},
			// The API defaults a StatefulSet's partition to 0, so kubectl
			// reports every rolling update as a partitioned one, as on
			// any real cluster.
			{resource: "statefulset/db", app: "db", done: `^partitioned roll out complete: 2 new pods have been updated\.\.\.$`},
			{resource: "daemonset/agent", app: "agent", done: `^daemon set "agent" successfully rolled out$`},
		}
		for _, r := range rollouts {
			e.run(t, "rollout", "status", r.resource, "--timeout=60s")
		}
		for _, r := range rollouts {
			e.run(t, "set", "image", r.resource, "app=nginx:1.29")
		}
		for _, r := range rollouts {
			res := e.run(t, "rollout", "status", r.resource, "--timeout=60s")
			wantLine(t, res.stdout, r.done)
			for _, p := range e.listPods(t, "app="+r.app) {
				if img := p.Spec.Containers[0].Image; img != "nginx:1.29" {
					t.Errorf("%s: pod %s runs %s after the rollout", r.resource, p.Name, img)
				}
			}
		}
	})
}

// TestClusterDeleteNamespace: `kubectl delete ns` of a namespace holding a
// Deployment with Ready pods returns on its own, within kubectl's default
// wait: the namespace controller deletes the workloads, the kubelets end
// the pods, and the namespace is finalized.
func TestClusterDeleteNamespace(t *testing.T) {
	t.Parallel()
	withCluster(t, defaultKubectl, func(t *testing.T, e *env) {
		e.dumpOnFailure(t)
		e.run(t, "create", "namespace", "shop")
		e.rollingDeployment(t, "shop", "web", 2, 1)
		e.run(t, "-n", "shop", "rollout", "status", "deployment/web", "--timeout=60s")

		start := time.Now()
		res := e.run(t, "delete", "namespace", "shop")
		wantLine(t, res.stdout, `^namespace "shop" deleted`)
		if took := time.Since(start); took > 30*time.Second {
			t.Errorf("kubectl delete namespace took %v", took)
		}
		if _, err := e.client.CoreV1().Namespaces().Get(t.Context(), "shop", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			t.Errorf("namespace shop after the delete: %v, want NotFound", err)
		}
		pods, err := e.client.CoreV1().Pods("shop").List(t.Context(), metav1.ListOptions{})
		if err != nil || len(pods.Items) != 0 {
			t.Errorf("pods left in shop: %v, %v", names(pods.Items), err)
		}
	})
}

// logLine matches one simulated log line: its RFC 3339 time, then text.
const logLine = `^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z `

// TestClusterLogs: `kubectl logs` shows the lines the simulated kubelet
// logs for a container; `-f` streams them and keeps running until it is
// stopped, or ends by itself when the container exits (deleted: SIGTERM,
// exit 143; crashed: exit 1); `--previous` shows the instance before a
// crash (sim.evictd.io/crash-after) and is refused for one that never
// restarted.
func TestClusterLogs(t *testing.T) {
	t.Parallel()
	withCluster(t, defaultKubectl, func(t *testing.T, e *env) {
		e.dumpOnFailure(t)
		e.barePod(t, "quiet", nil)
		e.barePod(t, "crasher", map[string]string{"sim.evictd.io/crash-after": "2s"})
		e.eventually(t, "quiet Ready", func() bool { return podReady(e.pod(t, "quiet")) })

		res := e.run(t, "logs", "quiet")
		wantLine(t, res.stdout, logLine+`started$`)
		wantLine(t, res.stdout, logLine+`ready$`)

		follow := e.start(t, "logs", "-f", "quiet")
		follow.expectStdout(t, logLine+`started$`)
		follow.expectStdout(t, logLine+`ready$`)
		follow.stop(t)
		res = e.runExit(t, 1, "logs", "quiet", "--previous")
		wantLine(t, res.stderr, `previous terminated container "app" in pod "quiet" not found$`)

		// Following a pod that is deleted shows its end, then returns.
		follow = e.start(t, "logs", "-f", "quiet")
		follow.expectStdout(t, logLine+`ready$`)
		e.run(t, "delete", "pod", "quiet", "--wait=false")
		follow.expectStdout(t, logLine+`SIGTERM received$`)
		follow.expectStdout(t, logLine+`exited with code 143$`)
		follow.wait(t, 0)

		// Following the crasher ends when its container exits.
		crash := e.start(t, "logs", "-f", "crasher")
		crash.expectStdout(t, logLine+`started$`)
		crash.expectStdout(t, logLine+`exited with code 1$`)
		crash.wait(t, 0)

		e.eventually(t, "crasher restarted", func() bool {
			cs := e.pod(t, "crasher").Status.ContainerStatuses
			return len(cs) == 1 && cs[0].RestartCount >= 1
		})
		res = e.run(t, "logs", "crasher", "--previous")
		wantLine(t, res.stdout, logLine+`started$`)
		wantLine(t, res.stdout, logLine+`exited with code 1$`)
	})
}

// barePod creates pod default/name, scheduled by the cluster.
func (e *env) barePod(t *testing.T, name string, annotations map[string]string) {
	t.Helper()
	tmpl := podTemplate(map[string]string{"app": name}, annotations)
	tmpl.Name = name
	if _, err := e.client.CoreV1().Pods("default").Create(t.Context(), &corev1.Pod{
		ObjectMeta: tmpl.ObjectMeta, Spec: tmpl.Spec,
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod %s: %v", name, err)
	}
}
