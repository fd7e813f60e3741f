package durability

import (
	"context"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// follower is a shared informer factory on the test's namespace (pods and
// budgets) that lives across the kill and the restart: its reflectors see
// the watch break, reconnect to the restarted server on the same address,
// and resume from their last resourceVersion or relist. Its handlers
// check the budget on every event they see.
type follower struct {
	factory informers.SharedInformerFactory
	pods    cache.SharedIndexInformer
	pdbs    cache.SharedIndexInformer
	seen    *rvMax

	mu             sync.Mutex
	maxTerminating int   // most pods with a deletionTimestamp in the cache at once
	minHealthy     int32 // lowest status.currentHealthy of the budget seen
}

// startFollower starts the informers and waits for their first sync. The
// factory stops when ctx ends; the test's cleanup waits for it.
func startFollower(ctx context.Context, t *testing.T, client kubernetes.Interface, seen *rvMax) *follower {
	t.Helper()
	f := &follower{seen: seen, minHealthy: budgetPods,
		factory: informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(namespace))}
	f.pods = f.factory.Core().V1().Pods().Informer()
	f.pdbs = f.factory.Policy().V1().PodDisruptionBudgets().Informer()
	onPod := func(obj any) {
		pod := obj.(*corev1.Pod)
		f.seen.see(pod.ResourceVersion)
		f.countTerminating()
	}
	onPDB := func(obj any) {
		pdb := obj.(*policyv1.PodDisruptionBudget)
		f.seen.see(pdb.ResourceVersion)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.minHealthy = min(f.minHealthy, pdb.Status.CurrentHealthy)
	}
	for inf, on := range map[cache.SharedIndexInformer]func(any){f.pods: onPod, f.pdbs: onPDB} {
		if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc: on, UpdateFunc: func(_, obj any) { on(obj) },
		}); err != nil {
			t.Fatal(err)
		}
	}
	f.factory.Start(ctx.Done())
	t.Cleanup(f.factory.Shutdown)
	if !cache.WaitForCacheSync(ctx.Done(), f.pods.HasSynced, f.pdbs.HasSynced) {
		t.Fatal("informers did not sync")
	}
	return f
}

// countTerminating records how many pods of the cache are terminating.
func (f *follower) countTerminating() {
	n := 0
	for _, obj := range f.pods.GetStore().List() {
		if obj.(*corev1.Pod).DeletionTimestamp != nil {
			n++
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.maxTerminating = max(f.maxTerminating, n)
}

func (f *follower) extremes() (maxTerminating int, minHealthy int32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxTerminating, f.minHealthy
}

// checkCaught waits until the follower's caches hold exactly what a fresh
// list says, object for object and resourceVersion for resourceVersion:
// the reflectors survived the kill with nothing missed.
func (f *follower) checkCaught(ctx context.Context, t *testing.T, client kubernetes.Interface) {
	t.Helper()
	var diff string
	err := wait.PollUntilContextTimeout(ctx, 20*time.Millisecond, waitTimeout, true, func(ctx context.Context) (bool, error) {
		pods, err := client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		pdbs, err := client.PolicyV1().PodDisruptionBudgets(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		want := map[string]string{}
		for _, p := range pods.Items {
			want["pod/"+p.Name] = p.ResourceVersion
		}
		for _, p := range pdbs.Items {
			want["pdb/"+p.Name] = p.ResourceVersion
		}
		got := map[string]string{}
		for _, obj := range f.pods.GetStore().List() {
			got["pod/"+obj.(metav1.Object).GetName()] = obj.(metav1.Object).GetResourceVersion()
		}
		for _, obj := range f.pdbs.GetStore().List() {
			got["pdb/"+obj.(metav1.Object).GetName()] = obj.(metav1.Object).GetResourceVersion()
		}
		diff = mapDiff(want, got)
		return diff == "", nil
	})
	if err != nil {
		t.Fatalf("the informer's cache never matched a fresh list after the restart (%v): %s", err, diff)
	}
}

// mapDiff names the first key on which want and got differ, "" if none.
func mapDiff(want, got map[string]string) string {
	for k, v := range want {
		if got[k] != v {
			return k + ": listed at " + v + ", cached at " + got[k]
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			return k + ": cached at " + v + ", not listed"
		}
	}
	return ""
}
