package explain

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// session caches what one report reads, so a node's pods that share a
// budget or an owner read it once.
type session struct {
	e       *Explainer
	pdbs    map[string][]policyv1.PodDisruptionBudget // by namespace
	pods    map[string][]corev1.Pod                   // by namespace
	owners  map[types.UID]*owner
	analyse map[types.UID]*Budget // analysed budgets by UID
	order   []types.UID
}

func (e *Explainer) newSession() *session {
	return &session{
		e:       e,
		pdbs:    map[string][]policyv1.PodDisruptionBudget{},
		pods:    map[string][]corev1.Pod{},
		owners:  map[types.UID]*owner{},
		analyse: map[types.UID]*Budget{},
	}
}

// budgets lists the analysed budgets in the order first met.
func (s *session) budgets() []Budget {
	out := make([]Budget, 0, len(s.order))
	for _, uid := range s.order {
		out = append(out, *s.analyse[uid])
	}
	return out
}

func (s *session) namespacePDBs(ctx context.Context, ns string) ([]policyv1.PodDisruptionBudget, error) {
	if l, ok := s.pdbs[ns]; ok {
		return l, nil
	}
	list, err := s.e.client.PolicyV1().PodDisruptionBudgets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list poddisruptionbudgets in %s: %w", ns, err)
	}
	s.pdbs[ns] = list.Items
	return list.Items, nil
}

func (s *session) namespacePods(ctx context.Context, ns string) ([]corev1.Pod, error) {
	if l, ok := s.pods[ns]; ok {
		return l, nil
	}
	list, err := s.e.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list pods in %s: %w", ns, err)
	}
	s.pods[ns] = sortedPods(list.Items)
	return s.pods[ns], nil
}

// matching lists the budgets selecting pod.
func (s *session) matching(ctx context.Context, pod *corev1.Pod) ([]*policyv1.PodDisruptionBudget, error) {
	list, err := s.namespacePDBs(ctx, pod.Namespace)
	if err != nil {
		return nil, err
	}
	var out []*policyv1.PodDisruptionBudget
	for i := range list {
		if selects(&list[i], pod) {
			out = append(out, &list[i])
		}
	}
	return out, nil
}

// owner is the workload a pod belongs to, as a budget counts it.
type owner struct {
	Kind, Name string
	// Replicas is the desired scale, when the kind has one.
	Replicas *int32
	// Scalable tells whether the disruption controller can read a scale
	// for it: false for kinds known to have none (DaemonSet, Job), nil for
	// kinds evictd cannot tell (custom resources).
	Scalable *bool
}

func (o *owner) String() string {
	if o == nil {
		return ""
	}
	return fmt.Sprintf("%s/%s", lowerKind(o.Kind), o.Name)
}

func lowerKind(kind string) string {
	switch kind {
	case "Deployment":
		return "deployment"
	case "ReplicaSet":
		return "replicaset"
	case "StatefulSet":
		return "statefulset"
	case "ReplicationController":
		return "replicationcontroller"
	case "DaemonSet":
		return "daemonset"
	case "Job":
		return "job"
	}
	return kind
}

// ownerOf resolves pod's controller: a ReplicaSet stands for its
// Deployment, as the disruption controller counts a Deployment's scale.
// nil means the pod has no controller.
func (s *session) ownerOf(ctx context.Context, pod *corev1.Pod) (*owner, error) {
	ref := metav1.GetControllerOf(pod)
	if ref == nil {
		return nil, nil
	}
	if o, ok := s.owners[ref.UID]; ok {
		return o, nil
	}
	o, err := s.resolve(ctx, pod.Namespace, ref)
	if err != nil {
		return nil, err
	}
	s.owners[ref.UID] = o
	return o, nil
}

func (s *session) resolve(ctx context.Context, ns string, ref *metav1.OwnerReference) (*owner, error) {
	apps := s.e.client.AppsV1()
	o := &owner{Kind: ref.Kind, Name: ref.Name}
	yes, no := true, false
	var err error
	switch ref.Kind {
	case "ReplicaSet":
		var rs *appsv1.ReplicaSet
		if rs, err = apps.ReplicaSets(ns).Get(ctx, ref.Name, metav1.GetOptions{}); err == nil {
			o.Replicas, o.Scalable = rs.Spec.Replicas, &yes
			if d := metav1.GetControllerOf(rs); d != nil && d.Kind == "Deployment" {
				dep, derr := apps.Deployments(ns).Get(ctx, d.Name, metav1.GetOptions{})
				if derr == nil {
					o = &owner{Kind: "Deployment", Name: dep.Name, Replicas: dep.Spec.Replicas, Scalable: &yes}
				}
			}
		}
	case "StatefulSet":
		var ss *appsv1.StatefulSet
		if ss, err = apps.StatefulSets(ns).Get(ctx, ref.Name, metav1.GetOptions{}); err == nil {
			o.Replicas, o.Scalable = ss.Spec.Replicas, &yes
		}
	case "ReplicationController":
		var rc *corev1.ReplicationController
		if rc, err = s.e.client.CoreV1().ReplicationControllers(ns).Get(ctx, ref.Name, metav1.GetOptions{}); err == nil {
			o.Replicas, o.Scalable = rc.Spec.Replicas, &yes
		}
	case "DaemonSet", "Job":
		o.Scalable = &no
	}
	if err != nil {
		// A missing owner is a finding of its own, not an error of explain.
		o.Scalable = &no
	}
	return o, nil
}
