package bench

import (
	"context"
	"fmt"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// workload is n Deployments of replicas pods each, every one with a PDB
// (maxUnavailable 1) unless withoutPDBs, in namespace ns.
type workload struct {
	ns          string
	n           int
	replicas    int32
	withoutPDBs bool
}

// pdbs is how many PDBs the workload has.
func (w workload) pdbs() int {
	if w.withoutPDBs {
		return 0
	}
	return w.n
}

// pods is how many pods the workload runs once it has settled.
func (w workload) pods() int { return w.n * int(w.replicas) }

// createConcurrency bounds the requests in flight while creating: enough
// to keep the server busy, few enough not to meet its inflight limit.
const createConcurrency = 16

// create creates the namespace, then every Deployment and PDB from
// createConcurrency goroutines, as `kubectl apply -f` of many files would
// (only faster).
func (w workload) create(ctx context.Context, client kubernetes.Interface) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: w.ns}}
	if _, err := client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace %s: %w", w.ns, err)
	}
	names := make(chan string)
	errs := make(chan error, createConcurrency)
	var wg sync.WaitGroup
	for range createConcurrency {
		wg.Go(func() {
			for name := range names {
				if err := w.createOne(ctx, client, name); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	func() {
		defer close(names)
		for i := range w.n {
			select {
			case names <- fmt.Sprintf("app-%d", i):
			case err := <-errs:
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	return <-errs
}

// createOne creates one Deployment and its PDB.
func (w workload) createOne(ctx context.Context, client kubernetes.Interface, name string) error {
	if !w.withoutPDBs {
		if _, err := client.PolicyV1().PodDisruptionBudgets(w.ns).Create(ctx, w.pdb(name), metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create PDB %s: %w", name, err)
		}
	}
	if _, err := client.AppsV1().Deployments(w.ns).Create(ctx, w.deployment(name), metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create Deployment %s: %w", name, err)
	}
	return nil
}

func (w workload) deployment(name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(w.replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: ptr.To[int64](1),
					Containers: []corev1.Container{{
						Name: "app", Image: "nginx",
						Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
							corev1.ResourceCPU: resource.MustParse("100m"),
						}},
					}},
				},
			},
		},
	}
}

func (w workload) pdb(name string) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
		},
	}
}
