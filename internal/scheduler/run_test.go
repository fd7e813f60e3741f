package scheduler

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

var podResource = corev1.SchemeGroupVersion.WithResource("pods")

// running is a Scheduler run with real informers over a fake clientset,
// inside a synctest bubble: synctest.Wait returns once every goroutine is
// idle, so the fake clock can be stepped without races.
type running struct {
	t      *testing.T
	client *fake.Clientset
	clock  *clocktesting.FakeClock
	events *record.FakeRecorder
	stop   func()
}

func runScheduler(t *testing.T, objs ...runtime.Object) *running {
	t.Helper()
	client := fake.NewClientset(objs...)
	bindLikeAnAPIServer(client)
	factory := informers.NewSharedInformerFactory(client, 0)
	r := &running{t: t, client: client, clock: clocktesting.NewFakeClock(t0), events: record.NewFakeRecorder(100)}
	s, err := New(client, factory, r.events, r.clock, Options{BindWorkers: 2, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Run(ctx)
	}()
	r.stop = func() {
		cancel()
		<-done
		factory.Shutdown()
	}
	r.settle()
	return r
}

// bindLikeAnAPIServer makes pods/binding set spec.nodeName (the fake
// clientset ignores subresource creates).
func bindLikeAnAPIServer(client *fake.Clientset) {
	client.PrependReactor("create", "pods", func(action k8stesting.Action) (bool, runtime.Object, error) {
		create := action.(k8stesting.CreateAction)
		if create.GetSubresource() != "binding" {
			return false, nil, nil
		}
		b := create.GetObject().(*corev1.Binding)
		obj, err := client.Tracker().Get(podResource, b.Namespace, b.Name)
		if err != nil {
			return true, nil, err
		}
		p := obj.(*corev1.Pod).DeepCopy()
		p.Spec.NodeName = b.Target.Name
		return true, b, client.Tracker().Update(podResource, p, b.Namespace)
	})
}

// settle lets virtual time pass (informers poll for cache sync) and waits
// until every goroutine of the bubble is idle.
func (r *running) settle() {
	time.Sleep(time.Second)
	synctest.Wait()
}

func (r *running) pod(name string) *corev1.Pod {
	r.t.Helper()
	p, err := r.client.CoreV1().Pods("ns").Get(r.t.Context(), name, metav1.GetOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

// event returns the next recorded event, or "" if there is none.
func (r *running) event() string {
	select {
	case e := <-r.events.Events:
		return e
	default:
		return ""
	}
}

func TestUnschedulablePodIsBoundOnceANodeIsUncordoned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := runScheduler(t, node("n1", "a", cordoned), node("n2", "a"), pod("p", requests("5", "")))
		defer r.stop()

		msg := "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable. " +
			"preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod., 1 Preemption is not helpful for scheduling."
		if e := r.event(); e != "Warning FailedScheduling "+msg {
			t.Fatalf("event = %q, want the FailedScheduling warning", e)
		}
		cond := scheduledCondition(r.pod("p"))
		if cond == nil || cond.Status != corev1.ConditionFalse || cond.Reason != "Unschedulable" || cond.Message != msg || !cond.LastTransitionTime.Time.Equal(t0) {
			t.Fatalf("PodScheduled = %+v, want False/Unschedulable with the message at t0", cond)
		}

		// A minute passes without news: the pod is not retried.
		r.clock.Step(time.Minute)
		r.settle()
		if e := r.event(); e != "" {
			t.Fatalf("retried without a cluster event: %q", e)
		}

		n1 := node("n1", "a", func(n *corev1.Node) { n.Status.Allocatable[corev1.ResourceCPU] = resource.MustParse("8") })
		if _, err := r.client.CoreV1().Nodes().Update(t.Context(), n1, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		r.settle()
		if got := r.pod("p").Spec.NodeName; got != "n1" {
			t.Fatalf("after uncordon: nodeName = %q, want n1", got)
		}
		if e := r.event(); e != "Normal Scheduled Successfully assigned ns/p to n1" {
			t.Errorf("event = %q, want Scheduled", e)
		}
	})
}

func TestRetryWaitsForTheBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := runScheduler(t, node("n1", "a", cordoned), pod("p"))
		defer r.stop()
		r.event()

		// The node is uncordoned within the pod's 1 s backoff.
		if _, err := r.client.CoreV1().Nodes().Update(t.Context(), node("n1", "a"), metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		r.settle()
		if got := r.pod("p").Spec.NodeName; got != "" {
			t.Fatalf("bound to %q before the backoff ended", got)
		}
		r.clock.Step(time.Second)
		r.settle()
		if got := r.pod("p").Spec.NodeName; got != "n1" {
			t.Fatalf("after the backoff: nodeName = %q, want n1", got)
		}
	})
}

func TestPodsOfAnotherSchedulerAreLeftAlone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := runScheduler(t, node("n1", "a"), pod("p", func(p *corev1.Pod) { p.Spec.SchedulerName = "other" }))
		defer r.stop()
		if got := r.pod("p").Spec.NodeName; got != "" {
			t.Errorf("bound to %q", got)
		}
	})
}

func scheduledCondition(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodScheduled {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}
