package e2e

import (
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/kubectl/pkg/drain"
)

// libraryDrainer drains with k8s.io/kubectl/pkg/drain, kubectl's drain
// code as a library, the way cluster tools (cluster-autoscaler, kops,
// Cluster API) call it: cordon, then RunNodeDrain.
type libraryDrainer struct {
	client kubernetes.Interface
	mu     sync.Mutex
	// finished is every pod the library reported done, by name.
	finished map[string]error
}

func (l *libraryDrainer) helper(t *testing.T, f drainFlags, out, errOut *lineLog) *drain.Helper {
	return &drain.Helper{
		Ctx: t.Context(), Client: l.client, GracePeriodSeconds: -1, Timeout: time.Minute,
		IgnoreAllDaemonSets: f.ignoreDaemonSets, DeleteEmptyDirData: f.deleteEmptyDirData, Force: f.force,
		Out: out, ErrOut: errOut,
		OnPodDeletionOrEvictionFinished: func(pod *corev1.Pod, usingEviction bool, err error) {
			if !usingEviction {
				t.Errorf("pod %s was deleted, not evicted", pod.Name)
			}
			l.mu.Lock()
			defer l.mu.Unlock()
			l.finished[pod.Name] = err
		},
	}
}

// cordon cordons node through the library, as kubectl drain does first.
func (l *libraryDrainer) cordon(t *testing.T, h *drain.Helper, name string) {
	t.Helper()
	node, err := l.client.CoreV1().Nodes().Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := drain.RunCordonOrUncordon(h, node, true); err != nil {
		t.Fatalf("cordon %s: %v", name, err)
	}
}

func (l *libraryDrainer) refuse(t *testing.T, node string, f drainFlags) string {
	t.Helper()
	out, errOut := newLineLog(), newLineLog()
	h := l.helper(t, f, out, errOut)
	l.cordon(t, h, node)
	err := drain.RunNodeDrain(h, node)
	if err == nil {
		t.Fatalf("drain %s with %+v succeeded, want a refusal\nout: %s\nerr: %s", node, f, out, errOut)
	}
	return err.Error()
}

func (l *libraryDrainer) drain(t *testing.T, node string) (string, string) {
	t.Helper()
	out, errOut := newLineLog(), newLineLog()
	l.finished = map[string]error{}
	h := l.helper(t, drainFlags{ignoreDaemonSets: true, deleteEmptyDirData: true, force: true}, out, errOut)
	l.cordon(t, h, node)
	if err := drain.RunNodeDrain(h, node); err != nil {
		t.Fatalf("drain %s: %v\nout: %s\nerr: %s", node, err, out, errOut)
	}
	wantLine(t, errOut.String(), `^WARNING: `)
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.finished) != 3 {
		t.Errorf("the library finished %d pods, want 3: %v", len(l.finished), l.finished)
	}
	for name, err := range l.finished {
		if err != nil {
			t.Errorf("pod %s: %v", name, err)
		}
	}
	return out.String(), errOut.String()
}
