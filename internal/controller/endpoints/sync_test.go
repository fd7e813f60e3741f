package endpoints

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	k8stesting "k8s.io/client-go/testing"
)

// describe renders subsets as "ports ready=[...] notReady=[...]" lines.
func describe(subsets []corev1.EndpointSubset) []string {
	var out []string
	for _, s := range subsets {
		var ports, ready, notReady []string
		for _, p := range s.Ports {
			ports = append(ports, fmt.Sprintf("%s:%d", p.Name, p.Port))
		}
		for _, a := range s.Addresses {
			ready = append(ready, a.IP+hostnameOf(a))
		}
		for _, a := range s.NotReadyAddresses {
			notReady = append(notReady, a.IP+hostnameOf(a))
		}
		out = append(out, fmt.Sprintf("%s ready=%v notReady=%v", strings.Join(ports, ","), ready, notReady))
	}
	return out
}

func hostnameOf(a corev1.EndpointAddress) string {
	if a.Hostname == "" {
		return ""
	}
	return "(" + a.Hostname + ")"
}

func TestSyncPlacesAddresses(t *testing.T) {
	t.Parallel()
	publish := func(s *corev1.Service) { s.Spec.PublishNotReadyAddresses = true }
	named := func(s *corev1.Service) {
		s.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("web")}}
	}
	twoPorts := func(s *corev1.Service) {
		s.Spec.Ports = append(s.Spec.Ports, corev1.ServicePort{Name: "metrics", Port: 9090, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("metrics")})
	}
	headlessNoPorts := func(s *corev1.Service) { s.Spec.ClusterIP, s.Spec.Ports = corev1.ClusterIPNone, nil }
	withMetrics := func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{Name: "metrics", ContainerPort: 9100})
	}
	hostInSubdomain := func(sub string) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Spec.Hostname, p.Spec.Subdomain = "h-"+p.Name, sub }
	}
	tests := []struct {
		name string
		svc  *corev1.Service
		pods []*corev1.Pod
		want []string
	}{
		{name: "ready and not ready", svc: newService("s"),
			pods: []*corev1.Pod{newPod("a", "10.0.0.1"), newPod("b", "10.0.0.2", notReady)},
			want: []string{"http:8080 ready=[10.0.0.1] notReady=[10.0.0.2]"}},
		{name: "a terminating pod leaves entirely", svc: newService("s"),
			pods: []*corev1.Pod{newPod("a", "10.0.0.1"), newPod("b", "10.0.0.2", terminating)},
			want: []string{"http:8080 ready=[10.0.0.1] notReady=[]"}},
		{name: "publishNotReadyAddresses keeps terminating and not-ready pods ready", svc: newService("s", publish),
			pods: []*corev1.Pod{newPod("a", "10.0.0.1", terminating), newPod("b", "10.0.0.2", notReady)},
			want: []string{"http:8080 ready=[10.0.0.1 10.0.0.2] notReady=[]"}},
		{name: "terminal pods and pods without IP are left out", svc: newService("s"),
			pods: []*corev1.Pod{newPod("a", "10.0.0.1", func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }), newPod("b", "")},
			want: nil},
		{name: "named target port", svc: newService("s", named),
			pods: []*corev1.Pod{newPod("a", "10.0.0.1")},
			want: []string{"http:8080 ready=[10.0.0.1] notReady=[]"}},
		{name: "a pod lacking a named port is skipped for that port only", svc: newService("s", twoPorts),
			pods: []*corev1.Pod{newPod("a", "10.0.0.1", withMetrics), newPod("b", "10.0.0.2")},
			want: []string{"http:8080 ready=[10.0.0.1 10.0.0.2] notReady=[]", "metrics:9100 ready=[10.0.0.1] notReady=[]"}},
		{name: "hostname only when the subdomain names the service", svc: newService("s"),
			pods: []*corev1.Pod{newPod("a", "10.0.0.1", hostInSubdomain("s")), newPod("b", "10.0.0.2", hostInSubdomain("other"))},
			want: []string{"http:8080 ready=[10.0.0.1(h-a) 10.0.0.2] notReady=[]"}},
		{name: "headless without ports", svc: newService("s", headlessNoPorts),
			pods: []*corev1.Pod{newPod("a", "10.0.0.1"), newPod("b", "10.0.0.2", notReady)},
			want: []string{" ready=[10.0.0.1] notReady=[10.0.0.2]"}},
		{name: "pods the selector does not match", svc: newService("s"),
			pods: []*corev1.Pod{newPod("a", "10.0.0.1", func(p *corev1.Pod) { p.Labels = nil })},
			want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			objs := []runtime.Object{tt.svc}
			for _, p := range tt.pods {
				objs = append(objs, p)
			}
			f := newFixture(t, objs...)
			f.sync("s")
			if got := describe(f.endpoints("s").Subsets); !slices.Equal(got, tt.want) {
				t.Errorf("subsets =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestSyncWritesMetadata(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newService("s"), newService("h", func(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone }), newPod("a", "10.0.0.1"))
	f.sync("s")
	f.sync("h")
	ep := f.endpoints("s")
	if ep.Labels["team"] != "x" || len(ep.Labels) != 1 {
		t.Errorf("labels = %v, want the service's", ep.Labels)
	}
	if got := ep.Annotations[corev1.EndpointsLastChangeTriggerTime]; got != t0.Format(time.RFC3339Nano) {
		t.Errorf("trigger time = %q, want the service's creation", got)
	}
	addr := ep.Subsets[0].Addresses[0]
	if addr.NodeName == nil || *addr.NodeName != "node-1" || addr.TargetRef == nil || addr.TargetRef.Name != "a" || addr.TargetRef.Kind != "Pod" || addr.TargetRef.UID != "uid-a" {
		t.Errorf("address = %+v, want nodeName and a targetRef to pod a", addr)
	}
	if _, ok := f.endpoints("h").Labels[corev1.IsHeadlessService]; !ok {
		t.Errorf("headless service's endpoints lack %s", corev1.IsHeadlessService)
	}
}

func TestSyncSkipsUnchangedEndpoints(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newService("s"), newPod("a", "10.0.0.1"))
	f.sync("s")
	f.sync("s")
	if n := f.writes(); n != 1 {
		t.Errorf("%d writes for two syncs of an unchanged service, want 1", n)
	}
	// A pod that goes not-ready moves: one more write.
	f.add(newPod("a", "10.0.0.1", notReady))
	f.sync("s")
	if n := f.writes(); n != 2 {
		t.Errorf("%d writes, want 2", n)
	}
}

func TestSyncLeavesServicesWithoutSelector(t *testing.T) {
	t.Parallel()
	manual := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: ns, ResourceVersion: "1"},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.9"}}}}}
	f := newFixture(t, newService("s", func(s *corev1.Service) { s.Spec.Selector = nil }), manual, newPod("a", "10.0.0.1"))
	f.sync("s")
	if got := f.endpoints("s").Subsets[0].Addresses[0].IP; got != "192.0.2.9" || f.writes() != 0 {
		t.Errorf("manual endpoints rewritten: %s, %d writes", got, f.writes())
	}
}

func TestSyncDeletesEndpointsOfDeletedService(t *testing.T) {
	t.Parallel()
	orphan := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "gone", Namespace: ns, ResourceVersion: "1"}}
	lock := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "lock", Namespace: ns, ResourceVersion: "1",
		Annotations: map[string]string{leaderAnnotation: "{}"}}}
	f := newFixture(t, orphan, lock)
	f.c.queueLeftoverEndpoints()
	if n := f.c.queue.Len(); n != 1 {
		t.Fatalf("%d keys queued at start, want 1 (the leader lock is skipped)", n)
	}
	key, _ := f.c.queue.Get()
	if err := f.c.sync(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	if _, err := f.client.CoreV1().Endpoints(ns).Get(t.Context(), "gone", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("orphan endpoints still there: %v", err)
	}
}

func TestSyncTruncatesOverCapacity(t *testing.T) {
	t.Parallel()
	objs := []runtime.Object{newService("s")}
	for i := range maxCapacity + 5 {
		p := newPod(fmt.Sprintf("p%04d", i), fmt.Sprintf("10.1.%d.%d", i/250, i%250))
		if i%2 == 0 {
			notReady(p)
		}
		objs = append(objs, p)
	}
	f := newFixture(t, objs...)
	f.sync("s")
	ep := f.endpoints("s")
	ready, notReadyN := len(ep.Subsets[0].Addresses), len(ep.Subsets[0].NotReadyAddresses)
	if ready != 502 || ready+notReadyN != maxCapacity {
		t.Errorf("ready %d, not ready %d; want all 502 ready kept and %d in total", ready, notReadyN, maxCapacity)
	}
	if ep.Annotations[corev1.EndpointsOverCapacity] != "truncated" {
		t.Errorf("annotations = %v, want over-capacity truncated", ep.Annotations)
	}
}

func TestSyncCreateErrors(t *testing.T) {
	t.Parallel()
	terminatingNS := &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: 403, Reason: metav1.StatusReasonForbidden,
		Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: corev1.NamespaceTerminatingCause}}},
	}}
	tests := []struct {
		name       string
		err        error
		wantErr    bool
		wantEvents int
	}{
		{name: "namespace terminating is swallowed", err: terminatingNS},
		{name: "other errors are events and retries", err: apierrors.NewInternalError(fmt.Errorf("boom")), wantErr: true, wantEvents: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, newService("s"), newPod("a", "10.0.0.1"))
			f.client.PrependReactor("create", "endpoints", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, tt.err })
			err := f.c.sync(t.Context(), ns+"/s")
			if (err != nil) != tt.wantErr || len(f.events.events) != tt.wantEvents {
				t.Errorf("sync = %v with events %v; want error %v and %d events", err, f.events.events, tt.wantErr, tt.wantEvents)
			}
		})
	}
}

// TestSyncRefusesAStaleCache: after an update the cache still holds the
// replaced version; acting on it could undo the update.
func TestSyncRefusesAStaleCache(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newService("s"), newPod("a", "10.0.0.1"))
	f.sync("s")
	f.add(newPod("a", "10.0.0.1", notReady))
	f.sync("s") // an update; refresh then puts the new version in the cache
	before := f.endpoints("s")
	stale := before.DeepCopy()
	stale.ResourceVersion = "2" // the version the update replaced
	if err := f.factory.Core().V1().Endpoints().Informer().GetStore().Update(stale); err != nil {
		t.Fatal(err)
	}
	if err := f.c.sync(t.Context(), ns+"/s"); err == nil {
		t.Error("sync acted on a stale cache")
	}
}
