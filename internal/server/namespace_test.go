package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/pkg/testserver"
)

// TestNamespaceDeletionWaitsForFinalize: deleting a namespace marks it
// Terminating and keeps it and its content, through status updates too;
// removing its finalizers through namespaces/finalize (the namespace
// controller's job) removes it, as upstream's namespace store does.
func TestNamespaceDeletionWaitsForFinalize(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	ctx := t.Context()
	if _, err := client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().ConfigMaps("team").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "keep"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := client.CoreV1().Namespaces().Delete(ctx, "team", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := client.CoreV1().Namespaces().Delete(ctx, "team", metav1.DeleteOptions{}); !apierrors.IsConflict(err) ||
		!strings.Contains(err.Error(), "The system is ensuring all content is removed from this namespace.") {
		t.Fatalf("second delete of a terminating namespace: %v, want upstream's Conflict", err)
	}
	ns, err := client.CoreV1().Namespaces().Get(ctx, "team", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ns.Status.Phase != corev1.NamespaceTerminating || ns.DeletionTimestamp == nil {
		t.Fatalf("namespace after delete: phase %s, deletionTimestamp %v", ns.Status.Phase, ns.DeletionTimestamp)
	}
	if _, err := client.CoreV1().ConfigMaps("team").Get(ctx, "keep", metav1.GetOptions{}); err != nil {
		t.Fatalf("content of a terminating namespace lost: %v", err)
	}
	if _, err := client.CoreV1().ConfigMaps("team").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "new"}}, metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("create in a terminating namespace: %v, want Forbidden", err)
	}
	ns.Status.Conditions = append(ns.Status.Conditions, corev1.NamespaceCondition{Type: corev1.NamespaceDeletionContentFailure, Status: corev1.ConditionFalse, Reason: "ContentDeleted"})
	if ns, err = client.CoreV1().Namespaces().UpdateStatus(ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("status update of a terminating namespace: %v", err)
	}
	ns.Spec.Finalizers = nil
	if _, err := client.CoreV1().Namespaces().Finalize(ctx, ns, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("finalize: %v", err)
	}
	if _, err := client.CoreV1().Namespaces().Get(ctx, "team", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("namespace after finalize and delete: %v, want NotFound", err)
	}
}

// TestDeleteAnswersWithTheObject: pods, namespaces and serviceaccounts
// answer a completed DELETE with the object (upstream's
// ReturnDeletedObject); other resources with a Success Status.
func TestDeleteAnswersWithTheObject(t *testing.T) {
	t.Parallel()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	client := kubernetes.NewForConfigOrDie(srv.RESTConfig())
	c := newRawClient(t, srv)
	ctx := t.Context()
	if _, err := client.CoreV1().Pods("default").Create(ctx, testPod("p"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "c"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{
		"/api/v1/namespaces/default/pods/p":       "Pod",
		"/api/v1/namespaces/default/configmaps/c": "Status",
	} {
		code, _, body := c.do(t, "DELETE", path, "", nil)
		var got metav1.TypeMeta
		if err := json.Unmarshal(body, &got); err != nil || code != 200 || got.Kind != kind {
			t.Errorf("DELETE %s: %d %s, want 200 with a %s", path, code, body, kind)
		}
	}
}
