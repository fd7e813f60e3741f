package kubelet_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/kubelet"
	"github.com/evictd/evictd/pkg/testserver"
)

// startKubelets runs sim as a component against a fresh evictd until the
// test ends.
func startKubelets(t *testing.T, sim *kubelet.Simulator) kubernetes.Interface {
	t.Helper()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	cc, err := component.NewContext(srv.RESTConfig(), component.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() { component.Run(ctx, cc, []component.Component{sim.Component()}) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return cc.Client
}

// poll waits (real time, short) until cond holds.
func poll(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, 15*time.Second, true,
		func(context.Context) (bool, error) { return cond() })
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func TestKubeletAgainstTheAPIServer(t *testing.T) {
	t.Parallel()
	client := startKubelets(t, kubelet.New(kubelet.Options{Nodes: 2}))
	ctx := t.Context()
	poll(t, "node-1 Ready", func() (bool, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, "node-1", metav1.GetOptions{})
		return err == nil && n.Status.Conditions[len(n.Status.Conditions)-1].Status == corev1.ConditionTrue, nil
	})
	poll(t, "node-2 lease", func() (bool, error) {
		_, err := client.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, "node-2", metav1.GetOptions{})
		return err == nil, nil
	})

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Annotations: map[string]string{kubelet.AnnotationShutdownAfter: "500ms"}},
		Spec:       corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}
	if _, err := client.CoreV1().Pods(metav1.NamespaceDefault).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := client.CoreV1().Pods(metav1.NamespaceDefault)
	poll(t, "pod Running and Ready", func() (bool, error) {
		p, err := pods.Get(ctx, "web", metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning && podReady(p), err
	})

	logs, err := pods.GetLogs("web", &corev1.PodLogOptions{}).DoRaw(ctx)
	if apierrors.IsNotFound(err) {
		// testserver does not serve pods/log from a kubelet yet.
		t.Log("pods/log not served by testserver")
	} else if err != nil {
		t.Errorf("logs: %v, %s", err, logs)
	}
	if err := pods.Delete(ctx, "web", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](2)}); err != nil {
		t.Fatal(err)
	}
	poll(t, "pod gone", func() (bool, error) {
		_, err := pods.Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
