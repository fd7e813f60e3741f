package podranking

import (
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

var now = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type opt func(*corev1.Pod)

func newPod(uid string, opts ...opt) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: uid, UID: types.UID(uid), CreationTimestamp: metav1.NewTime(now.Add(-time.Hour))},
		Spec:       corev1.PodSpec{NodeName: "node"},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func unassigned(p *corev1.Pod)     { p.Spec.NodeName = "" }
func phase(ph corev1.PodPhase) opt { return func(p *corev1.Pod) { p.Status.Phase = ph } }
func created(ago time.Duration) opt {
	return func(p *corev1.Pod) { p.CreationTimestamp = metav1.NewTime(now.Add(-ago)) }
}
func notCreated(p *corev1.Pod) { p.CreationTimestamp = metav1.Time{} }
func restarts(n int32) opt {
	return func(p *corev1.Pod) {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{RestartCount: n})
	}
}
func cost(n int) opt {
	return func(p *corev1.Pod) { p.Annotations = map[string]string{DeletionCostAnnotation: strconv.Itoa(n)} }
}
func annotation(v string) opt {
	return func(p *corev1.Pod) { p.Annotations = map[string]string{DeletionCostAnnotation: v} }
}
func readyFor(ago time.Duration) opt { return readyAt(metav1.NewTime(now.Add(-ago))) }
func readyAt(t metav1.Time) opt {
	return func(p *corev1.Pod) {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: t})
	}
}

// TestLess has a row per rule of §4.5.1: first is deleted before second.
func TestLess(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		first, second *corev1.Pod
		ranks         [2]int
		zeroNow       bool
		equal         bool
	}{
		{name: "1 unassigned before assigned, whatever the phase", first: newPod("b", unassigned, phase(corev1.PodRunning)), second: newPod("a", phase(corev1.PodPending))},
		{name: "2 pending before unknown", first: newPod("b", phase(corev1.PodPending)), second: newPod("a", phase(corev1.PodUnknown))},
		{name: "2 unknown before running", first: newPod("b", phase(corev1.PodUnknown)), second: newPod("a")},
		{name: "3 not ready before ready", first: newPod("b", cost(-5)), second: newPod("a", readyFor(time.Hour))},
		{name: "4 lower deletion cost first", first: newPod("b", cost(-1)), second: newPod("a"), ranks: [2]int{1, 5}},
		{name: "4 unparsable cost is zero", first: newPod("b", annotation("lots")), second: newPod("a", cost(1))},
		{name: "5 more co-located first", first: newPod("b"), second: newPod("a", created(time.Second)), ranks: [2]int{3, 2}},
		{name: "6 zero ready time first", first: newPod("b", readyAt(metav1.Time{})), second: newPod("a", readyFor(time.Second))},
		{name: "6 ready more recently first", first: newPod("b", readyFor(time.Minute)), second: newPod("a", readyFor(time.Hour), restarts(9))},
		{name: "6 same log2 bucket: UID decides", first: newPod("a", readyFor(40*time.Second)), second: newPod("b", readyFor(50*time.Second))},
		{name: "6 same log2 bucket: UID decides the other way", first: newPod("a", readyFor(50*time.Second)), second: newPod("b", readyFor(40*time.Second))},
		{name: "6 without now exact times", first: newPod("b", readyFor(40*time.Second)), second: newPod("a", readyFor(50*time.Second)), zeroNow: true},
		{name: "7 more restarts first", first: newPod("b", restarts(1), restarts(3)), second: newPod("a", restarts(2), created(time.Second))},
		{name: "7 restarts decide when one is not ready", first: newPod("b", restarts(1)), second: newPod("a")},
		{name: "8 zero creation first", first: newPod("b", notCreated), second: newPod("a", created(time.Second))},
		{name: "8 newer first", first: newPod("b", created(time.Minute)), second: newPod("a", created(time.Hour))},
		{name: "8 same log2 bucket: UID decides", first: newPod("a", created(40*time.Second)), second: newPod("b", created(50*time.Second))},
		{name: "8 without now exact times", first: newPod("b", created(40*time.Second)), second: newPod("a", created(50*time.Second)), zeroNow: true},
		{name: "9 otherwise equal", first: newPod("a"), second: newPod("b"), equal: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Ranked{Pods: []*corev1.Pod{tt.first, tt.second}, Rank: tt.ranks[:], Now: now}
			if tt.zeroNow {
				s.Now = time.Time{}
			}
			if got := s.Less(0, 1); got == tt.equal {
				t.Errorf("Less(first, second) = %v, want %v", got, !tt.equal)
			}
			if s.Less(1, 0) {
				t.Error("Less(second, first) = true, want false")
			}
		})
	}
}

func TestSortKeepsRanksPaired(t *testing.T) {
	t.Parallel()
	pods := []*corev1.Pod{newPod("a"), newPod("b"), newPod("c", unassigned), newPod("d")}
	ranks := []int{1, 3, 1, 2}
	Sort(pods, ranks, now)
	var names []string
	for _, p := range pods {
		names = append(names, p.Name)
	}
	want := []string{"c", "b", "d", "a"}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("order = %v, want %v", names, want)
		}
	}
	if ranks[0] != 1 || ranks[1] != 3 || ranks[2] != 2 || ranks[3] != 1 {
		t.Errorf("ranks = %v, want them to follow their pods", ranks)
	}
}

func TestRanks(t *testing.T) {
	t.Parallel()
	on := func(node string) opt { return func(p *corev1.Pod) { p.Spec.NodeName = node } }
	terminating := func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: now} }
	mine := []*corev1.Pod{newPod("a", on("n1")), newPod("b", on("n2")), newPod("c", unassigned)}
	related := append([]*corev1.Pod{
		newPod("d", on("n1")), newPod("e", on("n1"), terminating), newPod("f", on("n1"), phase(corev1.PodSucceeded)),
		newPod("g", unassigned),
	}, mine...)
	got := Ranks(mine, related)
	want := []int{2, 1, 2}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Ranks = %v, want %v", got, want)
		}
	}
}
