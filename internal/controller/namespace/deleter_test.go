package namespace

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	metadatafake "k8s.io/client-go/metadata/fake"
	k8stesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
)

var t0 = time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)

func terminating(deletedAgo time.Duration) *corev1.Namespace {
	ts := metav1.NewTime(t0.Add(-deletedAgo))
	return &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: "team", UID: "ns-uid", DeletionTimestamp: &ts},
		Spec:       corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
		Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
	}
}

func podWithGrace(name string, grace int64, phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "team"},
		Spec:       corev1.PodSpec{TerminationGracePeriodSeconds: &grace},
		Status:     corev1.PodStatus{Phase: phase},
	}
}

func podMeta(name string, finalizers ...string) *metav1.PartialObjectMetadata {
	return &metav1.PartialObjectMetadata{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "team", Finalizers: finalizers},
	}
}

func discoverPods() ([]*metav1.APIResourceList, error) {
	return []*metav1.APIResourceList{{GroupVersion: "v1", APIResources: []metav1.APIResource{
		{Name: "pods", Namespaced: true, Kind: "Pod", Verbs: metav1.Verbs{"delete", "deletecollection", "list"}},
	}}}, nil
}

// newTestDeleter builds a deleter whose metadata client never really
// deletes (so remaining content can be staged) over a fake clock at t0.
func newTestDeleter(ns *corev1.Namespace, podObjs []runtime.Object, metas ...runtime.Object) (*deleter, *fake.Clientset, *metadatafake.FakeMetadataClient) {
	client := fake.NewSimpleClientset(append([]runtime.Object{ns}, podObjs...)...)
	meta := metadatafake.NewSimpleMetadataClient(metadatafake.NewTestScheme())
	pods := corev1.SchemeGroupVersion.WithResource("pods")
	for _, m := range metas {
		obj := m.(*metav1.PartialObjectMetadata)
		if _, err := meta.Resource(pods).Namespace(obj.Namespace).(metadatafake.MetadataClient).CreateFake(obj, metav1.CreateOptions{}); err != nil {
			panic(err)
		}
	}
	meta.PrependReactor("delete-collection", "*", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, nil
	})
	d := newDeleter(client, meta, discoverPods, clocktesting.NewFakeClock(t0), slog.New(slog.NewTextHandler(io.Discard, nil)))
	return d, client, meta
}

func TestDelete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		deletedAgo   time.Duration
		pods         []runtime.Object
		metas        []runtime.Object
		wantEstimate int64 // 0: finalized, -1: another error
		wantRemain   corev1.NamespaceCondition
		wantFinals   corev1.NamespaceCondition
	}{
		{
			name: "empty namespace is finalized", deletedAgo: time.Second,
			wantRemain: corev1.NamespaceCondition{Status: corev1.ConditionFalse, Reason: "ContentRemoved", Message: "All content successfully removed"},
			wantFinals: corev1.NamespaceCondition{Status: corev1.ConditionFalse, Reason: "ContentHasNoFinalizers", Message: "All content-preserving finalizers finished"},
		},
		{
			name: "a pod in its grace period is waited for", deletedAgo: 10 * time.Second,
			pods:         []runtime.Object{podWithGrace("p", 30, corev1.PodRunning), podWithGrace("done", 600, corev1.PodSucceeded)},
			metas:        []runtime.Object{podMeta("p"), podMeta("done")},
			wantEstimate: 30,
			wantRemain:   corev1.NamespaceCondition{Status: corev1.ConditionTrue, Reason: "SomeResourcesRemain", Message: "Some resources are remaining: pods. has 2 resource instances"},
			wantFinals:   corev1.NamespaceCondition{Status: corev1.ConditionFalse, Reason: "ContentHasNoFinalizers", Message: "All content-preserving finalizers finished"},
		},
		{
			name: "a finalizer gets the default estimate", deletedAgo: 40 * time.Second,
			pods:         []runtime.Object{podWithGrace("p", 30, corev1.PodRunning)},
			metas:        []runtime.Object{podMeta("p", "example.com/hold")},
			wantEstimate: finalizerEstimateSeconds,
			wantRemain:   corev1.NamespaceCondition{Status: corev1.ConditionTrue, Reason: "SomeResourcesRemain", Message: "Some resources are remaining: pods. has 1 resource instances"},
			wantFinals:   corev1.NamespaceCondition{Status: corev1.ConditionTrue, Reason: "SomeFinalizersRemain", Message: "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances"},
		},
		{
			name: "a pod past its grace period is an error", deletedAgo: 40 * time.Second,
			pods:         []runtime.Object{podWithGrace("p", 30, corev1.PodRunning)},
			metas:        []runtime.Object{podMeta("p")},
			wantEstimate: -1,
			wantRemain:   corev1.NamespaceCondition{Status: corev1.ConditionTrue, Reason: "SomeResourcesRemain", Message: "Some resources are remaining: pods. has 1 resource instances"},
			wantFinals:   corev1.NamespaceCondition{Status: corev1.ConditionFalse, Reason: "ContentHasNoFinalizers", Message: "All content-preserving finalizers finished"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, client, _ := newTestDeleter(terminating(tt.deletedAgo), tt.pods, tt.metas...)
			err := d.Delete(context.Background(), "team")
			var remaining *ResourcesRemainingError
			switch {
			case tt.wantEstimate == 0 && err != nil, tt.wantEstimate > 0 && (!asRemaining(err, &remaining) || remaining.Estimate != tt.wantEstimate),
				tt.wantEstimate < 0 && (err == nil || asRemaining(err, &remaining)):
				t.Fatalf("Delete = %v, want estimate %d", err, tt.wantEstimate)
			}
			ns, _ := client.CoreV1().Namespaces().Get(context.Background(), "team", metav1.GetOptions{})
			if ns.Status.Phase != corev1.NamespaceTerminating {
				t.Errorf("phase = %s, want Terminating", ns.Status.Phase)
			}
			for _, check := range []struct {
				typ  corev1.NamespaceConditionType
				want corev1.NamespaceCondition
			}{{corev1.NamespaceContentRemaining, tt.wantRemain}, {corev1.NamespaceFinalizersRemaining, tt.wantFinals}} {
				got := findCondition(ns, check.typ)
				if got.Status != check.want.Status || got.Reason != check.want.Reason || got.Message != check.want.Message {
					t.Errorf("%s = %s/%s/%q, want %s/%s/%q", check.typ, got.Status, got.Reason, got.Message, check.want.Status, check.want.Reason, check.want.Message)
				}
				if !got.LastTransitionTime.Time.Equal(t0) {
					t.Errorf("%s lastTransitionTime %v, want the fake clock's %v", check.typ, got.LastTransitionTime, t0)
				}
			}
			finalized := len(ns.Spec.Finalizers) == 0
			if finalized != (tt.wantEstimate == 0) {
				t.Errorf("finalizers %v, finalized %v, want %v", ns.Spec.Finalizers, finalized, tt.wantEstimate == 0)
			}
		})
	}
}

func asRemaining(err error, target **ResourcesRemainingError) bool {
	r, ok := err.(*ResourcesRemainingError)
	*target = r
	return ok
}

func findCondition(ns *corev1.Namespace, t corev1.NamespaceConditionType) corev1.NamespaceCondition {
	for _, c := range ns.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	return corev1.NamespaceCondition{}
}

// TestDeleteLeavesLiveNamespacesAlone: no deletionTimestamp, no writes.
func TestDeleteLeavesLiveNamespacesAlone(t *testing.T) {
	t.Parallel()
	ns := terminating(0)
	ns.DeletionTimestamp = nil
	d, client, meta := newTestDeleter(ns, nil)
	if err := d.Delete(context.Background(), "team"); err != nil {
		t.Fatal(err)
	}
	for _, a := range append(client.Actions(), meta.Actions()...) {
		if a.GetVerb() != "get" {
			t.Errorf("action on a live namespace: %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
}
