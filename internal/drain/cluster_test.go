package drain_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/pkg/testserver"
)

// cluster is a test's evictd with simulated nodes.
type cluster struct {
	srv    *testserver.Server
	client kubernetes.Interface
}

// ns is the namespace every test object lives in.
const ns = "default"

// startCluster starts evictd with nodes simulated nodes and waits until
// they are registered. The garbage collector and the DaemonSet controller
// are left out so that pods may name owners that do not exist or do not
// select them, as the filter tests need.
func startCluster(t *testing.T, nodes int) *cluster {
	t.Helper()
	srv := testserver.StartWith(t, testserver.Options{Nodes: nodes, Controllers: []string{"*", "-garbagecollector", "-daemonset"}})
	cfg := srv.RESTConfig()
	cfg.QPS = -1
	c := &cluster{srv: srv, client: kubernetes.NewForConfigOrDie(cfg)}
	c.eventually(t, fmt.Sprintf("%d nodes registered", nodes), func(ctx context.Context) (bool, error) {
		list, err := c.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		return err == nil && len(list.Items) == nodes, nil
	})
	return c
}

// eventually polls cond until it holds; the server's components act
// asynchronously, so end-to-end tests wait for the state they expect.
func (c *cluster) eventually(t *testing.T, what string, cond wait.ConditionWithContextFunc) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, 30*time.Second, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// podOption changes a test pod.
type podOption func(*corev1.Pod)

func labeled(k, v string) podOption { return func(p *corev1.Pod) { p.Labels[k] = v } }

func annotated(k, v string) podOption { return func(p *corev1.Pod) { p.Annotations[k] = v } }

// ownedBy makes the pod's controller kind/name (uid made up unless given).
func ownedBy(apiVersion, kind, name string, uid types.UID) podOption {
	if uid == "" {
		uid = types.UID("uid-" + name)
	}
	return func(p *corev1.Pod) {
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, Controller: ptr.To(true)}}
	}
}

// replicated makes the pod look like a ReplicaSet's.
func replicated(p *corev1.Pod) { ownedBy("apps/v1", "ReplicaSet", "rs", "")(p) }

func withEmptyDir(p *corev1.Pod) {
	p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
}

// createPod creates a pod bound to node.
func (c *cluster) createPod(t *testing.T, name, node string, opts ...podOption) *corev1.Pod {
	t.Helper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{}, Annotations: map[string]string{}},
		Spec: corev1.PodSpec{NodeName: node, TerminationGracePeriodSeconds: ptr.To[int64](1),
			Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
	}
	for _, o := range opts {
		o(p)
	}
	created, err := c.client.CoreV1().Pods(ns).Create(t.Context(), p, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s: %v", name, err)
	}
	return created
}

// waitRunning waits until the named pods are Running.
func (c *cluster) waitRunning(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		c.eventually(t, "pod "+name+" running", func(ctx context.Context) (bool, error) {
			p, err := c.client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
			return err == nil && p.Status.Phase == corev1.PodRunning, nil
		})
	}
}

// createBudget creates a PDB over app=app and waits until the disruption
// controller computed it with allowed disruptions.
func (c *cluster) createBudget(t *testing.T, app string, spec policyv1.PodDisruptionBudgetSpec, allowed int32) {
	t.Helper()
	spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: ns}, Spec: spec}
	if _, err := c.client.PolicyV1().PodDisruptionBudgets(ns).Create(t.Context(), pdb, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create PDB %s: %v", app, err)
	}
	c.eventually(t, "PDB "+app+" computed", func(ctx context.Context) (bool, error) {
		p, err := c.client.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, app, metav1.GetOptions{})
		return err == nil && p.Status.ObservedGeneration == p.Generation && p.Status.DisruptionsAllowed == allowed, nil
	})
}

func maxUnavailable(n int) policyv1.PodDisruptionBudgetSpec {
	return policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt(n))}
}

func minAvailable(n int) policyv1.PodDisruptionBudgetSpec {
	return policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt(n))}
}

// createDeployment creates a Deployment of app=name and waits until its
// pods are Ready.
func (c *cluster) createDeployment(t *testing.T, name string, replicas int32) {
	t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{TerminationGracePeriodSeconds: ptr.To[int64](1),
					Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
			},
		},
	}
	if _, err := c.client.AppsV1().Deployments(ns).Create(t.Context(), d, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Deployment %s: %v", name, err)
	}
	c.eventually(t, "Deployment "+name+" available", func(ctx context.Context) (bool, error) {
		d, err := c.client.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		return err == nil && d.Status.ReadyReplicas == replicas && d.Status.UpdatedReplicas == replicas, nil
	})
}

// podsOn lists the pods bound to node.
func (c *cluster) podsOn(t *testing.T, node string) []corev1.Pod {
	t.Helper()
	list, err := c.client.CoreV1().Pods(metav1.NamespaceAll).List(t.Context(),
		metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node).String()})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// exists says whether the pod name still exists with its uid.
func (c *cluster) exists(t *testing.T, p *corev1.Pod) bool {
	t.Helper()
	got, err := c.client.CoreV1().Pods(p.Namespace).Get(t.Context(), p.Name, metav1.GetOptions{})
	return err == nil && got.UID == p.UID
}

// unschedulable reads node's spec.unschedulable.
func (c *cluster) unschedulable(t *testing.T, node string) bool {
	t.Helper()
	n, err := c.client.CoreV1().Nodes().Get(t.Context(), node, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return n.Spec.Unschedulable
}

// createBudgetNamed creates a PDB name over app=app without waiting.
func (c *cluster) createBudgetNamed(t *testing.T, name, app string, spec policyv1.PodDisruptionBudgetSpec, allowed int32) {
	t.Helper()
	spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: spec}
	if _, err := c.client.PolicyV1().PodDisruptionBudgets(ns).Create(t.Context(), pdb, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create PDB %s: %v", name, err)
	}
	c.eventually(t, "PDB "+name+" computed", func(ctx context.Context) (bool, error) {
		p, err := c.client.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, name, metav1.GetOptions{})
		return err == nil && p.Status.ObservedGeneration == p.Generation && p.Status.DisruptionsAllowed == allowed, nil
	})
}

// removeFinalizers lets a pod kept by finalizers go.
func (c *cluster) removeFinalizers(t *testing.T, p *corev1.Pod) {
	t.Helper()
	patch := []byte(`{"metadata":{"finalizers":null}}`)
	if _, err := c.client.CoreV1().Pods(p.Namespace).Patch(t.Context(), p.Name, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}
