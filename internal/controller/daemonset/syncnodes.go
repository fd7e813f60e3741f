package daemonset

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// syncNodes deletes the pods named in remove and creates a pod for each
// node in create, at most BurstReplicas of each, after recording them as
// expectations. Creations go in slow-start batches (1, 2, 4…) and stop
// after a batch with a failure, so a quota or admission refusal costs one
// request instead of hundreds; the skipped ones are no longer expected.
func (c *Controller) syncNodes(ctx context.Context, set *appsv1.DaemonSet, remove, create []string, hash string) error {
	key, err := cache.MetaNamespaceKeyFunc(set)
	if err != nil {
		return err
	}
	create, remove = create[:min(len(create), BurstReplicas)], remove[:min(len(remove), BurstReplicas)]
	c.expectations.SetExpectations(key, len(create), len(remove))
	template := podTemplate(set, hash)
	var mu sync.Mutex
	var errs []error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	for pos, batch := 0, min(len(create), 1); pos < len(create); pos, batch = pos+batch, min(2*batch, len(create)-pos-batch) {
		failed := len(errs)
		var wg sync.WaitGroup
		for _, node := range create[pos : pos+batch] {
			wg.Go(func() {
				if err := c.createDaemonPod(ctx, set, template, node); err != nil {
					c.expectations.CreationObserved(key)
					fail(err)
				}
			})
		}
		wg.Wait()
		if skipped := len(create) - pos - batch; len(errs) > failed && skipped > 0 {
			c.expectations.LowerExpectations(key, skipped, 0)
			break
		}
	}
	var wg sync.WaitGroup
	for _, name := range remove {
		wg.Go(func() {
			if err := c.deleteDaemonPod(ctx, set, name); err != nil {
				c.expectations.DeletionObserved(key)
				if !apierrors.IsNotFound(err) {
					fail(err)
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// podTemplate is the set's template with the daemon tolerations, the
// template generation label and the revision hash label.
func podTemplate(set *appsv1.DaemonSet, hash string) *corev1.PodTemplateSpec {
	t := set.Spec.Template.DeepCopy()
	addDaemonTolerations(&t.Spec)
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	if gen := templateGeneration(set); gen != nil {
		t.Labels[templateGenerationLabel] = strconv.FormatInt(*gen, 10)
	}
	if hash != "" {
		t.Labels[appsv1.DefaultDaemonSetUniqueLabelKey] = hash
	}
	return t
}

// createDaemonPod creates the set's pod for node, unbound: its required node
// affinity is replaced by metadata.name In [node], so the scheduler binds
// it there. A namespace being deleted refuses creations; that is not an
// error, as upstream.
func (c *Controller) createDaemonPod(ctx context.Context, set *appsv1.DaemonSet, template *corev1.PodTemplateSpec, node string) error {
	t := template.DeepCopy()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    set.Name + "-",
			Namespace:       set.Namespace,
			Labels:          t.Labels,
			Annotations:     t.Annotations,
			Finalizers:      t.Finalizers,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(set, controllerKind)},
		},
		Spec: t.Spec,
	}
	pod.Spec.Affinity = nodeNameAffinity(pod.Spec.Affinity, node)
	created, err := c.client.CoreV1().Pods(set.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			return nil
		}
		c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedCreate", "Error creating: %v", err)
		return fmt.Errorf("create pod for node %s: %w", node, err)
	}
	c.recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: %v", created.Name)
	return nil
}

// nodeNameAffinity replaces the required node selector terms with the one
// term naming node, keeping the rest of the affinity. Any other required
// term matched the node already (it was judged eligible).
func nodeNameAffinity(affinity *corev1.Affinity, node string) *corev1.Affinity {
	selector := &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
		MatchFields: []corev1.NodeSelectorRequirement{{
			Key: metav1.ObjectNameField, Operator: corev1.NodeSelectorOpIn, Values: []string{node},
		}},
	}}}
	if affinity == nil {
		affinity = &corev1.Affinity{}
	}
	if affinity.NodeAffinity == nil {
		affinity.NodeAffinity = &corev1.NodeAffinity{}
	}
	affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = selector
	return affinity
}

func (c *Controller) deleteDaemonPod(ctx context.Context, set *appsv1.DaemonSet, name string) error {
	err := c.client.CoreV1().Pods(set.Namespace).Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil {
		if !apierrors.IsNotFound(err) {
			c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedDelete", "Error deleting: %v", err)
		}
		return fmt.Errorf("delete pod %s/%s: %w", set.Namespace, name, err)
	}
	c.recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: %v", name)
	return nil
}
