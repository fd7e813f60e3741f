package explain

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/pkg/testserver"
)

const ns = "default"

// cluster is an evictd running only the disruption controller: the test
// plays the kubelet, writing pod status itself.
type cluster struct {
	t      *testing.T
	client kubernetes.Interface
}

func newCluster(t *testing.T, controllers ...string) *cluster {
	t.Helper()
	opts := testserver.Options{Controllers: controllers}
	if len(controllers) == 0 {
		opts.WithoutControllers = true
	}
	srv := testserver.StartWith(t, opts)
	c := &cluster{t: t, client: kubernetes.NewForConfigOrDie(srv.RESTConfig())}
	if _, err := c.client.CoreV1().Nodes().Create(t.Context(), &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return c
}

// podOpt changes a pod before it is created or its status written.
type podOpt func(*corev1.Pod)

// ownedBy makes the pod a ReplicaSet's.
func ownedBy(rs *appsv1.ReplicaSet) podOpt {
	return func(p *corev1.Pod) {
		yes := true
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: &yes}}
	}
}

func notReady(p *corev1.Pod) {
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse,
		LastTransitionTime: metav1.NewTime(time.Now().Add(-3 * time.Minute).Truncate(time.Second))}}
}

func crashLooping(p *corev1.Pod) {
	notReady(p)
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: "nginx", RestartCount: 4,
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}
}

func pending(p *corev1.Pod) { p.Status = corev1.PodStatus{Phase: corev1.PodPending} }

// pod creates a Running, Ready pod bound to n1 with labels app=web.
func (c *cluster) pod(name string, opts ...podOpt) *corev1.Pod {
	c.t.Helper()
	ctx := c.t.Context()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "app", Image: "nginx"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now()}}},
	}
	for _, o := range opts {
		o(p)
	}
	status := p.Status
	created, err := c.client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	created.Status = status
	out, err := c.client.CoreV1().Pods(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return out
}

// deployment creates a Deployment of replicas and a ReplicaSet it
// controls (no controller runs to create pods).
func (c *cluster) deployment(name string, replicas int32) *appsv1.ReplicaSet {
	c.t.Helper()
	ctx := c.t.Context()
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: sel.MatchLabels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}
	d, err := c.client.AppsV1().Deployments(ns).Create(ctx, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       appsv1.DeploymentSpec{Replicas: &replicas, Selector: sel, Template: tmpl},
	}, metav1.CreateOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	yes := true
	rs, err := c.client.AppsV1().ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name + "-abc", OwnerReferences: []metav1.OwnerReference{
			{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: &yes}}},
		Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, Selector: sel, Template: tmpl},
	}, metav1.CreateOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return rs
}

type pdbOpt func(*policyv1.PodDisruptionBudget)

func minAvailable(v intstr.IntOrString) pdbOpt {
	return func(p *policyv1.PodDisruptionBudget) { p.Spec.MinAvailable = &v }
}

func maxUnavailable(v intstr.IntOrString) pdbOpt {
	return func(p *policyv1.PodDisruptionBudget) { p.Spec.MaxUnavailable = &v }
}

func policy(v policyv1.UnhealthyPodEvictionPolicyType) pdbOpt {
	return func(p *policyv1.PodDisruptionBudget) { p.Spec.UnhealthyPodEvictionPolicy = &v }
}

func selector(l map[string]string) pdbOpt {
	return func(p *policyv1.PodDisruptionBudget) { p.Spec.Selector = &metav1.LabelSelector{MatchLabels: l} }
}

// pdb creates a budget selecting app=web.
func (c *cluster) pdb(name string, opts ...pdbOpt) *policyv1.PodDisruptionBudget {
	c.t.Helper()
	p := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}
	for _, o := range opts {
		o(p)
	}
	out, err := c.client.PolicyV1().PodDisruptionBudgets(ns).Create(c.t.Context(), p, metav1.CreateOptions{})
	if err != nil {
		c.t.Fatal(err)
	}
	return out
}

// settled waits until the disruption controller has processed the budget
// and counts want healthy pods.
func (c *cluster) settled(name string, healthy int32) {
	c.t.Helper()
	err := wait.PollUntilContextTimeout(c.t.Context(), 20*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		p, err := c.client.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return p.Status.ObservedGeneration == p.Generation && p.Status.CurrentHealthy == healthy, nil
	})
	if err != nil {
		c.t.Fatalf("budget %s never settled at %d healthy: %v", name, healthy, err)
	}
}

func (c *cluster) explainPod(name string, opts Options) PodVerdict {
	c.t.Helper()
	r, err := New(c.client, opts).Pod(c.t.Context(), ns, name)
	if err != nil {
		c.t.Fatal(err)
	}
	if len(r.Pods) != 1 {
		c.t.Fatalf("report has %d pods, want 1", len(r.Pods))
	}
	return r.Pods[0]
}

func hasFinding(r []Budget, code string) bool {
	for _, b := range r {
		for _, f := range b.Findings {
			if f.Code == code {
				return true
			}
		}
	}
	return false
}

// writeStatus plays the disruption controller: it writes the budget's
// status as current (observedGeneration = generation).
func (c *cluster) writeStatus(pdb *policyv1.PodDisruptionBudget, set func(*policyv1.PodDisruptionBudgetStatus)) {
	c.t.Helper()
	pdb.Status.ObservedGeneration = pdb.Generation
	set(&pdb.Status)
	if _, err := c.client.PolicyV1().PodDisruptionBudgets(ns).UpdateStatus(c.t.Context(), pdb, metav1.UpdateOptions{}); err != nil {
		c.t.Fatal(err)
	}
}
