package kubelet

import (
	"bytes"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/ptr"
)

func TestStreamLogs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.add(newPod("web", annotated(AnnotationCrashAfter, "5s", AnnotationReadyAfter, "2s")))
	f.add(newPod("two", func(p *corev1.Pod) {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "sidecar", Image: "envoy"})
	}))
	f.syncAt("two", 0)
	f.syncAt("web", 0)
	f.runUntilQuiet("web", 8*time.Second, nil) // crashed at 5 s, restarted, ready at 7 s
	tests := []struct {
		name    string
		pod     string
		opts    corev1.PodLogOptions
		want    string
		wantErr func(error) bool
	}{
		{name: "current instance", pod: "web", want: "2026-03-04T10:00:05Z started\n2026-03-04T10:00:07Z ready\n"},
		{name: "previous instance", pod: "web", opts: corev1.PodLogOptions{Previous: true},
			want: "2026-03-04T10:00:00Z started\n2026-03-04T10:00:02Z ready\n2026-03-04T10:00:05Z exited with code 1\n"},
		{name: "tail", pod: "web", opts: corev1.PodLogOptions{Previous: true, TailLines: ptr.To[int64](1)}, want: "2026-03-04T10:00:05Z exited with code 1\n"},
		{name: "timestamps", pod: "web", opts: corev1.PodLogOptions{Timestamps: true, TailLines: ptr.To[int64](1)},
			want: "2026-03-04T10:00:07.000000000Z 2026-03-04T10:00:07Z ready\n"},
		{name: "since seconds", pod: "web", opts: corev1.PodLogOptions{SinceSeconds: ptr.To[int64](1)}, want: "2026-03-04T10:00:07Z ready\n"},
		{name: "limit bytes", pod: "web", opts: corev1.PodLogOptions{LimitBytes: ptr.To[int64](4)}, want: "2026"},
		{name: "container must be named", pod: "two", wantErr: apierrors.IsBadRequest},
		{name: "unknown container", pod: "two", opts: corev1.PodLogOptions{Container: "nope"}, wantErr: apierrors.IsBadRequest},
		{name: "no previous instance", pod: "two", opts: corev1.PodLogOptions{Container: "sidecar", Previous: true}, wantErr: apierrors.IsBadRequest},
		{name: "unknown pod", pod: "nope", wantErr: apierrors.IsNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := f.sim.StreamLogs(t.Context(), &out, ns, tt.pod, &tt.opts)
			if tt.wantErr != nil {
				if !tt.wantErr(err) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || out.String() != tt.want {
				t.Errorf("log = %q, %v; want %q", out.String(), err, tt.want)
			}
		})
	}
}

func TestFollowEndsWhenTheContainerEnds(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.add(newPod("web", annotated(AnnotationShutdownAfter, "3s")))
	f.syncAt("web", 0)
	var out bytes.Buffer
	done := make(chan error)
	go func() { done <- f.sim.StreamLogs(t.Context(), &out, ns, "web", &corev1.PodLogOptions{Follow: true}) }()
	f.deleteAt("web", 10*time.Second, 30)
	f.runUntilQuiet("web", time.Minute, nil)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("follow did not end with the container")
	}
	for _, want := range []string{"started", "SIGTERM received", "exited with code 0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("followed log %q lacks %q", out.String(), want)
		}
	}
}
