package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// settled counts, from watches, the Ready pods and the PDBs whose status
// the disruption controller has computed for a fully healthy workload.
// Counting in the handlers keeps the check O(1), so polling it costs
// nothing even with 30,000 pods.
type settled struct {
	createdPods, boundPods, readyPods, pdbs atomic.Int64
	want                                    workload
	// created, bound and ready are when every pod first existed, was
	// bound, was Ready: where the time went.
	created, bound, ready time.Time
}

// watchSettled starts informers on w's namespace; they stop with ctx.
func watchSettled(ctx context.Context, client kubernetes.Interface, w workload) (*settled, error) {
	s := &settled{want: w}
	factory := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithNamespace(w.ns))
	pods := factory.Core().V1().Pods().Informer()
	exists := func(*corev1.Pod) bool { return true }
	bound := func(pod *corev1.Pod) bool { return pod.Spec.NodeName != "" }
	for n, holds := range map[*atomic.Int64]func(*corev1.Pod) bool{&s.createdPods: exists, &s.boundPods: bound, &s.readyPods: podReady} {
		if _, err := pods.AddEventHandler(counter(n, holds)); err != nil {
			return nil, fmt.Errorf("pod handler: %w", err)
		}
	}
	pdbDone := func(pdb *policyv1.PodDisruptionBudget) bool { return s.pdbComputed(pdb) }
	if _, err := factory.Policy().V1().PodDisruptionBudgets().Informer().AddEventHandler(counter(&s.pdbs, pdbDone)); err != nil {
		return nil, fmt.Errorf("PDB handler: %w", err)
	}
	factory.Start(ctx.Done())
	go func() { <-ctx.Done(); factory.Shutdown() }()
	factory.WaitForCacheSync(ctx.Done())
	return s, nil
}

// done says whether every pod is Ready and every PDB computed.
func (s *settled) done() bool {
	return s.readyPods.Load() == int64(s.want.pods()) && s.pdbs.Load() == int64(s.want.pdbs())
}

// wait polls done every pollInterval until it holds or ctx ends.
func (s *settled) wait(ctx context.Context) error {
	const pollInterval = 5 * time.Millisecond
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for !s.done() {
		s.milestones()
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d/%d pods Ready, %d/%d PDBs computed: %w",
				s.readyPods.Load(), s.want.pods(), s.pdbs.Load(), s.want.pdbs(), ctx.Err())
		case <-tick.C:
		}
	}
	s.milestones()
	return nil
}

// milestones notes when every pod first existed, was bound, was Ready.
func (s *settled) milestones() {
	now, want := time.Now(), int64(s.want.pods())
	for _, m := range []struct {
		n  *atomic.Int64
		at *time.Time
	}{{&s.createdPods, &s.created}, {&s.boundPods, &s.bound}, {&s.readyPods, &s.ready}} {
		if m.at.IsZero() && m.n.Load() >= want {
			*m.at = now
		}
	}
}

// pdbComputed is a PDB of a healthy workload as the disruption controller
// reports it: every replica healthy and one disruption allowed.
func (s *settled) pdbComputed(pdb *policyv1.PodDisruptionBudget) bool {
	st := pdb.Status
	return st.ObservedGeneration == pdb.Generation && st.ExpectedPods == s.want.replicas &&
		st.CurrentHealthy == s.want.replicas && st.DisruptionsAllowed == 1
}

func podReady(pod *corev1.Pod) bool {
	if pod.DeletionTimestamp != nil {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// counter keeps n equal to the number of objects in the cache for which
// holds is true.
func counter[T any](n *atomic.Int64, holds func(T) bool) cache.ResourceEventHandler {
	test := func(obj any) bool {
		if t, ok := obj.(T); ok {
			return holds(t)
		}
		return false
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			if test(obj) {
				n.Add(1)
			}
		},
		UpdateFunc: func(old, obj any) {
			switch was, is := test(old), test(obj); {
			case is && !was:
				n.Add(1)
			case was && !is:
				n.Add(-1)
			}
		},
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if test(obj) {
				n.Add(-1)
			}
		},
	}
}
