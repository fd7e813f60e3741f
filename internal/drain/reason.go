package drain

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// statusReason explains from the budget's status alone why it refuses a
// disruption now.
func statusReason(pdb *policyv1.PodDisruptionBudget) string {
	key, _ := cache.MetaNamespaceKeyFunc(pdb)
	if pdb.Status.ObservedGeneration < pdb.Generation {
		return fmt.Sprintf("PodDisruptionBudget %s is not processed yet by the disruption controller (observed generation %d of %d)",
			key, pdb.Status.ObservedGeneration, pdb.Generation)
	}
	return fmt.Sprintf("PodDisruptionBudget %s allows %d disruptions: %d healthy of the %d it needs (%d pods expected)",
		key, pdb.Status.DisruptionsAllowed, pdb.Status.CurrentHealthy, pdb.Status.DesiredHealthy, pdb.Status.ExpectedPods)
}

// maxNamedPods caps the pods a block reason names.
const maxNamedPods = 5

// describe explains why budget key refuses a disruption, in words: the
// budget's counts and the pods it selects that are not Ready, with since
// when. fallback is returned when the budget cannot be read.
func (d *Drainer) describe(ctx context.Context, key, fallback string) string {
	if key == "" {
		return fallback
	}
	ctx, cancel := context.WithTimeout(ctx, describeTimeout)
	defer cancel()
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	pdb, err := d.client.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return fallback
	}
	reason := statusReason(pdb)
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil {
		return reason
	}
	pods, err := d.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return reason
	}
	return reason + unhealthy(pods.Items, d.clock.Now())
}

// waitReason explains why the cached budget pdb holds a pod back: from
// its status alone while every pod it expects is healthy, else with the
// pods that are not (one pod list per budget and resourceVersion, shared
// by every pod waiting on it).
func (d *Drainer) waitReason(ctx context.Context, pdb *policyv1.PodDisruptionBudget) string {
	reason := statusReason(pdb)
	if pdb.Status.CurrentHealthy >= pdb.Status.ExpectedPods || pdb.Status.ObservedGeneration < pdb.Generation {
		return reason
	}
	key, _ := cache.MetaNamespaceKeyFunc(pdb)
	d.reasons.mu.Lock()
	defer d.reasons.mu.Unlock()
	if r, ok := d.reasons.byKey[key]; ok && r.rv == pdb.ResourceVersion {
		return r.text
	}
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil {
		return reason
	}
	ctx, cancel := context.WithTimeout(ctx, describeTimeout)
	defer cancel()
	pods, err := d.client.CoreV1().Pods(pdb.Namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return reason
	}
	text := reason + unhealthy(pods.Items, d.clock.Now())
	d.reasons.byKey[key] = cachedReason{rv: pdb.ResourceVersion, text: text}
	return text
}

// reasonCache keeps the last explanation of each budget.
type reasonCache struct {
	mu    sync.Mutex
	byKey map[string]cachedReason
}

type cachedReason struct{ rv, text string }

// describeTimeout bounds the two reads that explain a block.
const describeTimeout = 5 * time.Second

// unhealthy names the pods that count against a budget: not Ready (since
// when, and why) or terminating.
func unhealthy(pods []corev1.Pod, now time.Time) string {
	var unready, terminating []string
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	for i := range pods {
		p := &pods[i]
		switch {
		case p.DeletionTimestamp != nil:
			terminating = append(terminating, p.Name)
		case !isReady(p):
			unready = append(unready, p.Name+" "+notReadySince(p, now))
		}
	}
	var b strings.Builder
	if len(unready) > 0 {
		fmt.Fprintf(&b, "; not ready: %s", capList(unready))
	}
	if len(terminating) > 0 {
		fmt.Fprintf(&b, "; terminating: %s", capList(terminating))
	}
	return b.String()
}

// notReadySince says since when and why a pod is not Ready.
func notReadySince(p *corev1.Pod, now time.Time) string {
	for _, c := range p.Status.Conditions {
		if c.Type != corev1.PodReady {
			continue
		}
		s := fmt.Sprintf("(%s since %s, %s ago", p.Status.Phase, c.LastTransitionTime.UTC().Format(time.TimeOnly),
			now.Sub(c.LastTransitionTime.Time).Round(time.Second))
		if c.Reason != "" {
			s += ": " + c.Reason
		}
		return s + ")"
	}
	return fmt.Sprintf("(%s, no Ready condition)", p.Status.Phase)
}

func capList(names []string) string {
	if len(names) <= maxNamedPods {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:maxNamedPods], ", "), len(names)-maxNamedPods)
}
