package durability

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// TestKillMemoryKeepsNothing: what README and docs/storage.md say of the
// default store, checked the same way as etcd's durability: after kill -9
// and a restart on the same data directory, an acknowledged write is gone
// (only the PKI in --data-dir survives, so the old kubeconfig still works).
func TestKillMemoryKeepsNothing(t *testing.T) {
	t.Parallel()
	dirs := newServeDirs(t)
	flags := []string{"--storage=memory", "--nodes=0", "--controllers=false"}
	first := startServe(t, "127.0.0.1:0", dirs, flags...)
	client := kubernetes.NewForConfigOrDie(first.config)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "acknowledged"}, Data: map[string]string{"k": "v"}}
	if _, err := client.CoreV1().ConfigMaps(metav1.NamespaceDefault).Create(t.Context(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	first.kill(t)

	second := startServe(t, "127.0.0.1:0", dirs, flags...)
	client = kubernetes.NewForConfigOrDie(second.config)
	_, err := client.CoreV1().ConfigMaps(metav1.NamespaceDefault).Get(t.Context(), cm.Name, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("memory store after kill -9 and restart: get configmap: %v, want NotFound (nothing survives)", err)
	}
}
