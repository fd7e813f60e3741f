package e2e

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// lastApplied is the annotation client-side apply keeps its last
// configuration in.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// TestApply: client-side apply creates, then, with a changed image,
// sends a strategic-merge PATCH computed from the last-applied
// annotation; applying the same file again changes nothing.
func TestApply(t *testing.T) {
	withEachKubectl(t, func(t *testing.T, e *env) {
		wantLine(t, e.run(t, "apply", "-f", "testdata/pod.yaml").stdout, `^pod/web created$`)
		if a := e.pod(t, "web").Annotations[lastApplied]; !strings.Contains(a, "nginx:1.25") {
			t.Fatalf("%s is %q, want the applied manifest", lastApplied, a)
		}

		changed := rewrite(t, "testdata/pod.yaml", "nginx:1.25", "nginx:1.26")
		// -v=7 logs each request with its headers on stderr.
		r := e.run(t, "apply", "-f", changed, "-v=7")
		wantLine(t, r.stdout, `^pod/web configured$`)
		wantLine(t, r.stderr, `PATCH.*https://[^ ]*/api/v1/namespaces/default/pods/web\?`)
		wantLine(t, r.stderr, `Content-Type: application/strategic-merge-patch\+json`)

		pod := e.pod(t, "web")
		if got := pod.Spec.Containers[0].Image; got != "nginx:1.26" {
			t.Errorf("image %q after the second apply, want nginx:1.26", got)
		}
		if a := pod.Annotations[lastApplied]; !strings.Contains(a, "nginx:1.26") {
			t.Errorf("%s is %q, want the second manifest", lastApplied, a)
		}
		if !hasManager(pod.ManagedFields, "kubectl-client-side-apply", metav1.ManagedFieldsOperationUpdate) {
			t.Errorf("managedFields %v, want an Update by kubectl-client-side-apply", managers(pod.ManagedFields))
		}

		wantLine(t, e.run(t, "apply", "-f", changed).stdout, `^pod/web unchanged$`)
	})
}

// TestApplyServerSide: apply --server-side records the "kubectl" manager
// in managedFields, a second manager conflicts on the image until it
// forces.
func TestApplyServerSide(t *testing.T) {
	withEachKubectl(t, func(t *testing.T, e *env) {
		wantLine(t, e.run(t, "apply", "--server-side", "-f", "testdata/pod.yaml").stdout, `^pod/web serverside-applied$`)
		pod := e.pod(t, "web")
		if !hasManager(pod.ManagedFields, "kubectl", metav1.ManagedFieldsOperationApply) {
			t.Fatalf("managedFields %v, want an Apply by kubectl", managers(pod.ManagedFields))
		}

		changed := rewrite(t, "testdata/pod.yaml", "nginx:1.25", "nginx:1.26")
		wantLine(t, e.run(t, "apply", "--server-side", "-f", changed).stdout, `^pod/web serverside-applied$`)
		if got := e.pod(t, "web").Spec.Containers[0].Image; got != "nginx:1.26" {
			t.Errorf("image %q after the second apply, want nginx:1.26", got)
		}

		other := rewrite(t, "testdata/pod.yaml", "nginx:1.25", "nginx:1.27")
		r := e.runExit(t, 1, "apply", "--server-side", "--field-manager=other", "-f", other)
		wantLine(t, r.stderr, `conflict with "kubectl".*\.spec\.containers\[name="c"\]\.image`)
		e.run(t, "apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", other)
		pod = e.pod(t, "web")
		if got := pod.Spec.Containers[0].Image; got != "nginx:1.27" {
			t.Errorf("image %q after the forced apply, want nginx:1.27", got)
		}
		if !hasManager(pod.ManagedFields, "other", metav1.ManagedFieldsOperationApply) {
			t.Errorf("managedFields %v, want an Apply by other", managers(pod.ManagedFields))
		}
	})
}

func hasManager(fields []metav1.ManagedFieldsEntry, manager string, op metav1.ManagedFieldsOperationType) bool {
	for _, f := range fields {
		if f.Manager == manager && f.Operation == op {
			return true
		}
	}
	return false
}

// managers lists "manager/operation" for failure messages.
func managers(fields []metav1.ManagedFieldsEntry) []string {
	var out []string
	for _, f := range fields {
		out = append(out, f.Manager+"/"+string(f.Operation))
	}
	return out
}
