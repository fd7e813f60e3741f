package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// shortGrace is the grace period of the workloads the cluster tests make:
// long enough that a deletion is visibly graceful, short enough that a
// drain or a rollout never waits for it long.
const shortGrace = 1

// podTemplate is a template of one container "app" (image nginx) with the
// labels, the sim.evictd.io annotations and a short grace period.
func podTemplate(labels, annotations map[string]string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: annotations},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: ptr.To[int64](shortGrace),
			Containers:                    []corev1.Container{{Name: "app", Image: "nginx"}},
		},
	}
}

// rollingDeployment creates a Deployment app=name of replicas pods that
// rolls out at most maxUnavailable pods at a time and never surges.
func (e *env) rollingDeployment(t *testing.T, ns, name string, replicas, maxUnavailable int32) {
	t.Helper()
	labels := map[string]string{"app": name}
	surge, unavailable := intstr.FromInt32(0), intstr.FromInt32(maxUnavailable)
	_, err := e.client.AppsV1().Deployments(ns).Create(t.Context(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: podTemplate(labels, nil),
			Strategy: appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable},
			},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create deployment %s/%s: %v", ns, name, err)
	}
}

// minAvailableBudget creates the budget name over app=name in default.
func (e *env) minAvailableBudget(t *testing.T, name string, minAvailable int32) {
	t.Helper()
	n := intstr.FromInt32(minAvailable)
	if _, err := e.client.PolicyV1().PodDisruptionBudgets("default").Create(t.Context(), &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       policyv1.PodDisruptionBudgetSpec{MinAvailable: &n, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create budget %s: %v", name, err)
	}
}

// mergePatch applies a JSON merge patch to a default-namespace object
// through kubectl, as a user would.
func (e *env) mergePatch(t *testing.T, resource, patch string) {
	t.Helper()
	e.run(t, "patch", resource, "--type=merge", "-p", patch)
}

// evict posts a policy/v1 Eviction for pod default/name, as client-go's
// EvictV1 does, and returns the HTTP status code: 201 when the pod was
// deleted, 429 when a budget forbids it.
func (e *env) evict(t *testing.T, name string) int {
	t.Helper()
	eviction := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}}
	var code int
	err := e.client.CoreV1().RESTClient().Post().AbsPath("/api/v1").
		Namespace("default").Resource("pods").Name(name).SubResource("eviction").
		Body(eviction).Do(t.Context()).StatusCode(&code).Error()
	if code == 0 {
		t.Fatalf("evict %s: no response: %v", name, err)
	}
	if (code == http.StatusCreated) != (err == nil) {
		t.Fatalf("evict %s: code %d with error %v", name, code, err)
	}
	return code
}

// wantEvictions fails t unless evicting each pod answers code.
func (e *env) wantEvictions(t *testing.T, code int, pods []corev1.Pod) {
	t.Helper()
	for _, p := range pods {
		if got := e.evict(t, p.Name); got != code {
			t.Errorf("evict %s (%s): %d, want %d", p.Name, podSummary(&p), got, code)
		}
	}
}

func podSummary(p *corev1.Pod) string {
	return fmt.Sprintf("node %s, phase %s, ready %t, deleting %t", p.Spec.NodeName, p.Status.Phase, podReady(p), p.DeletionTimestamp != nil)
}

// listPods lists the pods of selector in default that are not deleting.
func (e *env) listPods(t *testing.T, selector string) []corev1.Pod {
	t.Helper()
	list, err := e.client.CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	var live []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil {
			live = append(live, p)
		}
	}
	return live
}

// budget reads the budget name of default.
func (e *env) budget(t *testing.T, name string) *policyv1.PodDisruptionBudget {
	t.Helper()
	pdb, err := e.client.PolicyV1().PodDisruptionBudgets("default").Get(t.Context(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return pdb
}

// dumpOnFailure logs every pod and node of the cluster when t fails, so
// that a timed-out wait shows what the cluster looked like.
func (e *env) dumpOnFailure(t *testing.T) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		ctx := context.Background() // t's context is cancelled by now
		if nodes, err := e.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err == nil {
			for _, n := range nodes.Items {
				t.Logf("node %s: unschedulable %t, taints %v", n.Name, n.Spec.Unschedulable, n.Spec.Taints)
			}
		}
		if pods, err := e.client.CoreV1().Pods("").List(ctx, metav1.ListOptions{}); err == nil {
			for _, p := range pods.Items {
				t.Logf("pod %s/%s: %s", p.Namespace, p.Name, podSummary(&p))
			}
		}
		if events, err := e.client.CoreV1().Events("").List(ctx, metav1.ListOptions{}); err == nil {
			for _, ev := range events.Items {
				t.Logf("event %s %s/%s: %s %s", ev.LastTimestamp.Format(time.RFC3339), ev.InvolvedObject.Kind, ev.InvolvedObject.Name, ev.Reason, ev.Message)
			}
		}
	})
}

func selector(app string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}
}

// createDaemonSet creates DaemonSet ns/name of pods app=name.
func (e *env) createDaemonSet(t *testing.T, ns, name string) {
	t.Helper()
	_, err := e.client.AppsV1().DaemonSets(ns).Create(t.Context(), &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec:       appsv1.DaemonSetSpec{Selector: selector(name), Template: podTemplate(map[string]string{"app": name}, nil)},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create daemonset %s/%s: %v", ns, name, err)
	}
}

// createStatefulSet creates StatefulSet default/name of pods app=name.
func (e *env) createStatefulSet(t *testing.T, name string, replicas int32) {
	t.Helper()
	if _, err := e.client.AppsV1().StatefulSets("default").Create(t.Context(), &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.StatefulSetSpec{Replicas: ptr.To(replicas), ServiceName: name, Selector: selector(name),
			Template: podTemplate(map[string]string{"app": name}, nil)},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create statefulset %s: %v", name, err)
	}
}
