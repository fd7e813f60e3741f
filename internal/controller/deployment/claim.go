package deployment

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/evictd/evictd/internal/controller/ownership"
)

// controllerKind is what the ReplicaSets' controller references name.
var controllerKind = appsv1.SchemeGroupVersion.WithKind("Deployment")

// claimReplicaSets lists every ReplicaSet of d's namespace (so owned ones
// that stopped matching are seen and released), adopts matching orphans
// and returns the ReplicaSets d owns.
func (c *Controller) claimReplicaSets(ctx context.Context, d *appsv1.Deployment) ([]*appsv1.ReplicaSet, error) {
	all, err := c.rss.ReplicaSets(d.Namespace).List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("list ReplicaSets: %w", err)
	}
	selector, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("deployment %s/%s has an invalid label selector: %w", d.Namespace, d.Name, err)
	}
	// Adoption first re-reads the Deployment live: an orphan adopted by a
	// Deployment being deleted would be garbage-collected with it.
	canAdopt := ownership.RecheckDeletionTimestamp(func(ctx context.Context) (metav1.Object, error) {
		fresh, err := c.client.AppsV1().Deployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		if fresh.UID != d.UID {
			return nil, fmt.Errorf("original Deployment %s/%s is gone: got uid %v, wanted %v", d.Namespace, d.Name, fresh.UID, d.UID)
		}
		return fresh, nil
	})
	m := ownership.NewManager(d, controllerKind, selector, canAdopt, ownership.PatchReplicaSets(c.client))
	return ownership.Claim(ctx, m, all)
}

// podsByReplicaSet groups the pods d's selector matches by the ReplicaSet
// of rss controlling them. Terminating and finished pods are kept: a
// Recreate rollout must wait until no old pod is running.
func (c *Controller) podsByReplicaSet(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) (map[types.UID][]*corev1.Pod, error) {
	selector, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("deployment %s/%s has an invalid label selector: %w", d.Namespace, d.Name, err)
	}
	pods, err := c.pods.Pods(d.Namespace).List(selector)
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	podMap := make(map[types.UID][]*corev1.Pod, len(rss))
	for _, rs := range rss {
		podMap[rs.UID] = nil
	}
	for _, pod := range pods {
		ref := metav1.GetControllerOf(pod)
		if ref == nil {
			continue
		}
		if list, ok := podMap[ref.UID]; ok {
			podMap[ref.UID] = append(list, pod)
		}
	}
	return podMap, nil
}
