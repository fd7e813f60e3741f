package durability

import (
	"context"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// checkWatchResumes opens a watch of the namespace's ConfigMaps from
// from, the last resourceVersion any client saw before the kill, on the
// restarted server. It must either deliver, in increasing resourceVersion
// order and each after from, an event for every write in want (writes
// acknowledged by the restarted server before the watch was opened), or
// answer 410 Expired, after which a list must hold every one of them. It
// says which happened.
func checkWatchResumes(ctx context.Context, t *testing.T, client kubernetes.Interface, from int64, want []ack) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, waitTimeout)
	defer cancel()
	cms := client.CoreV1().ConfigMaps(namespace)
	w, err := cms.Watch(ctx, metav1.ListOptions{ResourceVersion: strconv.FormatInt(from, 10)})
	if apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
		relist(ctx, t, client, want)
		return "410 Expired when opened, then a list"
	}
	if err != nil {
		t.Fatalf("watch from %d after the restart: %v", from, err)
	}
	defer w.Stop()
	missing := map[string]bool{}
	for _, a := range want {
		missing[a.name+"@"+a.rv] = true
	}
	last := from
	events := 0
	for len(missing) > 0 {
		var ev watch.Event
		select {
		case e, ok := <-w.ResultChan():
			if !ok {
				t.Fatalf("watch from %d closed after %d events, %d acknowledged writes not delivered", from, events, len(missing))
			}
			ev = e
		case <-ctx.Done():
			t.Fatalf("watch from %d: %d acknowledged writes not delivered after %d events: %v", from, len(missing), events, ctx.Err())
		}
		if ev.Type == watch.Error {
			if err := apierrors.FromObject(ev.Object); apierrors.IsResourceExpired(err) || apierrors.IsGone(err) {
				relist(ctx, t, client, want)
				return "410 Expired in the stream, then a list"
			}
			t.Fatalf("watch from %d: error event %v", from, ev.Object)
		}
		cm, ok := ev.Object.(*corev1.ConfigMap)
		if !ok {
			t.Fatalf("watch from %d: %s event of a %T", from, ev.Type, ev.Object)
		}
		events++
		got := rv(t, cm.ResourceVersion)
		if got <= last {
			t.Fatalf("watch from %d: %s event of %s at %d after one at %d", from, ev.Type, cm.Name, got, last)
		}
		last = got
		delete(missing, cm.Name+"@"+cm.ResourceVersion)
	}
	return "resumed: " + strconv.Itoa(events) + " events after " + strconv.FormatInt(from, 10)
}

// relist is what a client does after 410: list again, and find every
// acknowledged write in want at its resourceVersion or a later one.
func relist(ctx context.Context, t *testing.T, client kubernetes.Interface, want []ack) {
	t.Helper()
	list, err := client.CoreV1().ConfigMaps(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("relist after 410: %v", err)
	}
	byName := map[string]string{}
	for _, cm := range list.Items {
		byName[cm.Name] = cm.ResourceVersion
	}
	for _, a := range want {
		got, ok := byName[a.name]
		if !ok || rv(t, got) < rv(t, a.rv) {
			t.Errorf("relist after 410: %s at %q, acknowledged at %s", a.name, got, a.rv)
		}
	}
}
