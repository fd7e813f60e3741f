package openapi_test

import (
	"bytes"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/openapi/cached"
	explainv1 "k8s.io/kubectl/pkg/explain"
	explainv2 "k8s.io/kubectl/pkg/explain/v2"
	kubectlopenapi "k8s.io/kubectl/pkg/util/openapi"
)

// explainCases are `kubectl explain` arguments and text the output must hold.
var explainCases = []struct {
	name   string
	gvr    schema.GroupVersionResource
	kind   string
	fields []string
	want   []string
}{
	{"pods", schema.GroupVersionResource{Version: "v1", Resource: "pods"}, "Pod", nil,
		[]string{"KIND:       Pod", corev1.Pod{}.SwaggerDoc()[""], "spec\t<PodSpec>"}},
	{"pods.spec.containers", schema.GroupVersionResource{Version: "v1", Resource: "pods"}, "Pod", []string{"spec", "containers"},
		[]string{"FIELD: containers <[]Container>", "A single application container", "name\t<string> -required-", "image\t<string>"}},
	{"pods.spec.containers.resources.limits", schema.GroupVersionResource{Version: "v1", Resource: "pods"}, "Pod", []string{"spec", "containers", "resources", "limits"},
		[]string{"FIELD: limits <map[string]Quantity>"}},
	{"nodes.spec", schema.GroupVersionResource{Version: "v1", Resource: "nodes"}, "Node", []string{"spec"},
		[]string{"unschedulable\t<boolean>", "taints\t<[]Taint>"}},
	{"poddisruptionbudgets.spec", schema.GroupVersionResource{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"}, "PodDisruptionBudget", []string{"spec"},
		[]string{"GROUP:      policy", "maxUnavailable\t<IntOrString>", policyv1.PodDisruptionBudgetSpec{}.SwaggerDoc()[""][:40]}},
	{"deployments.spec.template", schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, "Deployment", []string{"spec", "template"},
		[]string{"FIELD: template <PodTemplateSpec> -required-"[:26], "metadata\t<ObjectMeta>"}},
}

// TestExplainV3 renders with the explainer of kubectl 1.29+, which reads
// the v3 document of the resource's group/version.
func TestExplainV3(t *testing.T) {
	t.Parallel()
	c := newClients(t, newDocuments(t))
	client := cached.NewClient(c.discovery.OpenAPIV3())
	for _, tc := range explainCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			if err := explainv2.PrintModelDescription(tc.fields, &out, client, tc.gvr, false, 0, "plaintext"); err != nil {
				t.Fatalf("explain: %v\n%s", err, out.String())
			}
			checkContains(t, out.String(), tc.want)
		})
	}
}

// TestExplainV2 renders with the explainer of kubectl 1.27/1.28, which
// reads the protobuf Swagger document.
func TestExplainV2(t *testing.T) {
	t.Parallel()
	c := newClients(t, newDocuments(t))
	resources, err := kubectlopenapi.NewOpenAPIParser(kubectlopenapi.NewOpenAPIGetter(c.discovery)).Parse()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range explainCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gvk := tc.gvr.GroupVersion().WithKind(tc.kind)
			model := resources.LookupResource(gvk)
			if model == nil {
				t.Fatalf("no model for %v", gvk)
			}
			var out bytes.Buffer
			if err := explainv1.PrintModelDescription(tc.fields, &out, model, gvk, false, 0); err != nil {
				t.Fatalf("explain: %v", err)
			}
			// The old explainer words things differently; the descriptions
			// must be there all the same.
			for _, want := range tc.want {
				if strings.Contains(want, "\t") || strings.Contains(want, ":   ") || strings.HasPrefix(want, "FIELD") {
					continue
				}
				checkContains(t, out.String(), []string{want})
			}
		})
	}
}

func checkContains(t *testing.T, out string, want []string) {
	t.Helper()
	// The explainers wrap long lines; compare with whitespace collapsed.
	flat := strings.Join(strings.Fields(out), " ")
	for _, w := range want {
		if !strings.Contains(out, w) && !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}
