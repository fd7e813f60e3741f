package durability

import (
	"context"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// guardRetry paces the guard's relists while the server is down.
const guardRetry = 50 * time.Millisecond

// guard replays every change of the selected pods in resourceVersion
// order — a list, then a watch resumed from its last resourceVersion
// across the kill, or a new list after 410 — so that its state after each
// event is the server's state at that revision. After each one it counts
// the Ready pods not being deleted: the lowest count over the run is
// exact for every revision it saw, which an informer's handlers cannot
// give (a relist reaches its store one object at a time).
type guard struct {
	mu        sync.Mutex
	pods      map[types.UID]*corev1.Pod
	minReady  int
	disrupted map[types.UID]string // pods stamped DisruptionTarget: name
	done      chan struct{}
}

// startGuard follows the pods matching selector until the test ends.
func startGuard(ctx context.Context, t *testing.T, client kubernetes.Interface, selector string) *guard {
	t.Helper()
	g := &guard{minReady: -1, disrupted: map[types.UID]string{}, done: make(chan struct{})}
	ctx, cancel := context.WithCancel(ctx)
	pods := client.CoreV1().Pods(namespace)
	lw := &cache.ListWatch{WatchFuncWithContext: func(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
		opts.LabelSelector = selector
		return pods.Watch(ctx, opts)
	}}
	rv, err := g.relist(ctx, pods, selector)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(g.done)
		for ctx.Err() == nil {
			if rv == "" {
				if rv, err = g.relist(ctx, pods, selector); err != nil {
					sleep(ctx, guardRetry)
					continue
				}
			}
			rv = g.follow(ctx, lw, rv)
		}
	}()
	t.Cleanup(func() { cancel(); <-g.done })
	return g
}

// relist replaces the state with a list (one revision) and returns its
// resourceVersion.
func (g *guard) relist(ctx context.Context, pods interface {
	List(context.Context, metav1.ListOptions) (*corev1.PodList, error)
}, selector string) (string, error) {
	list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return "", err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pods = map[types.UID]*corev1.Pod{}
	for i := range list.Items {
		g.pods[list.Items[i].UID] = &list.Items[i]
	}
	g.check()
	return list.ResourceVersion, nil
}

// follow applies the events from rv until the watch ends; it returns the
// resourceVersion to go on from, "" to relist (410).
func (g *guard) follow(ctx context.Context, lw cache.WatcherWithContext, rv string) string {
	w, err := watchtools.NewRetryWatcherWithContext(ctx, rv, lw)
	if err != nil {
		return ""
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		switch ev.Type {
		case watch.Error:
			if status := apierrors.FromObject(ev.Object); apierrors.IsResourceExpired(status) || apierrors.IsGone(status) {
				return ""
			}
			return rv
		case watch.Bookmark:
			continue
		}
		pod, ok := ev.Object.(*corev1.Pod)
		if !ok {
			continue
		}
		g.apply(ev.Type, pod)
		rv = pod.ResourceVersion
	}
	return rv
}

func (g *guard) apply(typ watch.EventType, pod *corev1.Pod) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if typ == watch.Deleted {
		delete(g.pods, pod.UID)
	} else {
		g.pods[pod.UID] = pod
	}
	if evictedByAPI(pod) {
		g.disrupted[pod.UID] = pod.Name
	}
	g.check()
}

// check counts the Ready pods not being deleted. The caller holds g.mu.
func (g *guard) check() {
	n := 0
	for _, pod := range g.pods {
		if pod.DeletionTimestamp == nil && isReady(pod) {
			n++
		}
	}
	if g.minReady < 0 || n < g.minReady {
		g.minReady = n
	}
}

// result returns the lowest count of Ready pods seen and the pods that
// were stamped DisruptionTarget.
func (g *guard) result() (minReady int, disrupted map[types.UID]string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	disrupted = make(map[types.UID]string, len(g.disrupted))
	for k, v := range g.disrupted {
		disrupted[k] = v
	}
	return g.minReady, disrupted
}

func isReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
