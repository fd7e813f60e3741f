package explain

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/pkg/testserver"
)

// TestNode explains every pod on a node: one without a budget, two behind
// an exhausted one; the text names the budget's fix and the remedies.
func TestNode(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "disruption")
	c.pod("lone", func(p *corev1.Pod) { p.Labels = map[string]string{"app": "other"} })
	c.pod("p")
	c.pod("q")
	c.pdb("web", minAvailable(intstr.FromInt32(2)))
	c.settled("web", 2)

	r, err := New(c.client, Options{}).Node(t.Context(), "n1")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Decision{}
	for _, v := range r.Pods {
		got[v.Name] = v.Decision
		if why := strings.Join(v.Why, " "); !strings.Contains(why, "No controller owns the pod: kubectl drain refuses it without --force") {
			t.Errorf("pod %s: why %q lacks the drain's --force note", v.Name, why)
		}
	}
	want := map[string]Decision{"lone": NoBudget, "p": BudgetExhausted, "q": BudgetExhausted}
	for name, d := range want {
		if got[name] != d {
			t.Errorf("pod %s: decision %s, want %s", name, got[name], d)
		}
	}
	if len(r.Budgets) != 1 || r.Budgets[0].Name != "web" {
		t.Errorf("budgets %+v, want web once", r.Budgets)
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"node n1: 1 of 3 pods can be evicted now, 2 refused",
		"pod default/p: REFUSED (BudgetExhausted)",
		"server (dry run): 429 TooManyRequests: Cannot evict pod as it would violate the pod's disruption budget. (The disruption budget web needs 2 healthy pods and has 2 currently)",
		"budget default/web: minAvailable 2, selector app=web, unhealthyPodEvictionPolicy IfHealthyBudget",
		"remedies for a stuck eviction:",
	} {
		if !strings.Contains(text.String(), line) {
			t.Errorf("text lacks %q:\n%s", line, text.String())
		}
	}
}

// TestPDBWithoutPods: a budget selecting nothing gets its own analysis and
// a JSON form that decodes back.
func TestPDBWithoutPods(t *testing.T) {
	t.Parallel()
	c := newCluster(t, "disruption")
	c.pdb("none", minAvailable(intstr.FromInt32(1)), selector(map[string]string{"app": "none"}))
	c.settled("none", 0)
	r, err := New(c.client, Options{}).PDB(t.Context(), ns, "none")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Pods) != 0 || len(r.Budgets) != 1 {
		t.Fatalf("report %+v, want no pods and one budget", r)
	}
	if want := "Add 2 more Ready pod(s) that budget none selects, or lower budget none's minAvailable to 0."; r.Budgets[0].Fix != want {
		t.Errorf("fix %q, want %q", r.Budgets[0].Fix, want)
	}
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Kind != "PodDisruptionBudget" || back.Budgets[0].DesiredHealthy != 1 || back.Pods == nil {
		t.Errorf("decoded %+v", back)
	}
}

// TestLiveWorkloads runs the whole control plane with simulated kubelets:
// a Deployment whose replicas equal minAvailable, and one whose pods never
// become Ready.
func TestLiveWorkloads(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{Nodes: 2})
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	c := &cluster{t: t, client: client}
	deploy(t, client, "web", 2, nil)
	deploy(t, client, "stuck", 2, map[string]string{"sim.evictd.io/never-ready": "true"})
	c.pdb("web", minAvailable(intstr.FromInt32(2)), selector(map[string]string{"app": "web"}))
	c.pdb("stuck", minAvailable(intstr.FromInt32(1)), selector(map[string]string{"app": "stuck"}))
	c.settled("web", 2)
	waitPods(t, client, "app=stuck", 2)
	c.settled("stuck", 0)

	// The seed's stuck eviction: a rollout whose new pods never get Ready.
	deploy(t, client, "roll", 3, nil)
	c.pdb("roll", minAvailable(intstr.FromInt32(2)), selector(map[string]string{"app": "roll"}))
	c.settled("roll", 3)
	patch := `{"spec":{"strategy":{"rollingUpdate":{"maxSurge":0,"maxUnavailable":1}}, "template":{"metadata":{"annotations":{"sim.evictd.io/never-ready":"true"}}}}}`
	if _, err := client.AppsV1().Deployments(ns).Patch(t.Context(), "roll", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	// One old pod goes (healthy 2), then its never-ready replacement runs.
	c.settled("roll", 2)
	waitPods(t, client, "app=roll", 3)
	r, err := New(client, Options{}).PDB(t.Context(), ns, "roll")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Roll deployment/roll back (kubectl rollout undo deployment/roll)"; !strings.HasPrefix(r.Budgets[0].Fix, want) || !hasFinding(r.Budgets, FindingRolloutNotReady) {
		t.Errorf("roll: fix %q (want %q…), findings %+v", r.Budgets[0].Fix, want, r.Budgets[0].Findings)
	}

	r, err = New(client, Options{}).PDB(t.Context(), ns, "web")
	if err != nil {
		t.Fatal(err)
	}
	if want := "Scale deployment/web to 3 (from 2)"; !strings.HasPrefix(r.Budgets[0].Fix, want) {
		t.Errorf("web fix %q, want %q…", r.Budgets[0].Fix, want)
	}
	r, err = New(client, Options{}).PDB(t.Context(), ns, "stuck")
	if err != nil {
		t.Fatal(err)
	}
	if !hasFinding(r.Budgets, FindingUnreadyPods) {
		t.Errorf("stuck: no UnreadyPods finding: %+v", r.Budgets[0].Findings)
	}
	for _, v := range r.Pods {
		if v.Evictable || v.Decision != BudgetExhausted || !strings.HasPrefix(v.AlwaysAllow, "With AlwaysAllow") {
			t.Errorf("stuck pod %s: %+v", v.Name, v)
		}
	}
}

func deploy(t *testing.T, client kubernetes.Interface, name string, replicas int32, annotations map[string]string) {
	t.Helper()
	l := map[string]string{"app": name}
	_, err := client.AppsV1().Deployments(ns).Create(t.Context(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: l},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: l, Annotations: annotations},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
}

// waitPods waits for n Running pods matching sel, not counting pods
// being deleted.
func waitPods(t *testing.T, client kubernetes.Interface, sel string, n int) {
	t.Helper()
	err := wait.PollUntilContextTimeout(t.Context(), 20*time.Millisecond, 20*time.Second, true, func(ctx context.Context) (bool, error) {
		l, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			return false, err
		}
		running := 0
		for _, p := range l.Items {
			if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
				running++
			}
		}
		return running == n, nil
	})
	if err != nil {
		t.Fatalf("%d running pods %s: %v", n, sel, err)
	}
}
