package apiserver

import (
	"net/http"
	"net/http/httptest"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// TestPatchErrors: the status of a patch that cannot be used follows
// kube-apiserver: an undecodable patch is 400, a JSON patch that does not
// apply to the object (a failed "test" op, a missing path) is 422 Invalid.
func TestPatchErrors(t *testing.T) {
	current := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"tier": "front"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx"}}},
	}
	for _, tc := range []struct {
		name  string
		pt    types.PatchType
		patch string
		code  int32
	}{
		{name: "json test fails", pt: types.JSONPatchType, patch: `[{"op":"test","path":"/metadata/labels/tier","value":"back"}]`, code: http.StatusUnprocessableEntity},
		{name: "json remove missing", pt: types.JSONPatchType, patch: `[{"op":"remove","path":"/metadata/labels/nope"}]`, code: http.StatusUnprocessableEntity},
		{name: "json undecodable", pt: types.JSONPatchType, patch: `{"op":"add"}`, code: http.StatusBadRequest},
		{name: "merge undecodable", pt: types.MergePatchType, patch: `{`, code: http.StatusBadRequest},
		{name: "strategic undecodable", pt: types.StrategicMergePatchType, patch: `[]`, code: http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := fuzzPodResource()
			apply, err := patcher(tc.pt, []byte(tc.patch), res)
			if err == nil {
				_, err = patchObject(httptest.NewRecorder(), res, current.DeepCopy(), apply, metav1.FieldValidationStrict)
			}
			status, ok := err.(apierrors.APIStatus)
			if !ok {
				t.Fatalf("got %v, want a Status error with code %d", err, tc.code)
			}
			if got := status.Status().Code; got != tc.code {
				t.Errorf("code %d (%v), want %d", got, err, tc.code)
			}
			if tc.code == http.StatusUnprocessableEntity && !apierrors.IsInvalid(err) {
				t.Errorf("reason %q, want Invalid", status.Status().Reason)
			}
		})
	}
}
