package explain

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/clock"
)

// Explainer reads live state through a client and explains evictions. It
// never writes: its only POSTs are dry-run evictions.
type Explainer struct {
	client kubernetes.Interface
	clock  clock.PassiveClock
}

// Options tunes an Explainer.
type Options struct {
	// Clock dates findings ("unready for 3m"); nil means the real clock.
	Clock clock.PassiveClock
}

// New returns an Explainer reading through client.
func New(client kubernetes.Interface, opts Options) *Explainer {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	return &Explainer{client: client, clock: opts.Clock}
}

// Pod explains why the eviction of one pod is, or would be, refused now.
// It is the entry point for other packages (a drain engine reporting a
// blocked pod).
func Pod(ctx context.Context, client kubernetes.Interface, namespace, name string) (*Report, error) {
	return New(client, Options{}).Pod(ctx, namespace, name)
}

// Pod explains one pod's eviction.
func (e *Explainer) Pod(ctx context.Context, namespace, name string) (*Report, error) {
	pod, err := e.client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get pod %s/%s: %w", namespace, name, err)
	}
	s := e.newSession()
	r := &Report{Kind: "Pod", Namespace: namespace, Name: name}
	if err := s.addPods(ctx, r, []corev1.Pod{*pod}); err != nil {
		return nil, err
	}
	return r, nil
}

// Node explains the eviction of every pod bound to a node, as a drain of
// it would meet them.
func (e *Explainer) Node(ctx context.Context, name string) (*Report, error) {
	if _, err := e.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{}); err != nil {
		return nil, fmt.Errorf("get node %s: %w", name, err)
	}
	list, err := e.client.CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", name).String(),
	})
	if err != nil {
		return nil, fmt.Errorf("list pods on node %s: %w", name, err)
	}
	s := e.newSession()
	r := &Report{Kind: "Node", Name: name}
	if err := s.addPods(ctx, r, sortedPods(list.Items)); err != nil {
		return nil, err
	}
	return r, nil
}

// PDB explains a budget: why it is stale or exhausted, and the eviction of
// every pod it selects.
func (e *Explainer) PDB(ctx context.Context, namespace, name string) (*Report, error) {
	pdb, err := e.client.PolicyV1().PodDisruptionBudgets(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get poddisruptionbudget %s/%s: %w", namespace, name, err)
	}
	s := e.newSession()
	pods, err := s.namespacePods(ctx, namespace)
	if err != nil {
		return nil, err
	}
	r := &Report{Kind: "PodDisruptionBudget", Namespace: namespace, Name: name}
	var selected []corev1.Pod
	for i := range pods {
		if selects(pdb, &pods[i]) {
			selected = append(selected, pods[i])
		}
	}
	if err := s.addPods(ctx, r, selected); err != nil {
		return nil, err
	}
	// A budget selecting no pod still gets its own analysis.
	if _, err := s.budget(ctx, pdb); err != nil {
		return nil, err
	}
	r.Budgets = s.budgets()
	return r, nil
}

// addPods explains each pod and fills r's budgets and remedies.
func (s *session) addPods(ctx context.Context, r *Report, pods []corev1.Pod) error {
	for i := range pods {
		v, err := s.verdict(ctx, &pods[i])
		if err != nil {
			return err
		}
		r.Pods = append(r.Pods, *v)
	}
	if r.Pods == nil {
		r.Pods = []PodVerdict{}
	}
	r.Budgets = s.budgets()
	if slices.ContainsFunc(r.Pods, func(v PodVerdict) bool { return !v.Evictable }) {
		r.Remedies = remedies
	}
	return nil
}

// remedies are the seed's answers to stuck evictions, in its order.
var remedies = []string{
	"Pause or abort the automated operation (the drain) and investigate the application before restarting it.",
	"Wait: the eviction succeeds once the budget has room again (pods become Ready, replacements start).",
	"Delete the pod directly (kubectl delete pod) instead of evicting it: this skips the budget, so it is the disruption the budget exists to prevent.",
}

func sortedPods(pods []corev1.Pod) []corev1.Pod {
	slices.SortFunc(pods, func(a, b corev1.Pod) int {
		if a.Namespace != b.Namespace {
			if a.Namespace < b.Namespace {
				return -1
			}
			return 1
		}
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	return pods
}

// selects is the eviction's matching rule: same namespace, a selector that
// parses, and matches; a nil selector matches nothing, {} everything.
func selects(pdb *policyv1.PodDisruptionBudget, pod *corev1.Pod) bool {
	if pdb.Namespace != pod.Namespace {
		return false
	}
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil {
		return false
	}
	return sel.Matches(labels.Set(pod.Labels))
}
