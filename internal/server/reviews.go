package server

import (
	"context"
	"fmt"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/apiserver"
	"github.com/evictd/evictd/internal/registry"
)

// allowedReason is the reason of every SelfSubjectAccessReview answer:
// evictd authorizes nothing, and says so.
const allowedReason = "evictd allows every authenticated request: it has no authorization"

// reviews are the create-only reviews kubectl auth uses: whoami
// (SelfSubjectReview), can-i (SelfSubjectAccessReview) and can-i --list
// (SelfSubjectRulesReview). They answer for the caller, whom clk stamps.
func reviews(clk clock.PassiveClock) []apiserver.Review {
	return []apiserver.Review{{
		Resource: reviewResource(authenticationv1.SchemeGroupVersion.WithKind("SelfSubjectReview"), "selfsubjectreviews",
			func() runtime.Object { return &authenticationv1.SelfSubjectReview{} }),
		Create: func(ctx context.Context, obj runtime.Object) (runtime.Object, error) {
			return selfSubjectReview(ctx, clk, obj)
		},
	}, {
		Resource: reviewResource(authorizationv1.SchemeGroupVersion.WithKind("SelfSubjectAccessReview"), "selfsubjectaccessreviews",
			func() runtime.Object { return &authorizationv1.SelfSubjectAccessReview{} }),
		Create: selfSubjectAccessReview,
	}, {
		Resource: reviewResource(authorizationv1.SchemeGroupVersion.WithKind("SelfSubjectRulesReview"), "selfsubjectrulesreviews",
			func() runtime.Object { return &authorizationv1.SelfSubjectRulesReview{} }),
		Create: selfSubjectRulesReview,
	}}
}

func reviewResource(gvk schema.GroupVersionKind, plural string, newObj func() runtime.Object) *registry.Resource {
	return &registry.Resource{
		GroupVersion: gvk.GroupVersion(), Plural: plural, Singular: strings.TrimSuffix(plural, "s"), Kind: gvk.Kind, New: newObj,
	}
}

// selfSubjectReview answers `kubectl auth whoami`: the caller's user info,
// stamped with the time, as upstream's REST storage builds it (the
// request's metadata and spec are not read).
func selfSubjectReview(ctx context.Context, clk clock.PassiveClock, obj runtime.Object) (runtime.Object, error) {
	if _, ok := obj.(*authenticationv1.SelfSubjectReview); !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a SelfSubjectReview: %T", obj))
	}
	return &authenticationv1.SelfSubjectReview{
		ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(clk.Now())},
		Status:     authenticationv1.SelfSubjectReviewStatus{UserInfo: userFrom(ctx)},
	}, nil
}

// selfSubjectAccessReview answers `kubectl auth can-i`: validated as
// kube-apiserver 1.37 validates it, then allowed, since the caller may do
// everything.
func selfSubjectAccessReview(_ context.Context, obj runtime.Object) (runtime.Object, error) {
	sar, ok := obj.(*authorizationv1.SelfSubjectAccessReview)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a SelfSubjectAccessReview: %T", obj))
	}
	if errs := validateSelfSubjectAccessReview(sar); len(errs) > 0 {
		return nil, apierrors.NewInvalid(authorizationv1.SchemeGroupVersion.WithKind("SelfSubjectAccessReview").GroupKind(), "", errs)
	}
	sar.Status = authorizationv1.SubjectAccessReviewStatus{Allowed: true, Reason: allowedReason}
	return sar, nil
}

// selfSubjectRulesReview answers `kubectl auth can-i --list`: every verb
// on every resource and non-resource URL, the rules of upstream's
// cluster-admin role. As upstream, spec.namespace is required (400).
func selfSubjectRulesReview(_ context.Context, obj runtime.Object) (runtime.Object, error) {
	srr, ok := obj.(*authorizationv1.SelfSubjectRulesReview)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a SelfSubjectRulesReview: %T", obj))
	}
	if srr.Spec.Namespace == "" {
		return nil, apierrors.NewBadRequest("no namespace on request")
	}
	all := []string{"*"}
	return &authorizationv1.SelfSubjectRulesReview{
		Spec: srr.Spec,
		Status: authorizationv1.SubjectRulesReviewStatus{
			ResourceRules:    []authorizationv1.ResourceRule{{Verbs: all, APIGroups: all, Resources: all}},
			NonResourceRules: []authorizationv1.NonResourceRule{{Verbs: all, NonResourceURLs: all}},
		},
	}, nil
}

// metadataEmpty reports whether a review's metadata is empty but for
// managedFields, which upstream ignores.
func metadataEmpty(m metav1.ObjectMeta) bool {
	m.ManagedFields = nil
	return apiequality.Semantic.DeepEqual(metav1.ObjectMeta{}, m)
}
