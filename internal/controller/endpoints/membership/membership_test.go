package membership

import (
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func pod(opts ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", ResourceVersion: "1", Labels: map[string]string{"app": "a"}},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, PodIP: "10.0.0.1", PodIPs: []corev1.PodIP{{IP: "10.0.0.1"}},
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func rv(v string) func(*corev1.Pod) { return func(p *corev1.Pod) { p.ResourceVersion = v } }
func labelled(l string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Labels = map[string]string{"app": l} }
}
func notReady(p *corev1.Pod)    { p.Status.Conditions[0].Status = corev1.ConditionFalse }
func terminating(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: t0} }
func ip(addr string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Status.PodIPs = []corev1.PodIP{{IP: addr}} }
}
func hostname(h string) func(*corev1.Pod)        { return func(p *corev1.Pod) { p.Spec.Hostname = h } }
func annotated(p *corev1.Pod)                    { p.Annotations = map[string]string{"x": "y"} }
func phase(ph corev1.PodPhase) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Status.Phase = ph } }

func serviceLister(t *testing.T, svcs ...*corev1.Service) corelisters.ServiceLister {
	t.Helper()
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	for _, s := range svcs {
		if err := idx.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	return corelisters.NewServiceLister(idx)
}

func service(name string, selector map[string]string) *corev1.Service {
	return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"}, Spec: corev1.ServiceSpec{Selector: selector}}
}

// TestServicesToUpdate is the spec's §3.1 enqueue table, with services
// "a" (app=a), "b" (app=b) and "all" (no selector: never enqueued).
func TestServicesToUpdate(t *testing.T) {
	t.Parallel()
	lister := serviceLister(t, service("a", map[string]string{"app": "a"}), service("b", map[string]string{"app": "b"}), service("all", nil))
	tests := []struct {
		name     string
		old, cur *corev1.Pod
		want     []string
	}{
		{name: "resync with the same resourceVersion", old: pod(), cur: pod(notReady), want: nil},
		{name: "annotation only", old: pod(), cur: pod(rv("2"), annotated), want: nil},
		{name: "readiness flips", old: pod(), cur: pod(rv("2"), notReady), want: []string{"ns/a"}},
		{name: "deletionTimestamp set", old: pod(), cur: pod(rv("2"), terminating), want: []string{"ns/a"}},
		{name: "any update of a terminating pod (upstream pointer compare)", old: pod(terminating), cur: pod(rv("2"), terminating, annotated), want: []string{"ns/a"}},
		{name: "pod IP changes", old: pod(), cur: pod(rv("2"), ip("10.0.0.2")), want: []string{"ns/a"}},
		{name: "labels change only: symmetric difference", old: pod(), cur: pod(rv("2"), labelled("b")), want: []string{"ns/a", "ns/b"}},
		{name: "labels and readiness change: union", old: pod(), cur: pod(rv("2"), labelled("b"), notReady), want: []string{"ns/a", "ns/b"}},
		{name: "hostname alone: same services before and after, so none (upstream)", old: pod(), cur: pod(rv("2"), hostname("h")), want: nil},
		{name: "labels to the same services", old: pod(labelled("c")), cur: pod(rv("2"), labelled("d")), want: nil},
		{name: "phase change alone is not an endpoint change", old: pod(), cur: pod(rv("2"), phase(corev1.PodSucceeded)), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ServicesToUpdate(lister, tt.old, tt.cur)
			if err != nil {
				t.Fatal(err)
			}
			if list := sets.List(got); !slices.Equal(list, tt.want) && !(len(list) == 0 && len(tt.want) == 0) {
				t.Errorf("ServicesToUpdate = %v, want %v", list, tt.want)
			}
		})
	}
}

func TestShouldPodBeInEndpoints(t *testing.T) {
	t.Parallel()
	noIP := func(p *corev1.Pod) { p.Status.PodIP, p.Status.PodIPs = "", nil }
	tests := []struct {
		name               string
		pod                *corev1.Pod
		includeTerminating bool
		want               bool
	}{
		{name: "running with an IP", pod: pod(), want: true},
		{name: "not ready still belongs", pod: pod(notReady), want: true},
		{name: "succeeded", pod: pod(phase(corev1.PodSucceeded)), includeTerminating: true, want: false},
		{name: "failed", pod: pod(phase(corev1.PodFailed)), includeTerminating: true, want: false},
		{name: "no IP", pod: pod(noIP), includeTerminating: true, want: false},
		{name: "terminating, excluded", pod: pod(terminating), want: false},
		{name: "terminating, included", pod: pod(terminating), includeTerminating: true, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ShouldPodBeInEndpoints(tt.pod, tt.includeTerminating); got != tt.want {
				t.Errorf("ShouldPodBeInEndpoints = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFindPort(t *testing.T) {
	t.Parallel()
	always := corev1.ContainerRestartPolicyAlways
	p := pod(func(p *corev1.Pod) {
		p.Spec.Containers = []corev1.Container{{Ports: []corev1.ContainerPort{
			{Name: "http", ContainerPort: 8080}, {Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP}}}}
		p.Spec.InitContainers = []corev1.Container{
			{Ports: []corev1.ContainerPort{{Name: "init", ContainerPort: 1}}},
			{RestartPolicy: &always, Ports: []corev1.ContainerPort{{Name: "sidecar", ContainerPort: 9090}}},
		}
	})
	tests := []struct {
		name    string
		port    corev1.ServicePort
		want    int32
		wantErr bool
	}{
		{name: "number", port: corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(8081)}, want: 8081},
		{name: "unset target means the port", port: corev1.ServicePort{Port: 80}, want: 80},
		{name: "named", port: corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http")}, want: 8080},
		{name: "named, other protocol", port: corev1.ServicePort{Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromString("dns")}, want: 53},
		{name: "named, protocol mismatch", port: corev1.ServicePort{Port: 53, TargetPort: intstr.FromString("dns")}, wantErr: true},
		{name: "sidecar init container", port: corev1.ServicePort{Port: 90, TargetPort: intstr.FromString("sidecar")}, want: 9090},
		{name: "plain init container does not count", port: corev1.ServicePort{Port: 1, TargetPort: intstr.FromString("init")}, wantErr: true},
		{name: "missing", port: corev1.ServicePort{Port: 1, TargetPort: intstr.FromString("nope")}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := FindPort(p, &tt.port)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("FindPort = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestTriggerTimes(t *testing.T) {
	t.Parallel()
	tt := NewTriggerTimes()
	svc := service("a", map[string]string{"app": "a"})
	svc.CreationTimestamp = metav1.Time{Time: t0}
	readyAt := func(at time.Time) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.Status.Conditions[0].LastTransitionTime = metav1.Time{Time: at} }
	}
	if got := tt.Compute("ns/a", svc, []*corev1.Pod{pod(readyAt(t0.Add(time.Minute)))}); !got.Equal(t0) {
		t.Errorf("first sync = %v, want the service's creation %v", got, t0)
	}
	if got := tt.Compute("ns/a", svc, []*corev1.Pod{pod(readyAt(t0.Add(time.Minute)))}); !got.IsZero() {
		t.Errorf("nothing changed = %v, want zero", got)
	}
	if got := tt.Compute("ns/a", svc, []*corev1.Pod{pod(readyAt(t0.Add(3 * time.Minute)))}); !got.Equal(t0.Add(3 * time.Minute)) {
		t.Errorf("a pod's readiness changed = %v, want its transition", got)
	}
}
