package replicaset

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func newRC(name string, n int32) *corev1.ReplicationController {
	rs := newRS(name, n)
	rc := toReplicationController(rs)
	rc.TypeMeta = metav1.TypeMeta{}
	return rc
}

// TestReplicationManager: the same controller over an RC creates pods
// controlled by the RC, records events on the RC and writes an RC status.
func TestReplicationManager(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{}, newRC("rc", 2), newPod("gone", "", deleting, func(p *corev1.Pod) {
		p.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(&metav1.ObjectMeta{Name: "rc", UID: "uid-rc"}, replicationControllerKind)}
	}))
	f.mustSync("rc")
	pods := f.apiPods()
	if len(pods) != 3 {
		t.Fatalf("%d pods, want 2 new and the terminating one", len(pods))
	}
	ref := metav1.GetControllerOf(pods[1])
	if pods[1].GenerateName != "rc-" || ref == nil || ref.APIVersion != "v1" || ref.Kind != "ReplicationController" || ref.UID != "uid-rc" {
		t.Errorf("pod %s controller ref = %+v", pods[1].Name, ref)
	}
	events := f.events.take()
	if len(events) != 2 || events[0].object != "*v1.ReplicationController ns/rc" || events[0].reason != reasonSuccessfulCreate {
		t.Errorf("events = %v", events)
	}
	rc, err := f.client.CoreV1().ReplicationControllers(ns).Get(t.Context(), "rc", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Status.ObservedGeneration != 1 || rc.Status.Replicas != 0 || rc.Spec.Selector["app"] != "web" || rc.Spec.Template == nil {
		t.Errorf("rc = %+v", rc)
	}

	f.refresh()
	for _, p := range pods {
		f.c.addPod(p)
	}
	f.mustSync("rc")
	rc, _ = f.client.CoreV1().ReplicationControllers(ns).Get(t.Context(), "rc", metav1.GetOptions{})
	if rc.Status.Replicas != 2 || rc.Status.FullyLabeledReplicas != 2 {
		t.Errorf("status = %+v, want 2 replicas", rc.Status)
	}
}

func TestReplicationControllerConversionRoundTrips(t *testing.T) {
	t.Parallel()
	rc := newRC("rc", 3)
	rc.Status = corev1.ReplicationControllerStatus{Replicas: 1, ReadyReplicas: 1, ObservedGeneration: 4,
		Conditions: []corev1.ReplicationControllerCondition{{Type: "ReplicaFailure", Status: "True", Reason: "FailedCreate"}}}
	rs := toReplicaSet(rc)
	rs.Status.TerminatingReplicas = ptr.To[int32](2) // has no RC counterpart
	back := toReplicationController(rs)
	back.TypeMeta = metav1.TypeMeta{}
	if back.Status.Conditions[0].Reason != "FailedCreate" || back.Status.ObservedGeneration != 4 ||
		*back.Spec.Replicas != 3 || back.Spec.Selector["app"] != "web" || back.Spec.Template.Labels["tier"] != "front" {
		t.Errorf("round trip = %+v", back)
	}
	noSelector := newRC("rc", 1)
	noSelector.Spec.Selector = nil
	if toReplicaSet(noSelector).Spec.Selector != nil {
		t.Error("a nil RC selector became a selector")
	}
}
