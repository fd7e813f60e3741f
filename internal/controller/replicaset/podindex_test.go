package replicaset

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stypes "k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

func TestPodsAreIndexedByControllerUID(t *testing.T) {
	t.Parallel()
	ref := func(uid string, controller bool) metav1.OwnerReference {
		return metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: k8stypes.UID("uid-" + uid), Controller: ptr.To(controller)}
	}
	tests := []struct {
		name string
		obj  any
		want []string
	}{
		{name: "a controlled pod under its controller's UID", obj: podOwnedBy(ref("a", true)), want: []string{"uid-a"}},
		{name: "an orphan under its namespace's orphan key", obj: podOwnedBy(), want: []string{"orphan/ns"}},
		{name: "an owner that is not the controller leaves an orphan", obj: podOwnedBy(ref("a", false)), want: []string{"orphan/ns"}},
		{name: "something else is not indexed", obj: &corev1.Node{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := indexByControllerUID(tt.obj)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("index = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestBothControllersShareTheIndex(t *testing.T) {
	t.Parallel()
	factory := informers.NewSharedInformerFactory(fake.NewClientset(), 0)
	informer := factory.Core().V1().Pods().Informer()
	for range 2 { // the ReplicaSet controller, then the RC manager
		if err := addControllerUIDIndex(informer); err != nil {
			t.Fatal(err)
		}
	}
}

func podOwnedBy(refs ...metav1.OwnerReference) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", OwnerReferences: refs}}
}
