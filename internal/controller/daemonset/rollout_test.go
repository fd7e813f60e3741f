package daemonset

import (
	"fmt"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// daemonPod is a pod on node at revision hash; ready says since when it is
// Ready (zero: not Ready).
func daemonPod(node, hash string, ready time.Time) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: node + "-" + hash, Labels: map[string]string{appsv1.DefaultDaemonSetUniqueLabelKey: hash}},
		Spec:       corev1.PodSpec{NodeName: node},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
	if !ready.IsZero() {
		pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Time{Time: ready}}}
	}
	return pod
}

// TestReplaceWithinUnavailable: old pods are deleted only while fewer
// than maxUnavailable nodes are unavailable; old pods unavailable anyway
// are always replaced.
func TestReplaceWithinUnavailable(t *testing.T) {
	t.Parallel()
	long := t0.Add(-time.Hour)
	tests := []struct {
		name           string
		maxUnavailable int
		minReady       int32
		pods           map[string][]*corev1.Pod
		want           int // old pods deleted
		wantNames      []string
	}{
		{name: "one at a time", maxUnavailable: 1, want: 1, pods: map[string][]*corev1.Pod{
			"a": {daemonPod("a", "old", long)}, "b": {daemonPod("b", "old", long)}, "c": {daemonPod("c", "old", long)},
		}},
		{name: "two at a time", maxUnavailable: 2, want: 2, pods: map[string][]*corev1.Pod{
			"a": {daemonPod("a", "old", long)}, "b": {daemonPod("b", "old", long)}, "c": {daemonPod("c", "old", long)},
		}},
		{name: "an unavailable new pod uses the budget", maxUnavailable: 1, want: 0, pods: map[string][]*corev1.Pod{
			"a": {daemonPod("a", "new", time.Time{})}, "b": {daemonPod("b", "old", long)},
		}},
		{name: "a node without a pod uses the budget", maxUnavailable: 1, want: 0, pods: map[string][]*corev1.Pod{
			"a": nil, "b": {daemonPod("b", "old", long)},
		}},
		{name: "an unavailable old pod is replaced regardless", maxUnavailable: 1, wantNames: []string{"a-old"}, want: 1, pods: map[string][]*corev1.Pod{
			"a": {daemonPod("a", "old", time.Time{})}, "b": {daemonPod("b", "old", long)},
		}},
		{name: "new pod not yet available for minReadySeconds", maxUnavailable: 1, minReady: 30, want: 0, pods: map[string][]*corev1.Pod{
			"a": {daemonPod("a", "new", t0.Add(-10*time.Second))}, "b": {daemonPod("b", "old", long)},
		}},
		{name: "new pod available after minReadySeconds", maxUnavailable: 1, minReady: 30, wantNames: []string{"b-old"}, want: 1, pods: map[string][]*corev1.Pod{
			"a": {daemonPod("a", "new", t0.Add(-31*time.Second))}, "b": {daemonPod("b", "old", long)},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := &Controller{clock: clocktesting.NewFakeClock(t0)}
			set := newSet()
			set.Spec.MinReadySeconds = tt.minReady
			got := c.replaceWithinUnavailable(set, tt.pods, "new", tt.maxUnavailable)
			if len(got) != tt.want {
				t.Fatalf("deleted %v, want %d", got, tt.want)
			}
			if tt.wantNames != nil && !slices.Equal(got, tt.wantNames) {
				t.Errorf("deleted %v, want %v", got, tt.wantNames)
			}
		})
	}
}

func TestDesiredCountsRoundUpAndDefault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		unavailable, surge  *intstr.IntOrString
		wantSurge, wantUnav int
	}{
		{name: "percent rounds up", unavailable: ptr.To(intstr.FromString("10%")), wantUnav: 1},
		{name: "half of three", unavailable: ptr.To(intstr.FromString("50%")), wantUnav: 2},
		{name: "zero and zero means one", unavailable: ptr.To(intstr.FromInt32(0)), surge: ptr.To(intstr.FromInt32(0)), wantUnav: 1},
		{name: "surge only", unavailable: ptr.To(intstr.FromInt32(0)), surge: ptr.To(intstr.FromInt32(1)), wantSurge: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			set := newSet()
			set.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxUnavailable: tt.unavailable, MaxSurge: tt.surge}
			var nodes []*corev1.Node
			for i := range 3 {
				nodes = append(nodes, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprint(i)}})
			}
			surge, unav, desired, err := desiredCounts(set, nodes, map[string][]*corev1.Pod{})
			if err != nil || surge != tt.wantSurge || unav != tt.wantUnav || desired != 3 {
				t.Errorf("desiredCounts = %d, %d, %d, %v; want %d, %d, 3", surge, unav, desired, err, tt.wantSurge, tt.wantUnav)
			}
		})
	}
}

func ptrTo[T any](v T) *T { return &v }
