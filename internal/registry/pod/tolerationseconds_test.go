package pod

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

func TestAdmitDefaultTolerationSeconds(t *testing.T) {
	t.Parallel()
	notReady := corev1.Toleration{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](300)}
	unreachable := corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](300)}
	own := func(key string, effect corev1.TaintEffect, seconds *int64) corev1.Toleration {
		return corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: effect, TolerationSeconds: seconds}
	}
	tests := []struct {
		name string
		in   []corev1.Toleration
		want []corev1.Toleration
	}{
		{name: "none gets both", want: []corev1.Toleration{notReady, unreachable}},
		{
			name: "other tolerations are kept first",
			in:   []corev1.Toleration{own("dedicated", corev1.TaintEffectNoSchedule, nil)},
			want: []corev1.Toleration{own("dedicated", corev1.TaintEffectNoSchedule, nil), notReady, unreachable},
		},
		{
			name: "own not-ready seconds are kept",
			in:   []corev1.Toleration{own(corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute, ptr.To[int64](10))},
			want: []corev1.Toleration{own(corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute, ptr.To[int64](10)), unreachable},
		},
		{
			name: "own unreachable forever is kept",
			in:   []corev1.Toleration{own(corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute, nil)},
			want: []corev1.Toleration{own(corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute, nil), notReady},
		},
		{
			name: "empty effect tolerates NoExecute",
			in:   []corev1.Toleration{own(corev1.TaintNodeNotReady, "", nil)},
			want: []corev1.Toleration{own(corev1.TaintNodeNotReady, "", nil), unreachable},
		},
		{
			name: "NoSchedule does not count",
			in:   []corev1.Toleration{own(corev1.TaintNodeNotReady, corev1.TaintEffectNoSchedule, nil)},
			want: []corev1.Toleration{own(corev1.TaintNodeNotReady, corev1.TaintEffectNoSchedule, nil), notReady, unreachable},
		},
		{
			name: "empty key tolerates every NoExecute taint",
			in:   []corev1.Toleration{own("", corev1.TaintEffectNoExecute, nil)},
			want: []corev1.Toleration{own("", corev1.TaintEffectNoExecute, nil)},
		},
		{
			name: "tolerate everything",
			in:   []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			want: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
		},
		{
			name: "operator Equal with a value still counts",
			in:   []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpEqual, Value: "x", Effect: corev1.TaintEffectNoExecute}},
			want: []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpEqual, Value: "x", Effect: corev1.TaintEffectNoExecute}, notReady},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			spec := &corev1.PodSpec{Tolerations: tt.in}
			admitDefaultTolerationSeconds(spec)
			assertSemanticEqual(t, spec.Tolerations, tt.want)
		})
	}
}

func TestStrategyAddsDefaultTolerations(t *testing.T) {
	t.Parallel()
	s := Resource().Strategy
	pod := defaultedPod(nil)
	s.PrepareForCreate(t.Context(), pod)
	if len(pod.Spec.Tolerations) != 2 {
		t.Fatalf("create: tolerations = %+v", pod.Spec.Tolerations)
	}
	// An update of a pod stored without them (before the plugin ran)
	// gets them too, and validation allows adding tolerations.
	old := defaultedPod(nil)
	updated := old.DeepCopy()
	s.PrepareForUpdate(t.Context(), updated, old)
	if len(updated.Spec.Tolerations) != 2 {
		t.Fatalf("update: tolerations = %+v", updated.Spec.Tolerations)
	}
	if errs := s.ValidateUpdate(t.Context(), updated, old); len(errs) > 0 {
		t.Errorf("update errors: %v", errs)
	}
}
