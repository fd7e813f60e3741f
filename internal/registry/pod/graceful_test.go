package pod

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// TestCheckGracefulDelete covers eviction-api.md §3.1.
func TestCheckGracefulDelete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		requested *int64
		specGrace *int64
		nodeName  string
		phase     corev1.PodPhase
		want      int64
	}{
		{name: "requested period wins", requested: ptr.To(int64(10)), specGrace: ptr.To(int64(30)), nodeName: "node-1", want: 10},
		{name: "requested zero", requested: ptr.To(int64(0)), specGrace: ptr.To(int64(30)), nodeName: "node-1", want: 0},
		{name: "pod's terminationGracePeriodSeconds", specGrace: ptr.To(int64(30)), nodeName: "node-1", want: 30},
		{name: "neither set", nodeName: "node-1", want: 0},
		{name: "never scheduled", requested: ptr.To(int64(10)), specGrace: ptr.To(int64(30)), want: 0},
		{name: "failed", specGrace: ptr.To(int64(30)), nodeName: "node-1", phase: corev1.PodFailed, want: 0},
		{name: "succeeded", specGrace: ptr.To(int64(30)), nodeName: "node-1", phase: corev1.PodSucceeded, want: 0},
		{name: "running", specGrace: ptr.To(int64(30)), nodeName: "node-1", phase: corev1.PodRunning, want: 30},
		{name: "negative requested", requested: ptr.To(int64(-3)), nodeName: "node-1", want: 1},
		{name: "negative in spec", specGrace: ptr.To(int64(-1)), nodeName: "node-1", want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pod := newPod()
			pod.Spec.TerminationGracePeriodSeconds = tt.specGrace
			pod.Spec.NodeName = tt.nodeName
			pod.Status.Phase = tt.phase
			opts := &metav1.DeleteOptions{GracePeriodSeconds: tt.requested}
			if !newStrategy().CheckGracefulDelete(t.Context(), pod, opts) {
				t.Fatal("pod deletion must be graceful")
			}
			if opts.GracePeriodSeconds == nil || *opts.GracePeriodSeconds != tt.want {
				t.Errorf("grace period %v, want %d", opts.GracePeriodSeconds, tt.want)
			}
		})
	}
}

func TestCheckGracefulDeleteNilOptions(t *testing.T) {
	t.Parallel()
	if newStrategy().CheckGracefulDelete(t.Context(), newPod(), nil) {
		t.Error("nil options: want an immediate (not graceful) delete")
	}
}
