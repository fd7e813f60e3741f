package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
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

// copyBomb is a JSON patch of n "copy" operations, each copying
// /metadata/annotations into a new key of itself: the document doubles
// with every operation (issue #7's 1.5 KB patch that killed the server).
func copyBomb(n int) string {
	ops := []string{`{"op":"add","path":"/metadata/annotations","value":{"seed":"` + strings.Repeat("x", 1000) + `"}}`}
	for i := range n {
		ops = append(ops, fmt.Sprintf(`{"op":"copy","from":"/metadata/annotations","path":"/metadata/annotations/k%d"}`, i))
	}
	return "[" + strings.Join(ops, ",") + "]"
}

// TestPatchGrowthIsBounded: no patch may build an object beyond the 3 MiB
// request limit. A JSON patch's copies are bounded as kube-apiserver bounds
// them (json-patch's accumulated copy size, JSONPatchMaxCopyBytes = 3 MiB;
// like any JSON patch that fails to apply, a bare 422 Invalid, word for word
// upstream's); any patch whose result is larger is 413; nothing is written.
func TestPatchGrowthIsBounded(t *testing.T) {
	t.Parallel()
	// A ConfigMap holds up to 1 MiB; a patch of 2.5 MiB more makes it
	// larger than 3 MiB.
	big, more := strings.Repeat("y", 1000000), strings.Repeat("z", 5<<19)
	for _, tc := range []struct {
		name, contentType, body, want string
		code                          int
	}{
		{name: "json copy bomb", contentType: string(types.JSONPatchType), body: copyBomb(12), code: http.StatusUnprocessableEntity,
			want: `"message":"the server rejected our request due to an error in our request","reason":"Invalid"`},
		{name: "json add", contentType: string(types.JSONPatchType), body: `[{"op":"add","path":"/data/more","value":"` + more + `"}]`, code: http.StatusRequestEntityTooLarge},
		{name: "merge", contentType: string(types.MergePatchType), body: `{"data":{"more":"` + more + `"}}`, code: http.StatusRequestEntityTooLarge},
		{name: "strategic", contentType: string(types.StrategicMergePatchType), body: `{"data":{"more":"` + more + `"}}`, code: http.StatusRequestEntityTooLarge},
		{name: "apply", contentType: string(types.ApplyYAMLPatchType), body: `{"apiVersion":"v1","kind":"ConfigMap","data":{"more":"` + more + `"}}`, code: http.StatusRequestEntityTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newTestAPI(t)
			a.mustDo(t, http.StatusCreated, http.MethodPost, cmPath,
				`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm"},"data":{"big":"`+big+`"}}`)
			before := a.revision(t)
			w := a.do(t, http.MethodPatch, cmPath+"/cm?fieldManager=bomb&force=true", tc.body, "Content-Type", tc.contentType)
			if w.Code != tc.code || !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("%d %.300s, want %d with %q", w.Code, w.Body, tc.code, tc.want)
			}
			if after := a.revision(t); after != before {
				t.Errorf("refused patch wrote (revision %d → %d)", before, after)
			}
		})
	}
}

// TestPatchHonoursResourceVersion: a patch or apply body carrying a stale
// metadata.resourceVersion is a precondition that fails with 409, as in
// kube-apiserver (`kubectl label --resource-version=OLD` relies on it); the
// current one succeeds.
func TestPatchHonoursResourceVersion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, contentType, body string }{
		{name: "merge", contentType: string(types.MergePatchType), body: `{"metadata":{"resourceVersion":"RV"},"data":{"x":"y"}}`},
		{name: "strategic", contentType: string(types.StrategicMergePatchType), body: `{"metadata":{"resourceVersion":"RV"},"data":{"x":"y"}}`},
		{name: "json", contentType: string(types.JSONPatchType), body: `[{"op":"replace","path":"/metadata/resourceVersion","value":"RV"},{"op":"add","path":"/data/x","value":"y"}]`},
		{name: "apply", contentType: string(types.ApplyYAMLPatchType), body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","resourceVersion":"RV"},"data":{"x":"y"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := newTestAPI(t)
			stale := resourceVersionOf(t, a.mustDo(t, http.StatusCreated, http.MethodPost, cmPath, configMapJSON("cm")))
			current := resourceVersionOf(t, a.mustDo(t, http.StatusOK, http.MethodPatch, cmPath+"/cm", `{"data":{"k":"v2"}}`, "Content-Type", string(types.MergePatchType)))
			before := a.revision(t)
			path := cmPath + "/cm?fieldManager=test"
			w := a.do(t, http.MethodPatch, path, strings.ReplaceAll(tc.body, "RV", stale), "Content-Type", tc.contentType)
			if w.Code != http.StatusConflict || !strings.Contains(w.Body.String(), conflictMessage) {
				t.Errorf("stale resourceVersion: %d %s, want 409 %q", w.Code, w.Body, conflictMessage)
			}
			if after := a.revision(t); after != before {
				t.Errorf("conflicting patch wrote (revision %d → %d)", before, after)
			}
			a.mustDo(t, http.StatusOK, http.MethodPatch, path, strings.ReplaceAll(tc.body, "RV", current), "Content-Type", tc.contentType)
		})
	}
}

// resourceVersionOf reads metadata.resourceVersion from a JSON answer.
func resourceVersionOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var obj struct {
		Metadata metav1.ObjectMeta `json:"metadata"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &obj); err != nil || obj.Metadata.ResourceVersion == "" {
		t.Fatalf("no resourceVersion in %s: %v", w.Body, err)
	}
	return obj.Metadata.ResourceVersion
}
