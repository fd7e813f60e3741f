package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"github.com/evictd/evictd/internal/pki"
	"github.com/evictd/evictd/internal/server"
	"github.com/evictd/evictd/internal/storage/memory"
)

// start runs a server on a fresh memory store and returns a default
// client-go clientset (protobuf bodies, WatchList informers) and the store.
func start(t *testing.T) (kubernetes.Interface, *memory.Store) {
	t.Helper()
	bundle, err := pki.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.New(memory.Options{})
	srv, err := server.Start(t.Context(), server.Config{Listen: "127.0.0.1:0", PKI: bundle, Storage: mem, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return kubernetes.NewForConfigOrDie(srv.RESTConfig()), mem
}

func testPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
	}
}

// recorder collects informer notifications as "TYPE name" lines.
type recorder struct {
	mu     sync.Mutex
	events []string
	notify chan struct{}
}

func newRecorder() *recorder { return &recorder{notify: make(chan struct{}, 1)} }

func (r *recorder) add(kind string, obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	m, _ := obj.(metav1.Object)
	r.mu.Lock()
	r.events = append(r.events, kind+" "+m.GetName())
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

func (r *recorder) handler() cache.ResourceEventHandlerFuncs {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { r.add("ADD", obj) },
		UpdateFunc: func(_, obj any) { r.add("UPDATE", obj) },
		DeleteFunc: func(obj any) { r.add("DELETE", obj) },
	}
}

// waitFor waits until the recorded events equal want.
func (r *recorder) waitFor(t *testing.T, want []string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		got := fmt.Sprint(r.events)
		r.mu.Unlock()
		if got == fmt.Sprint(want) {
			return
		}
		select {
		case <-r.notify:
		case <-deadline:
			t.Fatalf("events = %s, want %s", got, fmt.Sprint(want))
		}
	}
}

func TestInformersSyncAndDeliverInOrder(t *testing.T) {
	t.Parallel()
	client, _ := start(t)
	ctx, cancel := context.WithCancel(t.Context())
	if _, err := client.CoreV1().Pods("default").Create(ctx, testPod("before"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	factory := informers.NewSharedInformerFactory(client, 0)
	pods, nodes := newRecorder(), newRecorder()
	if _, err := factory.Core().V1().Pods().Informer().AddEventHandler(pods.handler()); err != nil {
		t.Fatal(err)
	}
	if _, err := factory.Core().V1().Nodes().Informer().AddEventHandler(nodes.handler()); err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	defer factory.Shutdown()
	defer cancel() // runs first: informers stop, then Shutdown returns
	syncCtx, cancelSync := context.WithTimeout(ctx, 10*time.Second)
	defer cancelSync()
	for typ, ok := range factory.WaitForCacheSync(syncCtx.Done()) {
		if !ok {
			t.Fatalf("informer for %v did not sync", typ)
		}
	}
	pods.waitFor(t, []string{"ADD before"})
	nodes.waitFor(t, []string{"ADD n1"})

	p, err := client.CoreV1().Pods("default").Create(ctx, testPod("after"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Labels["tier"] = "front"
	if _, err := client.CoreV1().Pods("default").Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := client.CoreV1().Pods("default").Delete(ctx, "before", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := client.CoreV1().Nodes().Delete(ctx, "n1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	// An unscheduled pod is deleted at once, but like upstream it is first
	// marked with deletionTimestamp (one MODIFIED), then removed.
	pods.waitFor(t, []string{"ADD before", "ADD after", "UPDATE after", "UPDATE before", "DELETE before"})
	nodes.waitFor(t, []string{"ADD n1", "DELETE n1"})
}

func TestWatchResumesFromResourceVersion(t *testing.T) {
	t.Parallel()
	client, _ := start(t)
	ctx := t.Context()
	pods := client.CoreV1().Pods("default")
	first, err := pods.Create(ctx, testPod("a"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := pods.Watch(ctx, metav1.ListOptions{ResourceVersion: first.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Create(ctx, testPod("b"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ev := next(t, w)
	if ev.Type != watch.Added || ev.Object.(*corev1.Pod).Name != "b" {
		t.Fatalf("first event %s %v", ev.Type, ev.Object)
	}
	lastRV := ev.Object.(*corev1.Pod).ResourceVersion
	w.Stop() // the connection drops

	// Changes made while no watch is open are replayed from lastRV.
	if _, err := pods.Create(ctx, testPod("c"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pods.Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	w, err = pods.Watch(ctx, metav1.ListOptions{ResourceVersion: lastRV})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for _, want := range []struct {
		typ  watch.EventType
		name string
	}{{watch.Added, "c"}, {watch.Modified, "a"}, {watch.Deleted, "a"}} {
		ev := next(t, w)
		if ev.Type != want.typ || ev.Object.(*corev1.Pod).Name != want.name {
			t.Fatalf("got %s %s, want %s %s", ev.Type, ev.Object.(*corev1.Pod).Name, want.typ, want.name)
		}
	}
}

func TestWatchFromCompactedRevisionIsGoneAndReflectorRelists(t *testing.T) {
	t.Parallel()
	client, mem := start(t)
	ctx := t.Context()
	pods := client.CoreV1().Pods("default")
	old, err := pods.Create(ctx, testPod("old"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = pods.Create(ctx, testPod("new"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rev, err := mem.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := mem.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}

	// A raw watch from the compacted revision gets an ERROR 410 Expired.
	w, err := pods.Watch(ctx, metav1.ListOptions{ResourceVersion: old.ResourceVersion})
	if err == nil {
		ev := next(t, w)
		w.Stop()
		if ev.Type != watch.Error {
			t.Fatalf("got %s, want ERROR", ev.Type)
		}
		err = apierrors.FromObject(ev.Object)
	}
	if !apierrors.IsResourceExpired(err) && !apierrors.IsGone(err) {
		t.Fatalf("watch from compacted revision: %v, want 410 Expired", err)
	}

	// A reflector whose watch is resumed from the compacted revision gets
	// the 410 and relists. The wrapper makes the first watch end after a
	// second and the second one resume from the compacted revision.
	var lists, watches atomic.Int32
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			lists.Add(1)
			return pods.List(ctx, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			if o.SendInitialEvents != nil && *o.SendInitialEvents {
				lists.Add(1) // a streaming list is a list too
			}
			switch watches.Add(1) {
			case 1:
				one := int64(1)
				o.TimeoutSeconds = &one
			case 2:
				o.ResourceVersion, o.SendInitialEvents, o.ResourceVersionMatch = old.ResourceVersion, nil, ""
			}
			return pods.Watch(ctx, o)
		},
	}
	store := cache.NewStore(cache.MetaNamespaceKeyFunc)
	r := cache.NewReflector(lw, &corev1.Pod{}, store, 0)
	go r.RunWithContext(ctx)
	deadline := time.Now().Add(20 * time.Second)
	for lists.Load() < 2 || len(store.ListKeys()) != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("reflector did not relist: lists %d, watches %d, keys %v", lists.Load(), watches.Load(), store.ListKeys())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func next(t *testing.T, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatal("watch closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no watch event within 10s")
	}
	return watch.Event{}
}

func TestDeleteCollectionDeletesOnlyTheSelected(t *testing.T) {
	t.Parallel()
	client, _ := start(t)
	ctx := t.Context()
	pods := client.CoreV1().Pods("default")
	for _, name := range []string{"a", "b", "c"} {
		p := testPod(name)
		if name == "c" {
			p.Labels = map[string]string{"app": "db"}
		}
		if _, err := pods.Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := pods.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "app=web"}); err != nil {
		t.Fatal(err)
	}
	left, err := pods.List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(left.Items) != 1 || left.Items[0].Name != "c" {
		t.Fatalf("pods left: %d, want only c", len(left.Items))
	}
}

// TestListPagination: limit/continue pages through a consistent snapshot:
// objects created after the first page do not appear in later pages, and
// a continue token whose revision was compacted is 410 Expired.
func TestListPagination(t *testing.T) {
	t.Parallel()
	client, mem := start(t)
	ctx := t.Context()
	pods := client.CoreV1().Pods("default")
	for i := range 7 {
		if _, err := pods.Create(ctx, testPod(fmt.Sprintf("p-%d", i)), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	first, err := pods.List(ctx, metav1.ListOptions{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Items) != 3 || first.Continue == "" || first.RemainingItemCount == nil || *first.RemainingItemCount != 4 {
		t.Fatalf("first page: %d items, continue %q, remaining %v", len(first.Items), first.Continue, first.RemainingItemCount)
	}
	if _, err := pods.Create(ctx, testPod("p-9-late"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, p := range first.Items {
		names = append(names, p.Name)
	}
	token := first.Continue
	for token != "" {
		page, err := pods.List(ctx, metav1.ListOptions{Limit: 3, Continue: token})
		if err != nil {
			t.Fatal(err)
		}
		if page.ResourceVersion != first.ResourceVersion {
			t.Errorf("page at resourceVersion %s, want the first page's %s", page.ResourceVersion, first.ResourceVersion)
		}
		for _, p := range page.Items {
			names = append(names, p.Name)
		}
		token = page.Continue
	}
	if fmt.Sprint(names) != "[p-0 p-1 p-2 p-3 p-4 p-5 p-6]" {
		t.Errorf("paged names %v", names)
	}
	rev, err := mem.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := mem.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.List(ctx, metav1.ListOptions{Limit: 3, Continue: first.Continue}); !apierrors.IsResourceExpired(err) {
		t.Errorf("continue after compaction: %v, want 410 Expired", err)
	}
}
