package e2e

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestCreate: create -f of a pod, a configmap and a service; the server
// defaults and allocates, and a second create is AlreadyExists.
func TestCreate(t *testing.T) {
	withEachKubectl(t, func(t *testing.T, e *env) {
		out := e.run(t, "create", "-f", "testdata/pod.yaml", "-f", "testdata/configmap.yaml", "-f", "testdata/service.yaml").stdout
		wantLine(t, out, `^pod/web created$`)
		wantLine(t, out, `^configmap/settings created$`)
		wantLine(t, out, `^service/web created$`)

		pod := e.pod(t, "web")
		if got := pod.Spec.Containers[0].Image; got != "nginx:1.25" {
			t.Errorf("pod image %q, want nginx:1.25", got)
		}
		if pod.Status.Phase != corev1.PodPending || pod.Spec.RestartPolicy != corev1.RestartPolicyAlways || pod.UID == "" {
			t.Errorf("pod not defaulted like kube-apiserver does: phase %q, restartPolicy %q, uid %q", pod.Status.Phase, pod.Spec.RestartPolicy, pod.UID)
		}
		cm, err := e.client.CoreV1().ConfigMaps("default").Get(t.Context(), "settings", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cm.Data["mode"] != "blue" {
			t.Errorf("configmap data %v, want mode=blue", cm.Data)
		}
		svc, err := e.client.CoreV1().Services("default").Get(t.Context(), "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if svc.Spec.Type != corev1.ServiceTypeClusterIP || svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == corev1.ClusterIPNone {
			t.Errorf("service type %q clusterIP %q, want an allocated ClusterIP", svc.Spec.Type, svc.Spec.ClusterIP)
		}
		if p := svc.Spec.Ports; len(p) != 1 || p[0].Port != 80 || p[0].TargetPort != intstr.FromInt32(8080) || p[0].Protocol != corev1.ProtocolTCP {
			t.Errorf("service ports %+v, want 80->8080/TCP", p)
		}

		r := e.runExit(t, 1, "create", "-f", "testdata/configmap.yaml")
		wantLine(t, r.stderr, `Error from server \(AlreadyExists\).*configmaps "settings" already exists`)
	})
}

// TestDelete: an unscheduled pod is removed at once; deleting what is
// gone is NotFound.
func TestDelete(t *testing.T) {
	withEachKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "-f", "testdata/pod.yaml", "-f", "testdata/configmap.yaml")

		wantLine(t, e.run(t, "delete", "pod", "web").stdout, `^pod "web" deleted`)
		e.wantPodGone(t, "web")
		wantLine(t, e.run(t, "delete", "-f", "testdata/configmap.yaml").stdout, `^configmap "settings" deleted`)
		if _, err := e.client.CoreV1().ConfigMaps("default").Get(t.Context(), "settings", metav1.GetOptions{}); err == nil {
			t.Error("configmap settings still exists after delete")
		}

		wantLine(t, e.runExit(t, 1, "get", "pod", "web").stderr, `Error from server \(NotFound\): pods "web" not found`)
		wantLine(t, e.runExit(t, 1, "delete", "pod", "web").stderr, `Error from server \(NotFound\): pods "web" not found`)
	})
}

// TestGracefulDelete: a pod bound to a node waits for its kubelet, so it
// stays Terminating with a deletionTimestamp; --grace-period=0 --force
// removes it.
func TestGracefulDelete(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "-f", "testdata/pod-scheduled.yaml")

		before := time.Now()
		wantLine(t, e.run(t, "delete", "pod", "db", "--grace-period=30", "--wait=false").stdout, `^pod "db" deleted`)
		pod := e.pod(t, "db")
		if pod.DeletionTimestamp == nil || pod.DeletionGracePeriodSeconds == nil || *pod.DeletionGracePeriodSeconds != 30 {
			t.Fatalf("deletionTimestamp %v, deletionGracePeriodSeconds %v; want set, 30", pod.DeletionTimestamp, pod.DeletionGracePeriodSeconds)
		}
		// Like kube-apiserver: deletionTimestamp is when the grace period ends.
		if d := pod.DeletionTimestamp.Sub(before); d < 25*time.Second || d > 35*time.Second {
			t.Errorf("deletionTimestamp %v is %v after the delete, want about 30s", pod.DeletionTimestamp, d)
		}
		row := parseTable(t, e.run(t, "get", "pods").stdout).row(t, "db")
		if row["STATUS"] != "Terminating" {
			t.Errorf("get pods shows db %v, want STATUS Terminating", row)
		}

		r := e.run(t, "delete", "pod", "db", "--grace-period=0", "--force")
		wantLine(t, r.stdout, `^pod "db" force deleted`)
		wantLine(t, r.stderr, `Immediate deletion does not wait`)
		e.wantPodGone(t, "db")
	})
}

// TestReplace: replace -f puts a whole object; a stale resourceVersion
// is a Conflict.
func TestReplace(t *testing.T) {
	withKubectl(t, func(t *testing.T, e *env) {
		e.run(t, "create", "-f", "testdata/configmap.yaml", "-f", "testdata/pod.yaml")

		wantLine(t, e.run(t, "replace", "-f", "testdata/configmap-replaced.yaml").stdout, `^configmap/settings replaced$`)
		cm, err := e.client.CoreV1().ConfigMaps("default").Get(t.Context(), "settings", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cm.Data["mode"] != "green" || cm.Labels["replaced"] != "yes" {
			t.Errorf("configmap %v %v after replace, want mode=green and label replaced=yes", cm.Data, cm.Labels)
		}

		// The usual round trip: get -o yaml, change, replace; the
		// resourceVersion in the file makes the update conditional.
		current := e.run(t, "get", "pod", "web", "-o", "yaml").stdout
		stale := writeTemp(t, "pod.yaml", current)
		changed := rewrite(t, stale, "image: nginx:1.25", "image: nginx:1.26")
		wantLine(t, e.run(t, "replace", "-f", changed).stdout, `^pod/web replaced$`)
		if got := e.pod(t, "web").Spec.Containers[0].Image; got != "nginx:1.26" {
			t.Errorf("image %q after replace, want nginx:1.26", got)
		}
		r := e.runExit(t, 1, "replace", "-f", stale)
		wantLine(t, r.stderr, `Error from server \(Conflict\).*the object has been modified`)
	})
}
