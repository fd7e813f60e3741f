package e2e

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/utils/ptr"
)

// TestSeedSixSteps drains a node with the installed kubectl while watches
// on the pods, the Service's Endpoints and its EndpointSlices record the
// seed's six steps in order: (1) the pod is marked with a deletion
// timestamp and grace period, (2) it is no longer Ready, (3) it leaves the
// Endpoints and is terminating in the slice, (4) it stops — killed at the
// grace period's end when it ignores SIGTERM, or earlier when it exits on
// its own — (5, 6) the kubelet's final DELETE removes it. The node holds
// two pods of a Deployment whose budget allows one disruption: the second
// eviction is refused (429) until the first pod's replacement is Ready on
// another node. The pods take 2 s to become Ready, so the replacement is
// not Ready before the refused eviction's conflict retry (500 ms) runs:
// without it, on a quiet machine, the whole replacement could be Ready in
// time and kubectl would never see the 429 this test expects.
func TestSeedSixSteps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		annotation map[string]string
		// stop bounds when, after the deletion, the process ended, and
		// exitCode is how.
		stopAfterMin, stopAfterMax time.Duration
		exitCode                   int32
	}{
		{name: "ignores SIGTERM and is killed at grace expiry", annotation: map[string]string{"sim.evictd.io/ignore-sigterm": "true", "sim.evictd.io/ready-after": "2s"},
			stopAfterMin: 4 * time.Second, stopAfterMax: 7 * time.Second, exitCode: 137},
		{name: "exits 1 s after SIGTERM", annotation: map[string]string{"sim.evictd.io/shutdown-after": "1s", "sim.evictd.io/ready-after": "2s"},
			stopAfterMin: 500 * time.Millisecond, stopAfterMax: 3 * time.Second, exitCode: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			withCluster(t, defaultKubectl, func(t *testing.T, e *env) {
				node := e.deployWeb(t, tt.annotation)
				rec := e.record(t)
				drain := e.start(t, "drain", node, "--ignore-daemonsets", "--timeout=120s")
				drain.expectStderr(t, `^error when evicting pods/"web-[a-z0-9-]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\.$`)
				res := drain.wait(t, 0)
				wantLine(t, res.stdout, `^node/`+node+` drained$`)
				rec.stop()
				rec.checkSixSteps(t, tt.stopAfterMin, tt.stopAfterMax, tt.exitCode)
			})
		})
	}
}

// deployWeb creates the Deployment web (3 replicas, grace 5 s, the given
// pod annotations), its Service and a budget of minAvailable 2, with two
// of the pods on one node, whose name it returns once all are Ready.
func (e *env) deployWeb(t *testing.T, annotations map[string]string) string {
	t.Helper()
	ctx := t.Context()
	e.setUnschedulable(t, "node-3", true) // two pods share node-1 or node-2
	labels := map[string]string{"app": "web"}
	_, err := e.client.AppsV1().Deployments("default").Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annotations},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: ptr.To[int64](5),
					Containers:                    []corev1.Container{{Name: "web", Image: "nginx", Ports: []corev1.ContainerPort{{ContainerPort: 80}}}},
				},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CoreV1().Services("default").Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(80)}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	two := intstr.FromInt32(2)
	if _, err := e.client.PolicyV1().PodDisruptionBudgets("default").Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &two, Selector: &metav1.LabelSelector{MatchLabels: labels}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var crowded string
	e.eventually(t, "3 Ready pods, two on one node", func() bool {
		pods := e.readyPods(t, "app=web")
		perNode := map[string]int{}
		for _, p := range pods {
			perNode[p.Spec.NodeName]++
			if perNode[p.Spec.NodeName] == 2 {
				crowded = p.Spec.NodeName
			}
		}
		return len(pods) == 3 && crowded != ""
	})
	e.waitForAllowed(t, "web", 1)
	e.setUnschedulable(t, "node-3", false)
	return crowded
}

func (e *env) setUnschedulable(t *testing.T, name string, on bool) {
	t.Helper()
	patch := fmt.Appendf(nil, `{"spec":{"unschedulable":%t}}`, on)
	if _, err := e.client.CoreV1().Nodes().Patch(t.Context(), name, "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// readyPods lists the pods of selector that are Ready and not deleting.
func (e *env) readyPods(t *testing.T, selector string) []corev1.Pod {
	t.Helper()
	list, err := e.client.CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	var ready []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil && podReady(&p) {
			ready = append(ready, p)
		}
	}
	return ready
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// eventually polls cond for up to a minute.
func (e *env) eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// observed is one watch event and when the test saw it.
type observed struct {
	at    time.Time
	event watch.EventType
	obj   runtime.Object
}

// recorder keeps the events of three watches: pods app=web, Endpoints
// web, EndpointSlices of web.
type recorder struct {
	// before holds the pods that existed when recording started.
	before map[types.UID]bool
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	events []observed
}

func (e *env) record(t *testing.T) *recorder {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	r := &recorder{cancel: cancel, before: map[types.UID]bool{}}
	pods, err := e.client.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pods.Items {
		r.before[p.UID] = true
	}
	watches := []func() (watch.Interface, error){
		func() (watch.Interface, error) {
			return e.client.CoreV1().Pods("default").Watch(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		},
		func() (watch.Interface, error) {
			return e.client.CoreV1().Endpoints("default").Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=web"})
		},
		func() (watch.Interface, error) {
			return e.client.DiscoveryV1().EndpointSlices("default").Watch(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=web"})
		},
	}
	for _, open := range watches {
		w, err := open()
		if err != nil {
			t.Fatal(err)
		}
		r.wg.Go(func() {
			defer w.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case ev, ok := <-w.ResultChan():
					if !ok {
						return
					}
					r.mu.Lock()
					r.events = append(r.events, observed{at: time.Now(), event: ev.Type, obj: ev.Object})
					r.mu.Unlock()
				}
			}
		})
	}
	t.Cleanup(r.stop)
	return r
}

func (r *recorder) stop() {
	r.cancel()
	r.wg.Wait()
}

// first returns the first event at or after index from on which match
// holds, and its index.
func (r *recorder) first(from int, match func(observed) bool) (observed, int, bool) {
	for i := from; i < len(r.events); i++ {
		if match(r.events[i]) {
			return r.events[i], i, true
		}
	}
	return observed{}, -1, false
}

// checkSixSteps finds the first evicted pod and checks its six steps, then
// that its replacement was Ready elsewhere before the second eviction.
func (r *recorder) checkSixSteps(t *testing.T, stopMin, stopMax time.Duration, exitCode int32) {
	t.Helper()
	asPod := func(o observed) *corev1.Pod { p, _ := o.obj.(*corev1.Pod); return p }
	marked, i1, ok := r.first(0, func(o observed) bool { p := asPod(o); return p != nil && p.DeletionTimestamp != nil })
	if !ok {
		t.Fatal("no pod was ever marked for deletion")
	}
	victim := asPod(marked)
	is := func(o observed) bool { p := asPod(o); return p != nil && p.UID == victim.UID }
	if g := victim.DeletionGracePeriodSeconds; g == nil || *g != 5 {
		t.Errorf("step 1: deletionGracePeriodSeconds = %v, want 5", g)
	}
	ip := victim.Status.PodIP
	_, i2, ok := r.first(i1, func(o observed) bool { return is(o) && !podReady(asPod(o)) })
	if !ok {
		t.Fatal("step 2: the evicted pod never went not Ready")
	}
	_, i3a, ok := r.first(i1, func(o observed) bool {
		ep, isEP := o.obj.(*corev1.Endpoints)
		return isEP && !endpointsHave(ep, ip)
	})
	if !ok {
		t.Fatalf("step 3: %s never left the Endpoints", ip)
	}
	_, i3b, ok := r.first(i1, func(o observed) bool {
		s, isSlice := o.obj.(*discoveryv1.EndpointSlice)
		return isSlice && sliceTerminating(s, ip)
	})
	if !ok {
		t.Fatalf("step 3: %s never showed ready=false, terminating=true in the slice", ip)
	}
	stopped, i4, ok := r.first(i1, func(o observed) bool {
		return is(o) && asPod(o).Status.Phase == corev1.PodFailed || is(o) && asPod(o).Status.Phase == corev1.PodSucceeded
	})
	if !ok {
		t.Fatal("step 4: the evicted pod never reached a terminal phase")
	}
	if code := exitCodeOf(asPod(stopped)); code != exitCode {
		t.Errorf("step 4: exit code %d, want %d", code, exitCode)
	}
	if after := stopped.at.Sub(marked.at); after < stopMin || after > stopMax {
		t.Errorf("step 4: stopped %v after the deletion, want between %v and %v", after, stopMin, stopMax)
	}
	removed, i6, ok := r.first(i4, func(o observed) bool { return is(o) && o.event == watch.Deleted })
	if !ok {
		t.Fatal("steps 5–6: the evicted pod was never removed")
	}
	if p := asPod(removed); !slices.Contains([]corev1.PodPhase{corev1.PodFailed, corev1.PodSucceeded}, p.Status.Phase) {
		t.Errorf("steps 5–6: removed in phase %s; the kubelet deletes only terminal pods", p.Status.Phase)
	}
	for name, i := range map[string]int{"not Ready": i2, "left Endpoints": i3a, "terminating in the slice": i3b, "stopped": i4} {
		if i > i6 {
			t.Errorf("%s came after the removal", name)
		}
	}
	if i4 < i2 {
		t.Error("the pod reached a terminal phase before it was reported not Ready")
	}

	// The replacement: a new pod on another node, Ready before the second
	// pod of the drained node was marked.
	ready, iReady, ok := r.first(0, func(o observed) bool {
		p := asPod(o)
		return p != nil && !r.before[p.UID] && p.Spec.NodeName != victim.Spec.NodeName && podReady(p)
	})
	if !ok {
		t.Fatal("the replacement never became Ready on another node")
	}
	_, iSecond, ok := r.first(i1, func(o observed) bool {
		p := asPod(o)
		return p != nil && p.UID != victim.UID && p.Spec.NodeName == victim.Spec.NodeName && p.DeletionTimestamp != nil
	})
	if !ok {
		t.Fatal("the second pod of the drained node was never evicted")
	}
	if iSecond < iReady {
		t.Errorf("the second eviction came before the replacement %s was Ready", asPod(ready).Name)
	}
}

func endpointsHave(ep *corev1.Endpoints, ip string) bool {
	for _, s := range ep.Subsets {
		for _, a := range s.Addresses {
			if a.IP == ip {
				return true
			}
		}
	}
	return false
}

func sliceTerminating(s *discoveryv1.EndpointSlice, ip string) bool {
	for _, ep := range s.Endpoints {
		if slices.Contains(ep.Addresses, ip) {
			c := ep.Conditions
			return c.Terminating != nil && *c.Terminating && c.Ready != nil && !*c.Ready
		}
	}
	return false
}

func exitCodeOf(p *corev1.Pod) int32 {
	for _, c := range p.Status.ContainerStatuses {
		if c.State.Terminated != nil {
			return c.State.Terminated.ExitCode
		}
	}
	return -1
}
