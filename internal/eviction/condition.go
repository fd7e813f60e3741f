package eviction

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/evictd/evictd/internal/registry/store"
)

// The condition an eviction stamps on its pod before deleting it.
const (
	conditionReason  = "EvictionByEvictionAPI"
	conditionMessage = "Eviction API: evicting"
)

// addConditionAndDelete is Phase E: stamp DisruptionTarget on the latest
// stored pod through the status rules (not in a dry run), then delete it
// with opts. A resourceVersion precondition is moved to the version of our
// own status write, so that write cannot trip it. As upstream, which
// writes the condition through the pod status registry directly and not
// through a request handler, the write leaves managedFields alone: no
// manager owns the condition (and the eviction's hot path skips the
// managedFields merge, most of its CPU).
func (e *Evictor) addConditionAndDelete(ctx context.Context, req *Request, name string, opts *metav1.DeleteOptions) error {
	if !req.dryRun() {
		out, _, err := e.pods.Update(ctx, req.Namespace, name, func(current runtime.Object) (runtime.Object, error) {
			if current == nil {
				return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, name)
			}
			pod := current.(*corev1.Pod)
			if err := e.pods.CheckPreconditions(name, pod, opts.Preconditions); err != nil {
				return nil, err
			}
			setDisruptionTarget(pod, metav1.NewTime(e.clock.Now()))
			return pod, nil
		}, store.UpdateOptions{Subresource: "status", KeepManagedFields: true})
		if err != nil {
			return err
		}
		if hasRV(opts) {
			opts = opts.DeepCopy()
			opts.Preconditions = withRV(opts.Preconditions, out.(*corev1.Pod).ResourceVersion)
		}
	}
	_, _, err := e.pods.Delete(ctx, req.Namespace, name, opts)
	return err
}

// setDisruptionTarget upserts the DisruptionTarget condition, keeping its
// lastTransitionTime when it was already True.
func setDisruptionTarget(pod *corev1.Pod, now metav1.Time) {
	cond := corev1.PodCondition{
		Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
		Reason: conditionReason, Message: conditionMessage, LastTransitionTime: now,
	}
	for i := range pod.Status.Conditions {
		c := &pod.Status.Conditions[i]
		if c.Type != cond.Type {
			continue
		}
		if c.Status == cond.Status {
			cond.LastTransitionTime = c.LastTransitionTime
		}
		cond.LastProbeTime = c.LastProbeTime
		*c = cond
		return
	}
	pod.Status.Conditions = append(pod.Status.Conditions, cond)
}
