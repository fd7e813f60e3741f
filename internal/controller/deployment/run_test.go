package deployment_test

import (
	"context"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/controller/deployment"
	"github.com/evictd/evictd/internal/controller/replicaset"
	"github.com/evictd/evictd/pkg/testserver"
)

// TestComponentRollsOutAgainstTheAPIServer runs the Deployment and
// ReplicaSet components against a real evictd API server, with the test
// playing the kubelet (pods become Ready through pods/status, terminating
// pods are removed): create, rolling update without losing availability,
// then kubectl rollout undo, history and status.
func TestComponentRollsOutAgainstTheAPIServer(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	cc, err := component.NewContext(srv.RESTConfig(), component.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() { component.Run(ctx, cc, []component.Component{deployment.Component(), replicaset.Component()}) })
	k := &kubelet{client: cc.Client, minReady: 1 << 30}
	wg.Go(func() { k.run(ctx) })

	if _, err := cc.Client.AppsV1().Deployments("default").Create(ctx, webDeployment(), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRolledOut(t, cc.Client, "nginx:1")
	k.startCounting()

	patch := `{"spec":{"template":{"spec":{"containers":[{"name":"c","image":"nginx:2"}]}}}}`
	if _, err := cc.Client.AppsV1().Deployments("default").Patch(ctx, "web", "application/strategic-merge-patch+json", []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRolledOut(t, cc.Client, "nginx:2")
	if got := k.lowestReady(); got < 2 {
		t.Errorf("ready pods fell to %d during the rolling update, want ≥ replicas−maxUnavailable = 2", got)
	}

	kubectlUndo(t, srv)
	waitRolledOut(t, cc.Client, "nginx:1")
	rss, err := cc.Client.AppsV1().ReplicaSets("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range rss.Items {
		if rs.Spec.Template.Spec.Containers[0].Image == "nginx:1" &&
			(rs.Annotations[deployment.RevisionAnnotation] != "3" || rs.Annotations[deployment.RevisionHistoryAnnotation] != "1") {
			t.Errorf("rolled-back ReplicaSet annotations %v, want revision 3 and history 1", rs.Annotations)
		}
	}
}

// kubectlUndo runs kubectl rollout undo, status and history, when kubectl
// is installed.
func kubectlUndo(t *testing.T, srv *testserver.Server) {
	t.Helper()
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Skip("kubectl not on PATH: skipping the rollout undo/status part")
	}
	kubeconfig, err := srv.WriteKubeconfig(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	kubectl := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), "kubectl", append([]string{"--kubeconfig", kubeconfig, "-n", "default"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := kubectl("rollout", "undo", "deployment/web"); !strings.Contains(out, "rolled back") {
		t.Errorf("rollout undo said %q", out)
	}
	if out := kubectl("rollout", "status", "deployment/web", "--timeout=60s"); !strings.Contains(out, "successfully rolled out") {
		t.Errorf("rollout status said %q", out)
	}
	out := kubectl("rollout", "history", "deployment/web")
	if !strings.Contains(out, "2 ") || !strings.Contains(out, "3 ") || strings.Contains(out, "\n1 ") {
		t.Errorf("rollout history = %q, want revisions 2 and 3", out)
	}
}

// waitRolledOut waits until the Deployment runs image on 3 available,
// updated replicas in its observed generation.
func waitRolledOut(t *testing.T, client kubernetes.Interface, image string) {
	t.Helper()
	start := time.Now()
	defer func() { t.Logf("%s rolled out in %v", image, time.Since(start)) }()
	var last *appsv1.Deployment
	err := wait.PollUntilContextTimeout(t.Context(), 50*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		d, err := client.AppsV1().Deployments("default").Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = d
		s := d.Status
		return d.Spec.Template.Spec.Containers[0].Image == image && s.ObservedGeneration == d.Generation &&
			s.UpdatedReplicas == 3 && s.Replicas == 3 && s.AvailableReplicas == 3, nil
	})
	if err != nil {
		t.Fatalf("waiting for %s to roll out: %v; last status %+v", image, err, last.Status)
	}
}

// kubelet plays the node agent: it marks new pods Running and Ready and
// removes terminating ones; once counting, it records the lowest number
// of Ready, non-terminating pods it saw.
type kubelet struct {
	client kubernetes.Interface

	mu       sync.Mutex
	counting bool
	minReady int
}

func (k *kubelet) startCounting() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.counting = true
}

func (k *kubelet) lowestReady() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.minReady
}

func (k *kubelet) run(ctx context.Context) {
	_ = wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		pods, err := k.client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		ready := 0
		for i := range pods.Items {
			if k.tend(ctx, &pods.Items[i]) {
				ready++
			}
		}
		k.mu.Lock()
		if k.counting {
			k.minReady = min(k.minReady, ready)
		}
		k.mu.Unlock()
		return false, nil
	})
}

// tend moves one pod along and reports whether it counted as Ready.
func (k *kubelet) tend(ctx context.Context, pod *corev1.Pod) bool {
	if pod.DeletionTimestamp != nil {
		err := k.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
		_ = apierrors.IsNotFound(err)
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	now := metav1.Now()
	pod.Status.Phase = corev1.PodRunning
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}}
	_, _ = k.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	return false
}

// webDeployment is 3 replicas of nginx:1 rolled with maxSurge 1 and
// maxUnavailable 1 (two pods replaced per round keeps the test short).
func webDeployment() *appsv1.Deployment {
	labels := map[string]string{"app": "web"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1"}}},
			},
			Strategy: appsv1.DeploymentStrategy{
				Type: appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{
					MaxSurge: ptr.To(intstr.FromInt32(1)), MaxUnavailable: ptr.To(intstr.FromInt32(1)),
				},
			},
		},
	}
}
