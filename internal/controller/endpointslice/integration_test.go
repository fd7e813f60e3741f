package endpointslice_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/component"
	"github.com/evictd/evictd/internal/controller/endpoints"
	"github.com/evictd/evictd/internal/controller/endpointslice"
	"github.com/evictd/evictd/pkg/testserver"
)

// TestServiceFollowsAGracefulPodDeletion runs both controllers against a
// real API server: three Ready pods give three addresses and one slice; a
// graceful delete takes one out of the Endpoints at once and leaves it in
// the slice as terminating.
func TestServiceFollowsAGracefulPodDeletion(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	// Unthrottled, as the server's in-process controllers are; the test
	// polls through a client of its own.
	cfg := srv.RESTConfig()
	cfg.QPS = -1
	cc, err := component.NewContext(cfg, component.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		component.Run(ctx, cc, []component.Component{endpoints.Component(), endpointslice.Component()})
	}()
	t.Cleanup(func() { cancel(); <-done })

	client := kubernetes.NewForConfigOrDie(cfg)
	_, err = client.CoreV1().Nodes().Create(t.Context(), &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-1",
		Labels: map[string]string{corev1.LabelTopologyZone: "zone-a"}}}, metav1.CreateOptions{})
	mustNot(t, err)
	_, err = client.CoreV1().Services("default").Create(t.Context(), &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}}},
	}, metav1.CreateOptions{})
	mustNot(t, err)
	for i := range 3 {
		runReadyPod(t, client, fmt.Sprintf("web-%d", i), fmt.Sprintf("10.244.0.%d", i+10))
	}

	waitFor(t, "3 ready addresses", func() (bool, error) {
		ep, err := client.CoreV1().Endpoints("default").Get(t.Context(), "web", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		return len(ep.Subsets) == 1 && len(ep.Subsets[0].Addresses) == 3 && ep.Subsets[0].Ports[0].Port == 8080, nil
	})
	waitFor(t, "one slice of 3 ready endpoints", func() (bool, error) {
		s := sliceOf(t, client)
		return s != nil && len(s.Endpoints) == 3 && allReady(s), nil
	})

	if err := client.CoreV1().Pods("default").Delete(t.Context(), "web-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "web-1 gone from the Endpoints", func() (bool, error) {
		ep, err := client.CoreV1().Endpoints("default").Get(t.Context(), "web", metav1.GetOptions{})
		return err == nil && len(ep.Subsets) == 1 && len(ep.Subsets[0].Addresses) == 2 && len(ep.Subsets[0].NotReadyAddresses) == 0, nil
	})
	waitFor(t, "web-1 terminating in the slice", func() (bool, error) {
		s := sliceOf(t, client)
		if s == nil || len(s.Endpoints) != 3 {
			return false, nil
		}
		for _, ep := range s.Endpoints {
			if ep.TargetRef.Name == "web-1" {
				c := ep.Conditions
				return !*c.Ready && *c.Serving && *c.Terminating && *ep.Zone == "zone-a", nil
			}
		}
		return false, nil
	})
}

func mustNot(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// runReadyPod creates a pod bound to node-1 and reports it Running and
// Ready, as a kubelet would.
func runReadyPod(t *testing.T, client kubernetes.Interface, name, ip string) {
	t.Helper()
	pod, err := client.CoreV1().Pods("default").Create(t.Context(), &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: "node-1", Containers: []corev1.Container{{Name: "c", Image: "nginx",
			Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status.Phase = corev1.PodRunning
	pod.Status.PodIP, pod.Status.PodIPs = ip, []corev1.PodIP{{IP: ip}}
	pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}
	if _, err := client.CoreV1().Pods("default").UpdateStatus(t.Context(), pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func sliceOf(t *testing.T, client kubernetes.Interface) *discoveryv1.EndpointSlice {
	list, err := client.DiscoveryV1().EndpointSlices("default").List(t.Context(), metav1.ListOptions{
		LabelSelector: discoveryv1.LabelServiceName + "=web"})
	if err != nil || len(list.Items) != 1 {
		return nil
	}
	return &list.Items[0]
}

func allReady(s *discoveryv1.EndpointSlice) bool {
	for _, ep := range s.Endpoints {
		if ep.Conditions.Ready == nil || !*ep.Conditions.Ready {
			return false
		}
	}
	return true
}

// waitFor polls the API (informers deliver asynchronously) for at most 10 s.
func waitFor(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) { return cond() })
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}
