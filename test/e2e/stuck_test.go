package e2e

import (
	"net/http"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// neverReady is the pod template patch of a rollout whose new pods never
// become Ready: the seed's "a ReplicaSet creates pods for your
// application but new pods do not enter a Ready state".
const neverReady = `{"spec":{"template":{"metadata":{"annotations":{"sim.evictd.io/never-ready":"true"}}}}}`

// TestStuckEviction plays the seed's "Troubleshooting stuck evictions" on
// a whole simulated cluster. A Deployment of 3 (rolling one pod at a time,
// no surge) with a budget of minAvailable 2 rolls out to pods that never
// become Ready: two healthy old pods remain, the budget allows no
// disruption, and
//   - every eviction of a healthy pod answers 429 for as long as that
//     lasts, and `kubectl drain --timeout=10s` of one's node fails with its
//     global timeout;
//   - deleting the blocked pod directly (kubectl delete pod) goes through
//     regardless of the budget and lets a waiting drain finish;
//   - the default policy (IfHealthyBudget) lets a never-ready pod be
//     evicted while the budget is met, but protects it too once the
//     budget is raised above what is healthy; unhealthyPodEvictionPolicy
//     AlwaysAllow then lets it be evicted (201) while the healthy ones
//     stay protected (429).
func TestStuckEviction(t *testing.T) {
	t.Parallel()
	withCluster(t, defaultKubectl, func(t *testing.T, e *env) {
		e.dumpOnFailure(t)
		e.rollingDeployment(t, "default", "web", 3, 1)
		e.minAvailableBudget(t, "web", 2)
		e.eventually(t, "3 Ready pods", func() bool { return len(e.readyPods(t, "app=web")) == 3 })
		e.waitForAllowed(t, "web", 1)

		e.mergePatch(t, "deployment/web", neverReady)
		healthy, _ := e.waitStuck(t)
		node := healthy[0].Spec.NodeName

		wantCells(t, parseTable(t, e.run(t, "get", "pdb", "web").stdout).row(t, "web"),
			map[string]string{"MIN AVAILABLE": "2", "MAX UNAVAILABLE": "N/A", "ALLOWED DISRUPTIONS": "0"})
		e.wantBudgetCause(t, healthy[0].Name, "The disruption budget web needs 2 healthy pods and has 2 currently")
		rollout := e.start(t, "rollout", "status", "deployment/web", "--timeout=3s")
		drain := e.start(t, "drain", node, "--ignore-daemonsets", "--timeout=10s")
		// Refused throughout the drain's 10 s: nothing the budget counts
		// changes while the new pods stay unready.
		for deadline := time.Now().Add(6 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
			e.wantEvictions(t, http.StatusTooManyRequests, healthy)
		}
		res := rollout.wait(t, 1)
		wantLine(t, res.stdout, `^Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated\.\.\.$`)
		wantLine(t, res.stderr, `^error: timed out waiting for the condition$`)
		res = drain.wait(t, 1)
		wantLine(t, res.stdout, `^node/`+node+` cordoned$`)
		wantLine(t, res.stderr, `^error when evicting pods/"web-[a-z0-9-]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\.$`)
		wantLine(t, res.stderr, `^error: unable to drain node "`+node+`" due to error: error when evicting pods/"web-[a-z0-9-]+" -n "default": global timeout reached: 10s, continuing command\.\.\.$`)
		e.wantEvictions(t, http.StatusTooManyRequests, healthy)

		e.deleteEndsStuckDrain(t, node, healthy)
		e.alwaysAllowEvictsUnhealthy(t)
	})
}

// wantBudgetCause fails t unless evicting pod name is refused with 429
// and the budget's cause, as kube-apiserver words it.
func (e *env) wantBudgetCause(t *testing.T, name, message string) {
	t.Helper()
	err := e.client.PolicyV1().Evictions("default").Evict(t.Context(), &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}})
	if !apierrors.IsTooManyRequests(err) {
		t.Fatalf("evict %s: %v, want 429", name, err)
	}
	want := metav1.StatusCause{Type: policyv1.DisruptionBudgetCause, Message: message}
	if d := err.(apierrors.APIStatus).Status().Details; d == nil || len(d.Causes) != 1 || d.Causes[0] != want {
		t.Errorf("evict %s: details %+v, want the one cause %+v", name, d, want)
	}
}

// waitStuck waits for the stuck rollout: two Ready old pods, a Running new
// one that is not Ready, and a budget with 2 healthy and no disruption
// allowed. It returns the healthy and the unhealthy pods.
func (e *env) waitStuck(t *testing.T) (healthy, unhealthy []corev1.Pod) {
	t.Helper()
	e.eventually(t, "2 Ready old pods, 1 Running new pod never Ready, no disruption allowed", func() bool {
		healthy, unhealthy = nil, nil
		for _, p := range e.listPods(t, "app=web") {
			switch {
			case podReady(&p):
				healthy = append(healthy, p)
			case p.Status.Phase == corev1.PodRunning:
				unhealthy = append(unhealthy, p)
			}
		}
		pdb := e.budget(t, "web")
		return len(healthy) == 2 && len(unhealthy) == 1 && pdb.Status.ObservedGeneration == pdb.Generation &&
			pdb.Status.CurrentHealthy == 2 && pdb.Status.DesiredHealthy == 2 && pdb.Status.DisruptionsAllowed == 0
	})
	for _, p := range healthy {
		if p.Annotations["sim.evictd.io/never-ready"] != "" {
			t.Fatalf("pod %s of the new template is Ready", p.Name)
		}
	}
	return healthy, unhealthy
}

// deleteEndsStuckDrain starts a drain of node that retries its refused
// evictions, deletes the healthy pods on node with kubectl delete pod —
// which no budget stops — and checks that the drain then finishes.
func (e *env) deleteEndsStuckDrain(t *testing.T, node string, healthy []corev1.Pod) {
	t.Helper()
	drain := e.start(t, "drain", node, "--ignore-daemonsets", "--timeout=60s")
	drain.expectStderr(t, `Cannot evict pod as it would violate the pod's disruption budget\.$`)
	args := []string{"delete", "pod"}
	for _, p := range healthy {
		if p.Spec.NodeName == node {
			args = append(args, p.Name)
		}
	}
	res := e.run(t, args...)
	for _, name := range args[2:] {
		wantLine(t, res.stdout, `^pod "`+name+`" deleted`)
		e.wantPodGone(t, name)
	}
	res = drain.wait(t, 0)
	wantLine(t, res.stdout, `^node/`+node+` drained$`)
}

// alwaysAllowEvictsUnhealthy raises the budget above what is healthy, then
// switches its unhealthyPodEvictionPolicy to AlwaysAllow.
func (e *env) alwaysAllowEvictsUnhealthy(t *testing.T) {
	t.Helper()
	// The old ReplicaSet replaced the deleted pod on another node.
	_, unhealthy := e.waitStuck(t)
	// IfHealthyBudget: while the budget is met (2 healthy of 2), an unready
	// pod may go; the new ReplicaSet makes another.
	e.wantEvictions(t, http.StatusCreated, unhealthy)
	healthy, unhealthy := e.waitStuck(t)

	e.mergePatch(t, "pdb/web", `{"spec":{"minAvailable":3}}`)
	e.waitForAllowed(t, "web", 0)
	if pdb := e.budget(t, "web"); pdb.Status.CurrentHealthy != 2 || pdb.Status.DesiredHealthy != 3 {
		t.Fatalf("budget status %+v, want 2 healthy of 3 desired", pdb.Status)
	}
	// IfHealthyBudget: not when the budget is not met.
	e.wantEvictions(t, http.StatusTooManyRequests, unhealthy)

	e.mergePatch(t, "pdb/web", `{"spec":{"unhealthyPodEvictionPolicy":"AlwaysAllow"}}`)
	e.waitForAllowed(t, "web", 0)
	e.wantEvictions(t, http.StatusTooManyRequests, healthy)
	e.wantEvictions(t, http.StatusCreated, unhealthy)
	for _, p := range unhealthy {
		got, err := e.client.CoreV1().Pods("default").Get(t.Context(), p.Name, metav1.GetOptions{})
		if err == nil && got.UID == p.UID && got.DeletionTimestamp == nil {
			t.Errorf("evicted pod %s is not being deleted", p.Name)
		}
	}
	e.wantEvictions(t, http.StatusTooManyRequests, healthy)
}
