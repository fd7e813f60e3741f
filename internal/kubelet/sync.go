package kubelet

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

// syncPod brings the pod at key up to date: it re-reads the pod, plays its
// processes forward to now, writes the status that follows, finishes a
// terminated pod with the grace-0 DELETE, and queues the key for its next
// transition. Running it early, late or twice is harmless.
func (c *controller) syncPod(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return err
	}
	pod, err := c.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.sim.forget(key) // deleted, or force-deleted: nothing left to do
		return nil
	}
	if err != nil {
		return err
	}
	n := c.sim.nodes[pod.Spec.NodeName]
	if n == nil {
		c.sim.forget(key)
		return nil
	}
	now := c.clock.Now()
	p, fresh := c.sim.procFor(pod, n, now)
	p.mu.Lock()
	defer p.mu.Unlock()
	if fresh {
		if err := p.admit(pod, now); err != nil {
			return err
		}
	}
	if p.deleteSent || p.gone {
		return nil
	}
	evs := p.play(pod, fresh, now)
	c.record(pod, evs)
	if next := p.nextAt(); !next.IsZero() {
		c.podQueue.AddAfter(key, next.Sub(now))
	}
	if !p.frozen {
		if pod, err = c.writeStatus(ctx, pod, p.status(pod, now)); err != nil || pod == nil {
			return err
		}
	}
	return c.finish(ctx, pod, p)
}

// admit prepares a pod seen for the first time: a pod already terminal is
// left as it is; others get an address of their node's range (the one
// they have, if free) and resume what an earlier kubelet left running.
func (p *proc) admit(pod *corev1.Pod, now time.Time) error {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		p.frozen = true
		for _, c := range p.conts {
			c.startAt = time.Time{}
		}
		return nil
	}
	p.node.mu.Lock()
	defer p.node.mu.Unlock()
	ip, err := p.node.pods.take(pod.Status.PodIP)
	if err != nil {
		return fmt.Errorf("pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	p.ip = ip
	p.resume(pod, now)
	return nil
}

// play advances p to now and starts or shortens its kill when the pod is
// being deleted. Transitions due before now happen before the kill.
func (p *proc) play(pod *corev1.Pod, fresh bool, now time.Time) []podEvent {
	var evs []podEvent
	if !fresh || pod.DeletionTimestamp == nil {
		evs = p.advance(now)
	}
	if pod.DeletionTimestamp != nil {
		evs = append(evs, p.terminate(gracePeriod(pod), now)...)
		evs = append(evs, p.advance(now)...)
	}
	return evs
}

// nextAt is the time of p's next transition; zero for none.
func (p *proc) nextAt() time.Time {
	_, at := p.next()
	return at
}

func (c *controller) record(pod *corev1.Pod, evs []podEvent) {
	if len(evs) == 0 {
		return
	}
	r := c.recorderFor(pod.Spec.NodeName)
	for _, e := range evs {
		r.Event(pod, e.typ, e.reason, e.message)
	}
}

// writeStatus patches pods/status from the pod's status to want, with the
// UID as precondition, and returns the pod as stored (pod itself when
// nothing changed, nil when it is gone).
func (c *controller) writeStatus(ctx context.Context, pod *corev1.Pod, want *corev1.PodStatus) (*corev1.Pod, error) {
	if equality.Semantic.DeepEqual(&pod.Status, want) {
		return pod, nil
	}
	patch, err := statusPatch(pod.Status, want, &corev1.Pod{}, pod.UID)
	if err != nil {
		return nil, err
	}
	got, err := c.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("patch status of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return got, nil
}

// finish deletes a pod being deleted once all its containers stopped and
// the API holds its terminal phase (upstream's canBeDeleted): grace 0, UID
// precondition, once. Finalizers then keep the object as long as they
// like.
func (c *controller) finish(ctx context.Context, pod *corev1.Pod, p *proc) error {
	terminal := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
	if pod.DeletionTimestamp == nil || !terminal || !p.allStopped() {
		return nil
	}
	err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptr.To[int64](0),
		Preconditions:      &metav1.Preconditions{UID: &pod.UID},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("delete pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	p.deleteSent = true
	return nil
}
