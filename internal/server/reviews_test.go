package server_test

import (
	"slices"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/pkg/testserver"
)

func reviewClient(t *testing.T) kubernetes.Interface {
	t.Helper()
	srv := testserver.StartWith(t, testserver.Options{WithoutControllers: true})
	return kubernetes.NewForConfigOrDie(srv.RESTConfig())
}

// TestSelfSubjectReview is `kubectl auth whoami`: the token's identity,
// in system:masters and system:authenticated.
func TestSelfSubjectReview(t *testing.T) {
	t.Parallel()
	client := reviewClient(t)
	got, err := client.AuthenticationV1().SelfSubjectReviews().Create(t.Context(), &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	user := got.Status.UserInfo
	if user.Username != "evictd-admin" || !slices.Equal(user.Groups, []string{"system:masters", "system:authenticated"}) {
		t.Errorf("user info = %+v, want evictd-admin in system:masters and system:authenticated", user)
	}
	if got.CreationTimestamp.IsZero() {
		t.Error("creationTimestamp is not set")
	}
}

// TestSelfSubjectAccessReview is `kubectl auth can-i`: everything is
// allowed, with a reason; a malformed spec is a 422 naming the field.
func TestSelfSubjectAccessReview(t *testing.T) {
	t.Parallel()
	client := reviewClient(t)
	pods := &authorizationv1.ResourceAttributes{Namespace: "default", Verb: "create", Resource: "pods"}
	tests := []struct {
		name      string
		review    authorizationv1.SelfSubjectAccessReview
		wantField string // "" means allowed
	}{
		{name: "resource", review: authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: pods}}},
		{name: "subresource of another group", review: authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: "update", Group: "apps", Resource: "deployments", Subresource: "scale"}}}},
		{name: "non-resource URL", review: authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: "/metrics", Verb: "get"}}}},
		{name: "both attributes", wantField: "spec", review: authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: pods, NonResourceAttributes: &authorizationv1.NonResourceAttributes{Path: "/metrics", Verb: "get"}}}},
		{name: "neither attribute", wantField: "spec"},
		{name: "metadata set", wantField: "metadata", review: authorizationv1.SelfSubjectAccessReview{
			ObjectMeta: metav1.ObjectMeta{Name: "x"}, Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: pods}}},
		{name: "label selector without requirements", wantField: "spec.resourceAttributes.labelSelector.requirements", review: authorizationv1.SelfSubjectAccessReview{
			Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
				Verb: "list", Resource: "pods", LabelSelector: &authorizationv1.LabelSelectorAttributes{}}}}},
		{name: "field selector raw and requirements", wantField: "spec.resourceAttributes.fieldSelector.rawSelector", review: authorizationv1.SelfSubjectAccessReview{
			Spec: authorizationv1.SelfSubjectAccessReviewSpec{ResourceAttributes: &authorizationv1.ResourceAttributes{
				Verb: "list", Resource: "pods", FieldSelector: &authorizationv1.FieldSelectorAttributes{
					RawSelector: "spec.nodeName=n1", Requirements: []metav1.FieldSelectorRequirement{{Key: "spec.nodeName", Operator: "In", Values: []string{"n1"}}}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := client.AuthorizationV1().SelfSubjectAccessReviews().Create(t.Context(), &tt.review, metav1.CreateOptions{})
			if tt.wantField == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !got.Status.Allowed || got.Status.Denied || got.Status.Reason == "" {
					t.Errorf("status = %+v, want allowed with a reason", got.Status)
				}
				return
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("err = %v, want 422 Invalid", err)
			}
			causes := err.(apierrors.APIStatus).Status().Details.Causes
			if len(causes) != 1 || causes[0].Field != tt.wantField {
				t.Errorf("causes = %+v, want one naming %s", causes, tt.wantField)
			}
		})
	}
}

// TestSelfSubjectRulesReview is `kubectl auth can-i --list`: every verb on
// everything; a review without a namespace is a 400, as upstream.
func TestSelfSubjectRulesReview(t *testing.T) {
	t.Parallel()
	client := reviewClient(t)
	got, err := client.AuthorizationV1().SelfSubjectRulesReviews().Create(t.Context(),
		&authorizationv1.SelfSubjectRulesReview{Spec: authorizationv1.SelfSubjectRulesReviewSpec{Namespace: "default"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	all := []string{"*"}
	rules, nonResource := got.Status.ResourceRules, got.Status.NonResourceRules
	if len(rules) != 1 || !slices.Equal(rules[0].Verbs, all) || !slices.Equal(rules[0].APIGroups, all) || !slices.Equal(rules[0].Resources, all) {
		t.Errorf("resource rules = %+v, want every verb on everything", rules)
	}
	if len(nonResource) != 1 || !slices.Equal(nonResource[0].Verbs, all) || !slices.Equal(nonResource[0].NonResourceURLs, all) {
		t.Errorf("non-resource rules = %+v, want every verb on every URL", nonResource)
	}
	_, err = client.AuthorizationV1().SelfSubjectRulesReviews().Create(t.Context(), &authorizationv1.SelfSubjectRulesReview{}, metav1.CreateOptions{})
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "namespace") {
		t.Errorf("without a namespace: err = %v, want 400 naming the namespace", err)
	}
}

// TestReviewsAreCreateOnly: discovery lists each review with the one verb
// create, cluster-scoped, as kube-apiserver does; other verbs get 405.
func TestReviewsAreCreateOnly(t *testing.T) {
	t.Parallel()
	client := reviewClient(t)
	want := map[string][]string{
		"authentication.k8s.io/v1": {"selfsubjectreviews"},
		"authorization.k8s.io/v1":  {"selfsubjectaccessreviews", "selfsubjectrulesreviews"},
	}
	for gv, names := range want {
		list, err := client.Discovery().ServerResourcesForGroupVersion(gv)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range list.APIResources {
			got = append(got, r.Name)
			if !slices.Equal(r.Verbs, []string{"create"}) || r.Namespaced {
				t.Errorf("%s %s: verbs %v namespaced %v, want [create], cluster-scoped", gv, r.Name, r.Verbs, r.Namespaced)
			}
		}
		if !slices.Equal(got, names) {
			t.Errorf("%s serves %v, want %v", gv, got, names)
		}
	}
	// The aggregated document (what kubectl reads) lists them the same way.
	_, lists, err := client.Discovery().ServerGroupsAndResources()
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, list := range lists {
		for _, r := range list.APIResources {
			if strings.HasPrefix(r.Name, "selfsubject") {
				found++
				if !slices.Equal(r.Verbs, []string{"create"}) || r.Namespaced {
					t.Errorf("aggregated %s %s: verbs %v namespaced %v", list.GroupVersion, r.Name, r.Verbs, r.Namespaced)
				}
			}
		}
	}
	if found != 3 {
		t.Errorf("aggregated discovery lists %d self reviews, want 3", found)
	}
	err = client.AuthorizationV1().RESTClient().Get().Resource("selfsubjectaccessreviews").Do(t.Context()).Error()
	if !apierrors.IsMethodNotSupported(err) {
		t.Errorf("list: err = %v, want 405", err)
	}
}
