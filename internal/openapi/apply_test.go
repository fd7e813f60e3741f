package openapi_test

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	clientopenapi "k8s.io/client-go/openapi"
	"k8s.io/client-go/openapi/cached"
	"k8s.io/client-go/openapi3"
	"k8s.io/kube-openapi/pkg/validation/spec"
	kubectlopenapi "k8s.io/kubectl/pkg/util/openapi"
	"k8s.io/utils/ptr"
)

// TestClientSideApplyPatches checks that `kubectl apply` computes the same
// strategic merge patch from the served schemas (kubectl 1.29+ reads v3,
// 1.27/1.28 read v2) as from the Go types: with wrong patch strategies or
// merge keys it would replace whole lists instead of merging them.
func TestClientSideApplyPatches(t *testing.T) {
	t.Parallel()
	c := newClients(t, newDocuments(t))
	root := openapi3.NewRoot(cached.NewClient(c.discovery.OpenAPIV3()))
	v2, err := kubectlopenapi.NewOpenAPIParser(kubectlopenapi.NewOpenAPIGetter(c.discovery)).Parse()
	if err != nil {
		t.Fatal(err)
	}
	pod := schema.GroupVersionKind{Version: "v1", Kind: "Pod"}
	deployment := schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	for _, tc := range []struct {
		name                        string
		gvk                         schema.GroupVersionKind
		goType                      any
		original, modified, current string
	}{
		{"container image and env by merge key", pod, &corev1.Pod{},
			`{"spec":{"containers":[{"name":"a","image":"x:1","env":[{"name":"A","value":"1"}]},{"name":"b","image":"y:1"}]}}`,
			`{"spec":{"containers":[{"name":"a","image":"x:2","env":[{"name":"B","value":"2"}]},{"name":"b","image":"y:1"}]}}`,
			`{"metadata":{"labels":{"live":"yes"}},"spec":{"containers":[{"name":"b","image":"y:1"},{"name":"a","image":"x:1","env":[{"name":"A","value":"1"}]}]}}`},
		{"volumes retain keys", pod, &corev1.Pod{},
			`{"spec":{"volumes":[{"name":"v","emptyDir":{}}]}}`,
			`{"spec":{"volumes":[{"name":"v","configMap":{"name":"c"}}]}}`,
			`{"spec":{"volumes":[{"name":"v","emptyDir":{}}]}}`},
		{"tolerations are replaced (no merge key)", pod, &corev1.Pod{},
			`{"spec":{"tolerations":[{"key":"a","operator":"Exists"}]}}`,
			`{"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}}`,
			`{"spec":{"tolerations":[{"key":"a","operator":"Exists"},{"key":"c","operator":"Exists"}]}}`},
		{"labels and finalizers", pod, &corev1.Pod{},
			`{"metadata":{"labels":{"a":"1"},"finalizers":["x"]}}`,
			`{"metadata":{"labels":{"b":"2"},"finalizers":["y"]}}`,
			`{"metadata":{"labels":{"a":"1","c":"3"},"finalizers":["x","z"]}}`},
		{"deployment template ports", deployment, &appsv1.Deployment{},
			`{"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80}]}]}}}}`,
			`{"spec":{"replicas":2,"template":{"spec":{"containers":[{"name":"a","ports":[{"containerPort":8080}]}]}}}}`,
			`{"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80},{"containerPort":9090}]}]}}}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fromStruct, err := strategicpatch.NewPatchMetaFromStruct(tc.goType)
			if err != nil {
				t.Fatal(err)
			}
			want := threeWay(t, tc.original, tc.modified, tc.current, fromStruct)

			// As kubectl's apply Patcher.buildStrategicMergePatchFromOpenAPIV3.
			doc, err := root.GVSpec(tc.gvk.GroupVersion())
			if err != nil {
				t.Fatal(err)
			}
			var kindSchema *spec.Schema
			for _, name := range kindSchemas(doc, tc.gvk.Group, tc.gvk.Version, tc.gvk.Kind) {
				kindSchema = doc.Components.Schemas[name]
			}
			if kindSchema == nil {
				t.Fatalf("no v3 schema for %v", tc.gvk)
			}
			fromV3 := strategicpatch.PatchMetaFromOpenAPIV3{Schema: kindSchema, SchemaList: doc.Components.Schemas}
			if got := threeWay(t, tc.original, tc.modified, tc.current, fromV3); got != want {
				t.Errorf("v3 patch %s, want %s", got, want)
			}

			// As kubectl 1.27/1.28's Patcher.buildStrategicMergeFromOpenAPI.
			model := v2.LookupResource(tc.gvk)
			if model == nil {
				t.Fatalf("no v2 model for %v", tc.gvk)
			}
			if got := threeWay(t, tc.original, tc.modified, tc.current, strategicpatch.NewPatchMetaFromOpenAPI(model)); got != want {
				t.Errorf("v2 patch %s, want %s", got, want)
			}
		})
	}
}

func threeWay(t *testing.T, original, modified, current string, meta strategicpatch.LookupPatchMeta) string {
	t.Helper()
	patch, err := strategicpatch.CreateThreeWayMergePatch([]byte(original), []byte(modified), []byte(current), meta, true) // kubectl apply --overwrite defaults to true
	if err != nil {
		t.Fatalf("three-way patch: %v", err)
	}
	return string(patch)
}

// TestTypeConverter builds the structured-merge-diff type converter that
// client-go (openapi.NewTypeConverter) and server-side apply build from v3
// schemas, and converts objects with it.
func TestTypeConverter(t *testing.T) {
	t.Parallel()
	c := newClients(t, newDocuments(t))
	tc, err := clientopenapi.NewTypeConverter(c.discovery.OpenAPIV3(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range []runtime.Object{
		&corev1.Pod{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name: "c", Image: "nginx",
				Ports:     []corev1.ContainerPort{{ContainerPort: 80}},
				Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}},
			}}},
		},
		&appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}},
		&policyv1.PodDisruptionBudget{
			TypeMeta: metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
			Spec:     policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromString("10%"))},
		},
	} {
		if _, err := tc.ObjectToTyped(obj); err != nil {
			t.Errorf("%T: %v", obj, err)
		}
	}
}
