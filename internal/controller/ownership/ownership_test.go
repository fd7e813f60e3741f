package ownership

import (
	"context"
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

var rsKind = schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "ReplicaSet"}

func owner(uid types.UID) metav1.OwnerReference {
	name := "rs"
	if uid != "rs-uid" {
		name = "other"
	}
	return metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: name, UID: uid,
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}
}

func pod(name, app string, refs ...metav1.OwnerReference) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Namespace: "ns", Name: name, UID: types.UID("uid-" + name),
		Labels: map[string]string{"app": app}, OwnerReferences: refs,
	}}
}

func controllerMeta(deleting bool) *metav1.ObjectMeta {
	m := &metav1.ObjectMeta{Namespace: "ns", Name: "rs", UID: "rs-uid"}
	if deleting {
		m.DeletionTimestamp = &metav1.Time{}
	}
	return m
}

func TestClaim(t *testing.T) {
	t.Parallel()
	mine := owner("rs-uid")
	deleting := pod("orphan-deleting", "web")
	deleting.DeletionTimestamp = &metav1.Time{}
	deleting.Finalizers = []string{"keep"}
	tests := []struct {
		name     string
		pod      *corev1.Pod
		deleting bool // the controller
		canAdopt error
		create   bool // the pod exists on the server
		claimed  bool
		wantErr  bool
		// wantOwner is the pod's controller UID on the server afterwards.
		wantOwner types.UID
	}{
		{name: "owned and matching is kept", pod: pod("a", "web", mine), create: true, claimed: true, wantOwner: "rs-uid"},
		{name: "owned and not matching is released", pod: pod("a", "db", mine), create: true, wantOwner: ""},
		{name: "owned, not matching, gone is fine", pod: pod("a", "db", mine)},
		{name: "orphan matching is adopted", pod: pod("a", "web"), create: true, claimed: true, wantOwner: "rs-uid"},
		{name: "orphan not matching is ignored", pod: pod("a", "db"), create: true},
		{name: "orphan being deleted is ignored", pod: deleting, create: true},
		{name: "orphan gone is fine", pod: pod("a", "web")},
		{name: "someone else's is ignored", pod: pod("a", "web", owner("other")), create: true, wantOwner: "other"},
		{name: "deleting controller keeps its own", pod: pod("a", "web", mine), deleting: true, create: true, claimed: true, wantOwner: "rs-uid"},
		{name: "deleting controller does not release", pod: pod("a", "db", mine), deleting: true, create: true, wantOwner: "rs-uid"},
		{name: "deleting controller does not adopt", pod: pod("a", "web"), deleting: true, create: true},
		{name: "failed adoption check", pod: pod("a", "web"), canAdopt: errors.New("gone"), create: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var objs []runtime.Object
			if tt.create {
				objs = append(objs, tt.pod.DeepCopy())
			}
			client := fake.NewClientset(objs...)
			sel := labels.SelectorFromSet(labels.Set{"app": "web"})
			m := NewManager(controllerMeta(tt.deleting), rsKind, sel,
				func(context.Context) error { return tt.canAdopt }, PatchPods(client))
			got, err := Claim(t.Context(), m, []*corev1.Pod{tt.pod})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Claim error = %v, want error %v", err, tt.wantErr)
			}
			if (len(got) == 1) != tt.claimed {
				t.Errorf("claimed %d pods, want claimed %v", len(got), tt.claimed)
			}
			if !tt.create {
				return
			}
			p, err := client.CoreV1().Pods("ns").Get(t.Context(), tt.pod.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var uid types.UID
			if ref := metav1.GetControllerOf(p); ref != nil {
				uid = ref.UID
				if uid == "rs-uid" && (ref.Kind != "ReplicaSet" || ref.Name != "rs" || !*ref.BlockOwnerDeletion) {
					t.Errorf("controller ref = %+v", ref)
				}
			}
			if uid != tt.wantOwner {
				t.Errorf("controller on the server = %q, want %q", uid, tt.wantOwner)
			}
		})
	}
}

func TestClaimFiltersAndChecksOnce(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset(pod("a", "web"), pod("b", "web"), pod("c", "web"))
	checks := 0
	m := NewManager(controllerMeta(false), rsKind, labels.SelectorFromSet(labels.Set{"app": "web"}),
		func(context.Context) error { checks++; return nil }, PatchPods(client))
	notC := func(p *corev1.Pod) bool { return p.Name != "c" }
	got, err := Claim(t.Context(), m, []*corev1.Pod{pod("a", "web"), pod("b", "web"), pod("c", "web")}, notC)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" {
		t.Errorf("claimed %v, want a and b", got)
	}
	if checks != 1 {
		t.Errorf("adoption check ran %d times, want once", checks)
	}
}

func TestRecheckDeletionTimestamp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		meta    *metav1.ObjectMeta
		getErr  error
		wantErr bool
	}{
		{name: "alive", meta: controllerMeta(false)},
		{name: "being deleted", meta: controllerMeta(true), wantErr: true},
		{name: "get fails", getErr: errors.New("boom"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			check := RecheckDeletionTimestamp(func(context.Context) (metav1.Object, error) {
				return tt.meta, tt.getErr
			})
			if err := check(t.Context()); (err != nil) != tt.wantErr {
				t.Errorf("check = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}
