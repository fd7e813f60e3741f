package daemonset

import (
	"context"
	"encoding/json"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"github.com/evictd/evictd/internal/controller/ownership"
)

var everything = labels.Everything()

// owner is the ownership manager of set for one resource; adoption first
// re-reads the set and refuses if it is being deleted or was replaced.
func (c *Controller) owner(set *appsv1.DaemonSet, patch ownership.PatchFunc) (*ownership.Manager, error) {
	selector, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("selector of DaemonSet %s/%s: %w", set.Namespace, set.Name, err)
	}
	recheck := ownership.RecheckDeletionTimestamp(func(ctx context.Context) (metav1.Object, error) {
		fresh, err := c.client.AppsV1().DaemonSets(set.Namespace).Get(ctx, set.Name, metav1.GetOptions{})
		if err != nil {
			return nil, err
		}
		if fresh.UID != set.UID {
			return nil, fmt.Errorf("original DaemonSet %s/%s is gone: got uid %s, wanted %s", set.Namespace, set.Name, fresh.UID, set.UID)
		}
		return fresh, nil
	})
	return ownership.NewManager(set, controllerKind, selector, recheck, patch), nil
}

// claimedPods returns the pods the set owns after adoption and release.
func (c *Controller) claimedPods(ctx context.Context, set *appsv1.DaemonSet) ([]*corev1.Pod, error) {
	m, err := c.owner(set, ownership.PatchPods(c.client))
	if err != nil {
		return nil, err
	}
	all, err := c.pods.Pods(set.Namespace).List(everything)
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	pods, err := ownership.Claim(ctx, m, all)
	if err != nil {
		return nil, fmt.Errorf("claim pods of DaemonSet %s/%s: %w", set.Namespace, set.Name, err)
	}
	return pods, nil
}

// nodeToDaemonPods maps node names to the set's pods for them. Pods that
// are both finished and being deleted are left out unless
// includeDeletedTerminal: nothing is left to do with them but history
// keeps their revisions.
func (c *Controller) nodeToDaemonPods(ctx context.Context, set *appsv1.DaemonSet, includeDeletedTerminal bool) (map[string][]*corev1.Pod, error) {
	pods, err := c.claimedPods(ctx, set)
	if err != nil {
		return nil, err
	}
	byNode := map[string][]*corev1.Pod{}
	for _, pod := range pods {
		if !includeDeletedTerminal && isTerminal(pod) && pod.DeletionTimestamp != nil {
			continue
		}
		node, err := targetNodeName(pod)
		if err != nil {
			c.log.Info("daemon pod has no target node", "pod", pod.Namespace+"/"+pod.Name, "err", err)
			continue
		}
		byNode[node] = append(byNode[node], pod)
	}
	return byNode, nil
}

// relabel moves pods labelled with revision hash from to hash to.
func (c *Controller) relabel(ctx context.Context, pods []*corev1.Pod, from, to string) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"labels": map[string]string{appsv1.DefaultDaemonSetUniqueLabelKey: to},
	}})
	if err != nil {
		return err
	}
	for _, pod := range pods {
		if pod.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] != from {
			continue
		}
		_, err := c.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		if err != nil {
			return fmt.Errorf("relabel pod %s/%s: %w", pod.Namespace, pod.Name, err)
		}
	}
	return nil
}
