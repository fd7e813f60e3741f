package endpointslice

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
)

type conditions struct{ ready, serving, terminating bool }

func conditionsOf(ep discoveryv1.Endpoint) conditions {
	return conditions{deref(ep.Conditions.Ready), deref(ep.Conditions.Serving), deref(ep.Conditions.Terminating)}
}

// TestTerminatingPodThroughItsLife follows spec §3.4: a pod keeps its
// endpoint, updated in place, until it is deleted.
func TestTerminatingPodThroughItsLife(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0, newService("s"), newPod("a", "10.0.0.1"), newPod("b", "10.0.0.2"))
	steps := []struct {
		name   string
		change func()
		want   map[string]conditions // by pod
	}{
		{name: "ready", change: func() {},
			want: map[string]conditions{"a": {true, true, false}, "b": {true, true, false}}},
		{name: "deletionTimestamp set", change: func() { f.add(newPod("a", "10.0.0.1", terminating)) },
			want: map[string]conditions{"a": {false, true, true}, "b": {true, true, false}}},
		{name: "kubelet reports Ready=False", change: func() { f.add(newPod("a", "10.0.0.1", terminating, notReady)) },
			want: map[string]conditions{"a": {false, false, true}, "b": {true, true, false}}},
		{name: "pod deleted", change: func() { f.remove(newPod("a", "")) },
			want: map[string]conditions{"b": {true, true, false}}},
	}
	name := ""
	for _, step := range steps {
		step.change()
		f.sync("s")
		got := f.slices()
		if len(got) != 1 {
			t.Fatalf("%s: %d slices, want 1", step.name, len(got))
		}
		if name == "" {
			name = got[0].Name
		} else if got[0].Name != name {
			t.Errorf("%s: slice %s replaced by %s, want an update in place", step.name, name, got[0].Name)
		}
		have := map[string]conditions{}
		for _, ep := range got[0].Endpoints {
			have[ep.TargetRef.Name] = conditionsOf(ep)
		}
		if fmt.Sprint(have) != fmt.Sprint(step.want) {
			t.Errorf("%s: conditions %v, want %v", step.name, have, step.want)
		}
	}
}

func TestPublishNotReadyAddressesIsAlwaysReady(t *testing.T) {
	t.Parallel()
	publish := func(s *corev1.Service) { s.Spec.PublishNotReadyAddresses = true }
	f := newFixture(t, 0, newService("s", publish), newPod("a", "10.0.0.1", terminating, notReady))
	f.sync("s")
	if got := conditionsOf(f.slices()[0].Endpoints[0]); got != (conditions{true, false, true}) {
		t.Errorf("conditions %+v, want ready, not serving, terminating", got)
	}
}

func manyPods(from, to int) []runtime.Object {
	var objs []runtime.Object
	for i := from; i < to; i++ {
		objs = append(objs, newPod(fmt.Sprintf("p%03d", i), fmt.Sprintf("10.1.%d.%d", i/200, i%200+1)))
	}
	return objs
}

func sizes(slices []*discoveryv1.EndpointSlice) string {
	var out []int
	for _, s := range slices {
		out = append(out, len(s.Endpoints))
	}
	return fmt.Sprint(out)
}

func TestSlicesHoldAtMost100Endpoints(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0, append([]runtime.Object{newService("s")}, manyPods(0, 250)...)...)
	f.sync("s")
	if got := sizes(f.slices()); got != "[100 100 50]" {
		t.Fatalf("slice sizes %s, want [100 100 50]", got)
	}
	// Ten more fit into the slice closest to full: one update, no create.
	f.add(manyPods(250, 260)...)
	before := f.writes()
	f.sync("s")
	after := f.writes()
	if got := sizes(f.slices()); got != "[100 100 60]" || after["create"] != before["create"] || after["update"] != before["update"]+1 {
		t.Errorf("after 10 more: sizes %s, writes %v → %v; want [100 100 60] by one update", got, before, after)
	}
}

func TestAnEmptiedSliceIsDeleted(t *testing.T) {
	t.Parallel()
	pods := manyPods(0, 150)
	f := newFixture(t, 0, append([]runtime.Object{newService("s")}, pods...)...)
	f.sync("s")
	for _, p := range pods[100:] {
		f.remove(p.(*corev1.Pod))
	}
	f.sync("s")
	if got := sizes(f.slices()); got != "[100]" || f.writes()["delete"] != 1 {
		t.Errorf("sizes %s, writes %v; want [100] after one delete", got, f.writes())
	}
}

func TestPlaceholderSlice(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0, newService("s"))
	f.sync("s")
	got := f.slices()
	if len(got) != 1 || len(got[0].Endpoints) != 0 || len(got[0].Ports) != 0 {
		t.Fatalf("slices %v, want one placeholder without endpoints or ports", got)
	}
	f.sync("s")
	if w := f.writes(); w["create"] != 1 || w["update"]+w["delete"] != 0 {
		t.Errorf("writes %v, want the placeholder created once and kept", w)
	}
	// The first pod turns the placeholder into its slice: an update under
	// the same name instead of a delete and a create.
	f.add(newPod("a", "10.0.0.1"))
	f.sync("s")
	now := f.slices()
	if w := f.writes(); len(now) != 1 || now[0].Name != got[0].Name || w["delete"] != 0 || w["update"] != 1 || len(now[0].Endpoints) != 1 {
		t.Errorf("after a pod: %d slices, writes %v; want the placeholder updated in place", len(now), w)
	}
}

func TestSliceMetadata(t *testing.T) {
	t.Parallel()
	headless := func(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone }
	host := func(p *corev1.Pod) { p.Spec.Hostname, p.Spec.Subdomain = "h", "s" }
	f := newFixture(t, 0, newService("s", headless), newPod("a", "10.0.0.1", host))
	f.sync("s")
	s := f.slices()[0]
	if s.GenerateName != "s-" || s.AddressType != discoveryv1.AddressTypeIPv4 {
		t.Errorf("generateName %q, addressType %s", s.GenerateName, s.AddressType)
	}
	ref := s.OwnerReferences[0]
	if ref.Kind != "Service" || ref.APIVersion != "v1" || ref.Name != "s" || ref.UID != "uid-s" || !*ref.Controller || !*ref.BlockOwnerDeletion {
		t.Errorf("ownerReference %+v, want a blocking controller reference to the service", ref)
	}
	want := map[string]string{"team": "x", discoveryv1.LabelServiceName: "s", discoveryv1.LabelManagedBy: ManagedBy, corev1.IsHeadlessService: ""}
	if fmt.Sprint(s.Labels) != fmt.Sprint(want) {
		t.Errorf("labels %v, want %v", s.Labels, want)
	}
	if s.Annotations[corev1.EndpointsLastChangeTriggerTime] != t0.Format(time.RFC3339Nano) {
		t.Errorf("annotations %v, want the trigger time", s.Annotations)
	}
	ep := s.Endpoints[0]
	if deref(ep.NodeName) != "node-1" || deref(ep.Zone) != "zone-a" || deref(ep.Hostname) != "h" || ep.TargetRef.Name != "a" || ep.Addresses[0] != "10.0.0.1" {
		t.Errorf("endpoint %+v", ep)
	}
	if p := s.Ports[0]; deref(p.Name) != "http" || deref(p.Port) != 8080 || deref(p.Protocol) != corev1.ProtocolTCP {
		t.Errorf("port %+v, want http 8080/TCP", p)
	}
}

// TestOneSliceSetPerPortSet: a pod lacking the named port gets a slice of
// its own, with no ports.
func TestOneSliceSetPerPortSet(t *testing.T) {
	t.Parallel()
	noPorts := func(p *corev1.Pod) { p.Spec.Containers[0].Ports = nil }
	f := newFixture(t, 0, newService("s"), newPod("a", "10.0.0.1"), newPod("b", "10.0.0.2", noPorts))
	f.sync("s")
	got := f.slices()
	if len(got) != 2 || len(got[0].Ports)+len(got[1].Ports) != 1 {
		t.Errorf("slices %v, want one with the port and one without", got)
	}
}

func TestPodOnAnUnknownNodeIsSkippedAndRetried(t *testing.T) {
	t.Parallel()
	lost := func(p *corev1.Pod) { p.Spec.NodeName = "gone" }
	f := newFixture(t, 0, newService("s"), newPod("a", "10.0.0.1"), newPod("b", "10.0.0.2", lost))
	if err := f.c.sync(t.Context(), ns+"/s"); err == nil {
		t.Error("sync succeeded with a pod on an unknown node, want an error (retry)")
	}
	if got := f.slices(); len(got) != 1 || len(got[0].Endpoints) != 1 || got[0].Endpoints[0].TargetRef.Name != "a" {
		t.Errorf("slices %v, want pod a written anyway", got)
	}
}

// TestStaleCacheMakesNoDuplicate: a sync before the informer saw the
// slice just created must not create another.
func TestStaleCacheMakesNoDuplicate(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0, newService("s"), newPod("a", "10.0.0.1"))
	if err := f.c.sync(t.Context(), ns+"/s"); err != nil {
		t.Fatal(err)
	}
	if err := f.c.sync(t.Context(), ns+"/s"); err == nil {
		t.Error("second sync on a cache without the created slice succeeded")
	}
	if n := len(f.slices()); n != 1 {
		t.Errorf("%d slices, want 1", n)
	}
}

func TestOwnEchoesAreIgnored(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0, newService("s"), newPod("a", "10.0.0.1"))
	f.sync("s")
	s := f.slices()[0]
	f.c.sliceChanged(s)
	if n := f.c.queue.Len(); n != 0 {
		t.Errorf("own write queued the service (%d keys)", n)
	}
	edited := s.DeepCopy()
	edited.ResourceVersion = "999"
	f.c.sliceChanged(edited)
	if n := f.c.queue.Len(); n != 0 {
		t.Errorf("someone else's edit queued at once (%d keys), want after 1s", n)
	}
	f.clock.Step(sliceChangeMinDelay)
	// The delaying queue's goroutine moves the key; poll for it briefly.
	err := wait.PollUntilContextTimeout(t.Context(), time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		return f.c.queue.Len() == 1, nil
	})
	if err != nil {
		t.Errorf("someone else's edit not queued 1s later: %v", err)
	}
}

func TestServiceWithoutSelectorGetsNoSlices(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 0, newService("s", func(s *corev1.Service) { s.Spec.Selector = nil }), newPod("a", "10.0.0.1"))
	f.sync("s")
	if n := len(f.slices()); n != 0 {
		t.Errorf("%d slices for a service without selector", n)
	}
}
