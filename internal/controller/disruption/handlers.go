package disruption

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

// deletePDB forgets the PDB's selector and queues it.
func (c *Controller) deletePDB(obj any) {
	pdb, ok := obj.(*policyv1.PodDisruptionBudget)
	if t, isTombstone := obj.(cache.DeletedFinalStateUnknown); isTombstone {
		pdb, ok = t.Obj.(*policyv1.PodDisruptionBudget)
	}
	if ok {
		c.selectors.forget(pdb.UID)
	}
	c.enqueuePDB(obj)
}

// enqueuePDB queues a PDB on add, on every update (the controller's own
// status writes included, as upstream) and on delete.
func (c *Controller) enqueuePDB(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		c.log.Error("PodDisruptionBudget key", "err", err)
		return
	}
	c.queue.Add(key)
}

func (c *Controller) addPod(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	c.enqueuePDBForPod(pod)
	c.enqueueIfStale(pod)
}

// updatePod does not filter on resourceVersion: resyncs re-run the sync too.
func (c *Controller) updatePod(_, cur any) {
	c.addPod(cur)
}

func (c *Controller) deletePod(obj any) {
	if tombstone, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tombstone.Obj
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		c.enqueuePDBForPod(pod)
	}
}

// enqueuePDBForPod queues only the first PDB that selects pod, as upstream
// does; a pod covered by several PDBs gets a warning event instead of
// waking them all (the eviction handler refuses such pods anyway).
func (c *Controller) enqueuePDBForPod(pod *corev1.Pod) {
	if pdb := c.pdbForPod(pod); pdb != nil {
		c.enqueuePDB(pdb)
	}
}

func (c *Controller) pdbForPod(pod *corev1.Pod) *policyv1.PodDisruptionBudget {
	all, err := c.pdbs.PodDisruptionBudgets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return nil
	}
	pdbs := c.selectors.matching(pod, all)
	if len(pdbs) == 0 {
		return nil
	}
	if len(pdbs) > 1 {
		// Two spaces before "Chose": the upstream message, verbatim.
		msg := fmt.Sprintf("Pod %q/%q matches multiple PodDisruptionBudgets.  Chose %q arbitrarily.", pod.Namespace, pod.Name, pdbs[0].Name)
		c.recorder.Event(pod, corev1.EventTypeWarning, "MultiplePodDisruptionBudgets", msg)
	}
	return pdbs[0]
}

// enqueueIfStale schedules the stale DisruptionTarget check for when the
// condition turns two minutes old.
func (c *Controller) enqueueIfStale(pod *corev1.Pod) {
	if stale, wait := c.staleDisruptionCondition(pod); stale {
		c.enqueueStalePod(pod, wait)
	}
}

func (c *Controller) enqueueStalePod(pod *corev1.Pod, after time.Duration) {
	key, err := cache.MetaNamespaceKeyFunc(pod)
	if err != nil {
		c.log.Error("pod key", "err", err)
		return
	}
	c.staleQueue.AddAfter(key, after)
}
