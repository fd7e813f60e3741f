package disruption

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	clocktesting "k8s.io/utils/clock/testing"
)

// running is a Controller run with real informers over a fake clientset,
// inside a synctest bubble: synctest.Wait returns once every goroutine
// (informers, queues, workers) is idle, so the fake clock can be stepped
// without races, and the bubble fails the test if a goroutine outlives Run.
type running struct {
	t      *testing.T
	client *fake.Clientset
	clock  *clocktesting.FakeClock
	events *eventLog
	stop   func()
}

func runController(t *testing.T, objs ...runtime.Object) *running {
	t.Helper()
	for _, obj := range objs {
		obj.(metav1.Object).SetResourceVersion("1")
	}
	client := fake.NewSimpleClientset(objs...)
	serveLikeAnAPIServer(client)
	client.Resources = discoveryResources()
	factory := informers.NewSharedInformerFactory(client, 0)
	r := &running{t: t, client: client, clock: clocktesting.NewFakeClock(t0), events: &eventLog{}}
	c, err := New(client, factory, newScaleServer().client, testMapper(), r.events, r.clock, Options{
		NewRateLimiter: noDelay,
		Log:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	factory.Start(ctx.Done())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx, 2)
	}()
	r.stop = func() {
		cancel()
		<-done
		factory.Shutdown()
	}
	r.settle()
	return r
}

// settle lets virtual time pass (the informers' cache-sync polling runs on
// it) and waits until every goroutine of the bubble is idle.
func (r *running) settle() {
	time.Sleep(time.Second)
	synctest.Wait()
}

func (r *running) pdbStatus(name string) policyv1.PodDisruptionBudgetStatus {
	r.t.Helper()
	p, err := r.client.PolicyV1().PodDisruptionBudgets(ns).Get(r.t.Context(), name, metav1.GetOptions{})
	if err != nil {
		r.t.Fatal(err)
	}
	return p.Status
}

func (r *running) checkCounts(name string, current, allowed int32, disrupted int) {
	r.t.Helper()
	s := r.pdbStatus(name)
	if s.CurrentHealthy != current || s.DisruptionsAllowed != allowed || len(s.DisruptedPods) != disrupted {
		r.t.Errorf("status: current %d allowed %d disruptedPods %v; want %d, %d, %d entries",
			s.CurrentHealthy, s.DisruptionsAllowed, s.DisruptedPods, current, allowed, disrupted)
	}
}

// TestRunRechecksWhenADisruptionExpires: an eviction was approved but the
// pod never got deleted; at DeletionTimeout the recheck queue wakes the PDB
// and the pod counts as healthy again.
func TestRunRechecksWhenADisruptionExpires(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		pdb := newPDB("pdb", minAvailable(intstr.FromInt32(1)), disrupted(map[string]time.Time{"a": t0.Add(-30 * time.Second)}))
		r := runController(t, pdb, newPod("a"), newPod("b"))
		defer r.stop()
		r.checkCounts("pdb", 1, 0, 1)

		r.clock.Step(DeletionTimeout - 30*time.Second - time.Second) // not yet
		r.settle()
		r.checkCounts("pdb", 1, 0, 1)
		if events := r.events.take(); len(events) != 0 {
			t.Errorf("events before expiry = %v", events)
		}

		r.clock.Step(2 * time.Second) // one second past expiry
		r.settle()
		r.checkCounts("pdb", 2, 1, 0)
		want := event{"Pod ns/a", corev1.EventTypeWarning, "NotDeleted", "Pod was expected by PDB ns/ns to be deleted but it wasn't"}
		if events := r.events.take(); len(events) != 1 || events[0] != want {
			t.Errorf("events = %v, want [%v]", events, want)
		}
	})
}

// TestRunFollowsPodEvents walks the spec's worked eviction trace: a
// Deployment of 3 with minAvailable 2, one pod evicted and replaced.
func TestRunFollowsPodEvents(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		byRS := ownedBy("apps/v1", "ReplicaSet", "rs")
		r := runController(t, newPDB("pdb", minAvailable(intstr.FromInt32(2))),
			newPod("p1", byRS), newPod("p2", byRS), newPod("p3", byRS))
		defer r.stop()
		pods := r.client.CoreV1().Pods(ns)
		r.checkCounts("pdb", 3, 1, 0)

		// The eviction handler approves p1: allowed 0, disruptedPods{p1}.
		p, _ := r.client.PolicyV1().PodDisruptionBudgets(ns).Get(t.Context(), "pdb", metav1.GetOptions{})
		p.Status.DisruptionsAllowed = 0
		p.Status.DisruptedPods = map[string]metav1.Time{"p1": metav1.NewTime(t0)}
		if _, err := r.client.PolicyV1().PodDisruptionBudgets(ns).UpdateStatus(t.Context(), p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		r.settle()
		r.checkCounts("pdb", 2, 0, 1)

		// p1 gets its deletionTimestamp; the RS creates p4, not ready yet.
		p1, _ := pods.Get(t.Context(), "p1", metav1.GetOptions{})
		terminating(p1)
		if _, err := pods.Update(t.Context(), p1, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := pods.Create(t.Context(), newPod("p4", byRS, notReady), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		r.settle()
		if s := r.pdbStatus("pdb"); s.ExpectedPods != 4 || s.CurrentHealthy != 2 || s.DisruptionsAllowed != 0 || len(s.DisruptedPods) != 0 {
			t.Errorf("after p1 terminates: %+v; want expected 4, current 2, allowed 0, no disruptedPods", s)
		}

		// p4 becomes Ready, then the kubelet deletes p1.
		p4, _ := pods.Get(t.Context(), "p4", metav1.GetOptions{})
		p4.Status.Conditions[0].Status = corev1.ConditionTrue
		if _, err := pods.UpdateStatus(t.Context(), p4, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		r.settle()
		r.checkCounts("pdb", 3, 1, 0)
		if err := pods.Delete(t.Context(), "p1", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		r.settle()
		if s := r.pdbStatus("pdb"); s.ExpectedPods != 3 || s.CurrentHealthy != 3 || s.DisruptionsAllowed != 1 {
			t.Errorf("after p1 is gone: %+v; want expected 3, current 3, allowed 1", s)
		}
	})
}

// TestRunIgnoresWorkloadChanges: a scale change alone does not resync the
// PDB; the next pod event does.
func TestRunIgnoresWorkloadChanges(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		byRC := ownedBy("v1", "ReplicationController", "rc")
		r := runController(t, newPDB("pdb", maxUnavailable(intstr.FromInt32(1))), newRC("rc", 2), newPod("a", byRC), newPod("b", byRC))
		defer r.stop()
		if s := r.pdbStatus("pdb"); s.ExpectedPods != 2 || s.DisruptionsAllowed != 1 {
			t.Fatalf("initial status %+v; want expected 2, allowed 1", s)
		}
		rc, _ := r.client.CoreV1().ReplicationControllers(ns).Get(t.Context(), "rc", metav1.GetOptions{})
		rc.Spec.Replicas = replicas(5)
		if _, err := r.client.CoreV1().ReplicationControllers(ns).Update(t.Context(), rc, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		r.settle()
		if s := r.pdbStatus("pdb"); s.ExpectedPods != 2 {
			t.Errorf("expectedPods after a scale change alone = %d, want the stale 2", s.ExpectedPods)
		}
		if _, err := r.client.CoreV1().Pods(ns).Create(t.Context(), newPod("c", byRC, notReady), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		r.settle()
		if s := r.pdbStatus("pdb"); s.ExpectedPods != 5 || s.DesiredHealthy != 4 || s.DisruptionsAllowed != 0 {
			t.Errorf("after a pod event: %+v; want expected 5, desired 4, allowed 0", s)
		}
	})
}

// TestRunRevertsAStaleDisruptionTarget: the eviction marked the pod but its
// delete never happened; two minutes later the marker is set to False.
func TestRunRevertsAStaleDisruptionTarget(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		marked := newPod("a", disruptionTarget(corev1.ConditionTrue, "EvictionByEvictionAPI", t0.Add(-time.Minute)))
		r := runController(t, marked)
		defer r.stop()
		target := func() corev1.PodCondition {
			p, err := r.client.CoreV1().Pods(ns).Get(t.Context(), "a", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			return *podCondition(p, corev1.DisruptionTarget)
		}

		r.clock.Step(time.Minute - time.Second)
		r.settle()
		if c := target(); c.Status != corev1.ConditionTrue {
			t.Fatalf("condition reverted early: %+v", c)
		}
		r.clock.Step(time.Second)
		r.settle()
		c := target()
		if c.Status != corev1.ConditionFalse || c.Reason != "" || c.Message != "" || !c.LastTransitionTime.Time.Equal(t0.Add(time.Minute)) {
			t.Errorf("condition = %+v; want False, no reason or message, lastTransitionTime %v", c, t0.Add(time.Minute))
		}
	})
}

// TestRunReturnsWhenTheCachesNeverSync: Run must not hang (or leak) when
// ctx ends before the informers sync — here the factory is never started.
func TestRunReturnsWhenTheCachesNeverSync(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		client := fake.NewSimpleClientset()
		c, err := New(client, informers.NewSharedInformerFactory(client, 0), newScaleServer().client, testMapper(), &eventLog{},
			clocktesting.NewFakeClock(t0), Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		c.Run(ctx, 1)
	})
}
