package disruption

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/scale"
)

// expectation is what a budget asks of its pods.
type expectation struct {
	expected  int32    // status.expectedPods
	desired   int32    // status.desiredHealthy
	unmanaged []string // selected pods without a controller ref (scale path only)
}

// expect computes expectedPods and desiredHealthy (spec §2.3):
//   - maxUnavailable (int or percent): expected = owners' scale,
//     desired = max(0, expected − maxUnavailable scaled and rounded up);
//   - minAvailable integer: expected = every selected pod, desired = the integer;
//   - minAvailable percent: expected = owners' scale, desired = percent of it rounded up;
//   - neither: both 0.
func (c *Controller) expect(ctx context.Context, pdb *policyv1.PodDisruptionBudget, pods []*corev1.Pod) (expectation, error) {
	var e expectation
	var err error
	switch minAvailable, maxUnavailable := pdb.Spec.MinAvailable, pdb.Spec.MaxUnavailable; {
	case maxUnavailable != nil:
		if e.expected, e.unmanaged, err = c.expectedScale(ctx, pods); err != nil {
			return e, err
		}
		n, err := intstr.GetScaledValueFromIntOrPercent(maxUnavailable, int(e.expected), true)
		if err != nil {
			return e, err
		}
		e.desired = max(e.expected-int32(n), 0)
	case minAvailable != nil && minAvailable.Type == intstr.Int:
		e.expected, e.desired = int32(len(pods)), minAvailable.IntVal
	case minAvailable != nil && minAvailable.Type == intstr.String:
		if e.expected, e.unmanaged, err = c.expectedScale(ctx, pods); err != nil {
			return e, err
		}
		n, err := intstr.GetScaledValueFromIntOrPercent(minAvailable, int(e.expected), true)
		if err != nil {
			return e, err
		}
		e.desired = int32(n)
	}
	return e, nil
}

// expectedScale sums the desired replicas of the distinct controllers of
// pods. Pods without a controller ref are returned as unmanaged; a pod whose
// controller no finder can resolve is an error.
func (c *Controller) expectedScale(ctx context.Context, pods []*corev1.Pod) (int32, []string, error) {
	replicas := map[types.UID]int32{} // by controller UID; a Deployment stands for its ReplicaSets
	var unmanaged []string
	for _, pod := range pods {
		ref := metav1.GetControllerOf(pod)
		if ref == nil {
			unmanaged = append(unmanaged, pod.Name)
			continue
		}
		if _, seen := replicas[ref.UID]; seen {
			continue
		}
		found, err := c.findController(ctx, ref, pod.Namespace)
		if err != nil {
			return 0, nil, err
		}
		if found == nil {
			return 0, nil, fmt.Errorf("found no controllers for pod %q", pod.Name)
		}
		replicas[found.uid] = found.replicas
	}
	var sum int32
	for _, n := range replicas {
		sum += n
	}
	return sum, unmanaged, nil
}

// controllerScale is a controller's identity and desired replicas.
type controllerScale struct {
	uid      types.UID
	replicas int32
}

// A finder resolves a controller ref to its scale. It answers nil, nil when
// the ref is not its kind, or the object is missing or has another UID.
type finder func(ctx context.Context, ref *metav1.OwnerReference, namespace string) (*controllerScale, error)

// findController tries the finders in upstream's order: the workload kinds
// through their listers (cheap), then any owner through its /scale
// subresource.
func (c *Controller) findController(ctx context.Context, ref *metav1.OwnerReference, namespace string) (*controllerScale, error) {
	for _, find := range []finder{c.replicationController, c.deployment, c.replicaSet, c.statefulSet, c.scaleSubresource} {
		found, err := find(ctx, ref, namespace)
		if err != nil || found != nil {
			return found, err
		}
	}
	return nil, nil
}

func (c *Controller) replicationController(_ context.Context, ref *metav1.OwnerReference, namespace string) (*controllerScale, error) {
	if ok, err := isKind(ref, "ReplicationController", ""); !ok || err != nil {
		return nil, err
	}
	rc, err := c.rcs.ReplicationControllers(namespace).Get(ref.Name)
	if err != nil || rc.UID != ref.UID { // a lister's only error is NotFound
		return nil, nil
	}
	return &controllerScale{rc.UID, replicasOf(rc.Spec.Replicas)}, nil
}

// deployment resolves a pod's ReplicaSet to the Deployment that controls it,
// so that all ReplicaSets of one Deployment (mid-rollout) count once, with
// the Deployment's replicas.
func (c *Controller) deployment(_ context.Context, ref *metav1.OwnerReference, namespace string) (*controllerScale, error) {
	if ok, err := isKind(ref, "ReplicaSet", "apps", "extensions"); !ok || err != nil {
		return nil, err
	}
	rs, err := c.rss.ReplicaSets(namespace).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil, nil
	}
	rsRef := metav1.GetControllerOf(rs)
	if rsRef == nil {
		return nil, nil
	}
	if ok, err := isKind(rsRef, "Deployment", "apps", "extensions"); !ok || err != nil {
		return nil, err
	}
	d, err := c.deploys.Deployments(namespace).Get(rsRef.Name)
	if err != nil || d.UID != rsRef.UID {
		return nil, nil
	}
	return &controllerScale{d.UID, replicasOf(d.Spec.Replicas)}, nil
}

// replicaSet resolves a ReplicaSet that no Deployment controls.
func (c *Controller) replicaSet(_ context.Context, ref *metav1.OwnerReference, namespace string) (*controllerScale, error) {
	if ok, err := isKind(ref, "ReplicaSet", "apps", "extensions"); !ok || err != nil {
		return nil, err
	}
	rs, err := c.rss.ReplicaSets(namespace).Get(ref.Name)
	if err != nil || rs.UID != ref.UID {
		return nil, nil
	}
	if rsRef := metav1.GetControllerOf(rs); rsRef != nil && rsRef.Kind == "Deployment" {
		return nil, nil
	}
	return &controllerScale{rs.UID, replicasOf(rs.Spec.Replicas)}, nil
}

func (c *Controller) statefulSet(_ context.Context, ref *metav1.OwnerReference, namespace string) (*controllerScale, error) {
	if ok, err := isKind(ref, "StatefulSet", "apps"); !ok || err != nil {
		return nil, err
	}
	ss, err := c.sets.StatefulSets(namespace).Get(ref.Name)
	if err != nil || ss.UID != ref.UID {
		return nil, nil
	}
	return &controllerScale{ss.UID, replicasOf(ss.Spec.Replicas)}, nil
}

// scaleSubresource resolves any owner that serves /scale (custom resources,
// or workload kinds whose listers missed).
func (c *Controller) scaleSubresource(ctx context.Context, ref *metav1.OwnerReference, namespace string) (*controllerScale, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return nil, err
	}
	mapping, err := c.mapper.RESTMapping(schema.GroupKind{Group: gv.Group, Kind: ref.Kind}, gv.Version)
	if err != nil {
		return nil, err
	}
	gr := mapping.Resource.GroupResource()
	s, err := c.scales.Scales(namespace).Get(ctx, gr, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		// NotFound means either "no such object" or "no /scale here":
		// discovery tells which, so the error names the real problem.
		ok, err := c.implementsScale(mapping.Resource)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%s does not implement the scale subresource", gr.String())
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if s.UID != ref.UID {
		return nil, nil
	}
	return &controllerScale{s.UID, s.Spec.Replicas}, nil
}

// implementsScale reports whether discovery lists <resource>/scale with kind
// Scale in one of the group/versions the scale client understands.
func (c *Controller) implementsScale(gvr schema.GroupVersionResource) (bool, error) {
	list, err := c.discovery.ServerResourcesForGroupVersion(gvr.GroupVersion().String())
	if err != nil {
		return false, err
	}
	versions := scale.NewScaleConverter().ScaleVersions()
	for _, r := range list.APIResources {
		if r.Name != gvr.Resource+"/scale" || r.Kind != "Scale" {
			continue
		}
		if slices.Contains(versions, schema.GroupVersion{Group: r.Group, Version: r.Version}) {
			return true, nil
		}
	}
	return false, nil
}

// isKind reports whether ref names kind in one of groups. An unparsable
// apiVersion is an error (the sync fails safe), as upstream.
func isKind(ref *metav1.OwnerReference, kind string, groups ...string) (bool, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return false, err
	}
	return ref.Kind == kind && slices.Contains(groups, gv.Group), nil
}

// replicasOf reads spec.replicas. The API server defaults it to 1, so nil
// only appears in objects that skipped defaulting; 1 is what they mean.
func replicasOf(n *int32) int32 {
	if n == nil {
		return 1
	}
	return *n
}
