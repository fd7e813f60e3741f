package eviction

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/evictd/evictd/internal/registry/pod"
	"github.com/evictd/evictd/internal/registry/poddisruptionbudget"
	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/storage/memory"
)

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// env is an Evictor over real stores, with the pod store wrapped to count
// deletes and inject failures, like upstream's mocked pod storage.
type env struct {
	ev    *Evictor
	pods  *store.Store
	pdbs  *store.Store
	spy   *podSpy
	clock *clocktesting.FakeClock
}

func newEnv(t *testing.T) *env {
	t.Helper()
	mem := memory.New(memory.Options{})
	t.Cleanup(func() { _ = mem.Close() })
	clock := clocktesting.NewFakeClock(epoch)
	pods, err := store.New(pod.Resource(), mem, store.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	pdbs, err := store.New(poddisruptionbudget.Resource(), mem, store.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	spy := &podSpy{Store: pods}
	// A fake clock's Sleep returns at once: retries cost no time.
	ev := New(spy, pdbs, Options{Clock: clock, Backoff: wait.Backoff{Steps: 20, Duration: 500 * time.Millisecond, Factor: 1}})
	return &env{ev: ev, pods: pods, pdbs: pdbs, spy: spy, clock: clock}
}

// podSpy counts Delete calls and can fail them, or change the pod first.
type podSpy struct {
	*store.Store
	deletes atomic.Int32
	// beforeDelete, when set, runs before each Delete with its 1-based
	// index; a non-nil error is returned instead of deleting.
	beforeDelete func(call int32) error
}

func (s *podSpy) Delete(ctx context.Context, ns, name string, opts *metav1.DeleteOptions) (runtime.Object, bool, error) {
	call := s.deletes.Add(1)
	if s.beforeDelete != nil {
		if err := s.beforeDelete(call); err != nil {
			return nil, false, err
		}
	}
	return s.Store.Delete(ctx, ns, name, opts)
}

func conflict() error {
	return apierrors.NewConflict(schema.GroupResource{Resource: "tests"}, "2", errMessage("message"))
}

type errMessage string

func (e errMessage) Error() string { return string(e) }

// podState is how a test pod looks when an eviction arrives.
type podState struct {
	phase      corev1.PodPhase
	ready      bool
	finalizers []string
	labels     map[string]string
}

var (
	running  = podState{phase: corev1.PodRunning, ready: true}
	unready  = podState{phase: corev1.PodRunning}
	pending  = podState{phase: corev1.PodPending}
	finished = podState{phase: corev1.PodSucceeded}
	failed   = podState{phase: corev1.PodFailed}
)

// makePod creates a scheduled pod labelled a=true (as upstream's tests)
// and sets its status as a kubelet would.
func (e *env) makePod(t *testing.T, name string, st podState) *corev1.Pod {
	t.Helper()
	labels := st.labels
	if labels == nil {
		labels = map[string]string{"a": "true"}
	}
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: labels, Finalizers: st.finalizers},
		Spec:       corev1.PodSpec{NodeName: "foo", Containers: []corev1.Container{{Name: "c", Image: "i"}}},
	}
	if _, err := e.pods.Create(context.Background(), p, store.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	out, _, err := e.pods.Update(context.Background(), "default", name, func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*corev1.Pod)
		p.Status.Phase = st.phase
		if st.ready {
			p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue})
		}
		return p, nil
	}, store.UpdateOptions{Subresource: "status"})
	if err != nil {
		t.Fatal(err)
	}
	return out.(*corev1.Pod)
}

// pdbState is a budget's spec selector and status as the controller left it.
type pdbState struct {
	selector     *metav1.LabelSelector
	policy       *policyv1.UnhealthyPodEvictionPolicyType
	allowed      int32
	current      int32
	desired      int32
	stale        bool // observedGeneration behind generation
	disrupted    int  // entries in disruptedPods
	conditionMsg *metav1.Condition
}

func matchA() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"a": "true"}}
}

func (e *env) makePDB(t *testing.T, name string, st pdbState) *policyv1.PodDisruptionBudget {
	t.Helper()
	sel := st.selector.DeepCopy() // the table is shared by parallel subtests
	if sel == nil {
		sel = matchA()
	}
	zero := intstr.FromInt32(0)
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec:       policyv1.PodDisruptionBudgetSpec{Selector: sel, MinAvailable: &zero, UnhealthyPodEvictionPolicy: st.policy},
	}
	created, err := e.pdbs.Create(context.Background(), pdb, store.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	gen := created.(*policyv1.PodDisruptionBudget).Generation
	setStatus := func(cur runtime.Object) (runtime.Object, error) {
		p := cur.(*policyv1.PodDisruptionBudget)
		p.Status = policyv1.PodDisruptionBudgetStatus{
			ObservedGeneration: gen, DisruptionsAllowed: st.allowed, CurrentHealthy: st.current, DesiredHealthy: st.desired,
		}
		if st.stale {
			p.Status.ObservedGeneration = gen - 1
		}
		if st.disrupted > 0 {
			p.Status.DisruptedPods = map[string]metav1.Time{}
			for i := range st.disrupted {
				p.Status.DisruptedPods[string(rune('a'+i%26))+itoa(i)] = metav1.NewTime(epoch)
			}
		}
		if st.conditionMsg != nil {
			c := *st.conditionMsg
			c.LastTransitionTime = metav1.NewTime(epoch)
			p.Status.Conditions = []metav1.Condition{c}
		}
		return p, nil
	}
	if st.allowed < 0 {
		// policy/v1 validation refuses a negative budget; only a v1beta1
		// writer could store one, so write it past validation.
		out, err := e.pdbs.Mutate(context.Background(), "default", name, func(obj runtime.Object) error {
			_, err := setStatus(obj)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out.(*policyv1.PodDisruptionBudget)
	}
	out, _, err := e.pdbs.Update(context.Background(), "default", name, setStatus, store.UpdateOptions{Subresource: "status"})
	if err != nil {
		t.Fatal(err)
	}
	return out.(*policyv1.PodDisruptionBudget)
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}

func (e *env) evict(name string, opts *metav1.DeleteOptions) error {
	if opts == nil {
		opts = &metav1.DeleteOptions{}
	}
	return e.ev.Evict(context.Background(), &Request{Namespace: "default", Name: name, Options: opts, FieldManager: "test"})
}

func (e *env) getPod(t *testing.T, name string) *corev1.Pod {
	t.Helper()
	obj, err := e.pods.Get(context.Background(), "default", name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return obj.(*corev1.Pod)
}

func (e *env) getPDB(t *testing.T, name string) *policyv1.PodDisruptionBudget {
	t.Helper()
	obj, err := e.pdbs.Get(context.Background(), "default", name)
	if err != nil {
		t.Fatal(err)
	}
	return obj.(*policyv1.PodDisruptionBudget)
}

func ptr[T any](v T) *T { return &v }

var policies = []struct {
	name   string
	policy *policyv1.UnhealthyPodEvictionPolicyType
}{
	{"nil", nil},
	{"IfHealthyBudget", ptr(policyv1.IfHealthyBudget)},
	{"AlwaysAllow", ptr(policyv1.AlwaysAllow)},
}
