package kubernetesservice

import (
	"io"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
)

var apiserver = netip.MustParseAddr("192.0.2.2")

func newController(t *testing.T, client *fake.Clientset) (*Controller, informers.SharedInformerFactory) {
	t.Helper()
	factory := informers.NewSharedInformerFactory(client, 0)
	c, err := New(client, factory, apiserver, 6443, clocktesting.NewFakeClock(time.Unix(0, 0)),
		Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.queue.ShutDown)
	return c, factory
}

func TestSyncCreatesServiceEndpointsAndSlice(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset()
	c, _ := newController(t, client)
	if err := c.sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	svc, err := client.CoreV1().Services("default").Get(t.Context(), "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := svc.Spec.Ports[0]
	if svc.Spec.Selector != nil || svc.Spec.ClusterIP != DefaultServiceIP || svc.Spec.Type != corev1.ServiceTypeClusterIP ||
		p.Name != "https" || p.Port != 443 || p.TargetPort.IntVal != 6443 || p.Protocol != corev1.ProtocolTCP ||
		svc.Labels["component"] != "apiserver" || svc.Labels["provider"] != "kubernetes" {
		t.Errorf("service %+v", svc)
	}
	ep, err := client.CoreV1().Endpoints("default").Get(t.Context(), "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ep.Subsets[0].Addresses[0].IP != "192.0.2.2" || ep.Subsets[0].Ports[0].Port != 6443 || ep.Labels[discoveryv1.LabelSkipMirror] != "true" {
		t.Errorf("endpoints %+v", ep)
	}
	slice, err := client.DiscoveryV1().EndpointSlices("default").Get(t.Context(), "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if slice.Labels[discoveryv1.LabelServiceName] != "kubernetes" || len(slice.Labels) != 1 || slice.Endpoints[0].Addresses[0] != "192.0.2.2" ||
		!*slice.Endpoints[0].Conditions.Ready || *slice.Ports[0].Port != 6443 {
		t.Errorf("slice %+v", slice)
	}
}

func TestSyncRepairsEndpoints(t *testing.T) {
	t.Parallel()
	wrong := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default"},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.99"}}}}}
	client := fake.NewClientset(wrong)
	c, factory := newController(t, client)
	if err := factory.Core().V1().Endpoints().Informer().GetStore().Add(wrong); err != nil {
		t.Fatal(err)
	}
	if err := c.sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	ep, _ := client.CoreV1().Endpoints("default").Get(t.Context(), "kubernetes", metav1.GetOptions{})
	if ep.Subsets[0].Addresses[0].IP != "192.0.2.2" {
		t.Errorf("endpoints not repaired: %+v", ep.Subsets)
	}
}

// TestSyncWithoutEndpointSlices: a server without the discovery API
// answers 404; the Service and Endpoints are still kept.
func TestSyncWithoutEndpointSlices(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset()
	client.PrependReactor("*", "endpointslices", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewNotFound(schema.GroupResource{Group: "discovery.k8s.io", Resource: "endpointslices"}, "")
	})
	c, _ := newController(t, client)
	if err := c.sync(t.Context()); err != nil {
		t.Errorf("sync = %v, want the missing API tolerated", err)
	}
	if _, err := client.CoreV1().Endpoints("default").Get(t.Context(), "kubernetes", metav1.GetOptions{}); err != nil {
		t.Error(err)
	}
}

func TestEventsAboutOtherObjectsAreIgnored(t *testing.T) {
	t.Parallel()
	if isOurs(&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "other"}}) {
		t.Error("a kubernetes service in another namespace counted")
	}
	if !isOurs(&corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default"}}) {
		t.Error("default/kubernetes endpoints ignored")
	}
}

func TestAdvertiseAddress(t *testing.T) {
	t.Parallel()
	if got, err := AdvertiseAddress("192.0.2.7"); err != nil || got.String() != "192.0.2.7" {
		t.Errorf("AdvertiseAddress(192.0.2.7) = %v, %v", got, err)
	}
	if got, err := AdvertiseAddress("127.0.0.1"); err == nil && got.IsLoopback() {
		t.Errorf("AdvertiseAddress(127.0.0.1) = %v, want a non-loopback address or an error", got)
	}
}
