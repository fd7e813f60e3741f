package namespace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// finalizerEstimateSeconds is upstream's guess of how long objects held by
// finalizers (the garbage collector's, typically) take to go.
const finalizerEstimateSeconds int64 = 15

// remaining is what one resource (or all of them) still holds.
type remaining struct {
	estimate    int64
	count       int
	byFinalizer map[string]int
	byResource  map[schema.GroupVersionResource]int
}

// deleteAllContent deletes every object of every deletable namespaced
// resource in ns and reports, through ns's status conditions, what failed
// and what remains. Errors of one resource do not stop the others.
func (d *deleter) deleteAllContent(ctx context.Context, ns *corev1.Namespace) (int64, error) {
	var errs []error
	conditions := conditionUpdater{now: metav1.NewTime(d.clock.Now())}
	resources, err := d.discover()
	if err != nil {
		// Partial discovery still lets the discovered resources go.
		errs = append(errs, err)
		conditions.discoveryFailed(err)
	}
	deletable := discovery.FilteredBy(discovery.SupportsAllVerbs{Verbs: []string{"delete"}}, resources)
	gvrs, err := discovery.GroupVersionResources(deletable)
	if err != nil {
		errs = append(errs, err)
		conditions.groupVersionFailed(err)
	}
	total := remaining{byFinalizer: map[string]int{}, byResource: map[schema.GroupVersionResource]int{}}
	for _, gvr := range sortedResources(gvrs) {
		r, err := d.deleteResource(ctx, gvr, ns)
		if err != nil {
			errs = append(errs, err)
			conditions.deleteContentFailed(err)
		}
		total.estimate = max(total.estimate, r.estimate)
		if r.count > 0 {
			total.byResource[gvr] = r.count
			for f, n := range r.byFinalizer {
				total.byFinalizer[f] += n
			}
		}
	}
	conditions.contentTotals(total)
	// Always written when changed: a condition that says "it worked" after
	// an earlier failure is news too.
	if conditions.apply(&ns.Status) {
		if _, err := d.client.CoreV1().Namespaces().UpdateStatus(ctx, ns, metav1.UpdateOptions{}); err != nil {
			d.log.Error("updating namespace conditions", "namespace", ns.Name, "err", err)
		}
	}
	return total.estimate, errors.Join(errs...)
}

func sortedResources(set map[schema.GroupVersionResource]struct{}) []schema.GroupVersionResource {
	out := make([]schema.GroupVersionResource, 0, len(set))
	for gvr := range set {
		out = append(out, gvr)
	}
	slices.SortFunc(out, func(a, b schema.GroupVersionResource) int {
		return cmpStrings(a.Group+"/"+a.Resource, b.Group+"/"+b.Resource)
	})
	return out
}

func cmpStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// deleteResource deletes gvr's objects in ns (one deletecollection, or one
// by one where that is not supported) and lists what remains. Remaining
// objects are expected while pods are in their grace period or objects
// carry finalizers; otherwise they are an error.
func (d *deleter) deleteResource(ctx context.Context, gvr schema.GroupVersionResource, ns *corev1.Namespace) (remaining, error) {
	estimate, err := d.estimateGracefulTermination(ctx, gvr, ns)
	if err != nil {
		return remaining{}, err
	}
	r := remaining{estimate: estimate}
	supported, err := d.deleteCollection(ctx, gvr, ns.Name)
	if err != nil {
		return r, err
	}
	if !supported {
		if err := d.deleteEachItem(ctx, gvr, ns.Name); err != nil {
			return r, err
		}
	}
	items, listed, err := d.listCollection(ctx, gvr, ns.Name)
	if err != nil || !listed {
		return r, err
	}
	r.count = len(items.Items)
	r.byFinalizer = map[string]int{}
	for _, item := range items.Items {
		for _, f := range item.Finalizers {
			r.byFinalizer[f]++
		}
	}
	switch {
	case r.count == 0 || estimate > 0:
		return r, nil
	case len(r.byFinalizer) > 0:
		r.estimate = finalizerEstimateSeconds
		return r, nil
	}
	return r, fmt.Errorf("unexpected items still remain in namespace: %s for gvr: %v", ns.Name, gvr)
}

// deleteCollection deletes all of gvr in ns at once and reports whether
// the server supports it. Background propagation: the garbage collector
// must not leave orphan finalizers behind.
func (d *deleter) deleteCollection(ctx context.Context, gvr schema.GroupVersionResource, ns string) (bool, error) {
	key := operationKey{operation: "deletecollection", gvr: gvr}
	if d.unsupported.has(key) {
		return false, nil
	}
	background := metav1.DeletePropagationBackground
	err := d.metadata.Resource(gvr).Namespace(ns).DeleteCollection(ctx, metav1.DeleteOptions{PropagationPolicy: &background}, metav1.ListOptions{})
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsMethodNotSupported(err) || apierrors.IsNotFound(err):
		// Upstream treats 404 like 405 here: some resources are
		// discoverable without top-level verbs.
		d.unsupported.add(key)
		return false, nil
	}
	return true, fmt.Errorf("deleting all %s in %s: %w", gvr, ns, err)
}

// listCollection lists gvr in ns and reports whether listing is supported.
func (d *deleter) listCollection(ctx context.Context, gvr schema.GroupVersionResource, ns string) (*metav1.PartialObjectMetadataList, bool, error) {
	key := operationKey{operation: "list", gvr: gvr}
	if d.unsupported.has(key) {
		return nil, false, nil
	}
	list, err := d.metadata.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
	switch {
	case err == nil:
		return list, true, nil
	case apierrors.IsMethodNotSupported(err) || apierrors.IsNotFound(err):
		d.unsupported.add(key)
		return nil, false, nil
	}
	return nil, true, fmt.Errorf("listing %s in %s: %w", gvr, ns, err)
}

// deleteEachItem deletes gvr's objects in ns one by one.
func (d *deleter) deleteEachItem(ctx context.Context, gvr schema.GroupVersionResource, ns string) error {
	items, listed, err := d.listCollection(ctx, gvr, ns)
	if err != nil || !listed {
		return err
	}
	background := metav1.DeletePropagationBackground
	for _, item := range items.Items {
		err := d.metadata.Resource(gvr).Namespace(ns).Delete(ctx, item.Name, metav1.DeleteOptions{PropagationPolicy: &background})
		if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsMethodNotSupported(err) {
			return fmt.Errorf("deleting %s %s/%s: %w", gvr, ns, item.Name, err)
		}
	}
	return nil
}

// estimateGracefulTermination is the longest terminationGracePeriodSeconds
// of ns's non-terminal pods, counted from the namespace's deletion; zero
// once that much time has passed or for resources other than pods.
func (d *deleter) estimateGracefulTermination(ctx context.Context, gvr schema.GroupVersionResource, ns *corev1.Namespace) (int64, error) {
	if gvr.GroupResource() != (schema.GroupResource{Resource: "pods"}) {
		return 0, nil
	}
	pods, err := d.client.CoreV1().Pods(ns.Name).List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, fmt.Errorf("listing pods in %s to estimate their termination: %w", ns.Name, err)
	}
	var estimate int64
	for _, pod := range pods.Items {
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue
		}
		if g := pod.Spec.TerminationGracePeriodSeconds; g != nil && *g > estimate {
			estimate = *g
		}
	}
	if d.clock.Since(ns.DeletionTimestamp.Time) >= secs(estimate) {
		return 0, nil
	}
	return estimate, nil
}

// operationKey names an operation on a resource.
type operationKey struct {
	operation string
	gvr       schema.GroupVersionResource
}

// operationCache remembers unsupported operations; workers share it.
type operationCache struct {
	mu sync.RWMutex
	m  map[operationKey]bool
}

func newOperationCache() *operationCache { return &operationCache{m: map[operationKey]bool{}} }

func (c *operationCache) has(key operationKey) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[key]
}

func (c *operationCache) add(key operationKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = true
}
