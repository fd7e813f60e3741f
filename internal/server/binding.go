package server

import (
	"net/http"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/apiserver"
	"github.com/evictd/evictd/internal/registry/pod"
)

var podsGVR = corev1.SchemeGroupVersion.WithResource("pods")

// subresources are the special subresources beyond status; evict serves
// pods/eviction, logs pods/log and bind pods/binding.
func subresources(bind, evict, logs apiserver.SubresourceHandler) []apiserver.Subresource {
	return []apiserver.Subresource{{
		Parent:  podsGVR,
		Name:    "log",
		Kind:    corev1.SchemeGroupVersion.WithKind("Pod"),
		Verbs:   []string{"get"},
		Handler: logs,
	}, {
		Parent:  podsGVR,
		Name:    "binding",
		Kind:    corev1.SchemeGroupVersion.WithKind("Binding"),
		Verbs:   []string{"create"},
		Handler: bind,
	}, {
		// Discovery advertises policy/v1 Eviction: kubectl drain uses the
		// eviction API only when this entry names a group and version.
		Parent:  podsGVR,
		Name:    "eviction",
		Kind:    policyv1.SchemeGroupVersion.WithKind("Eviction"),
		Verbs:   []string{"create"},
		Handler: evict,
	}}
}

// bindPod serves POST pods/{name}/binding, the scheduler's way of setting
// spec.nodeName: it answers 201 with a Success Status. PodScheduled is
// stamped with clk's time.
func bindPod(clk clock.PassiveClock) apiserver.SubresourceHandler {
	return func(w http.ResponseWriter, r *http.Request, req *apiserver.Request) { bind(w, r, req, clk) }
}

func bind(w http.ResponseWriter, r *http.Request, req *apiserver.Request, clk clock.PassiveClock) {
	if req.Verb != "create" {
		req.WriteError(w, r, apierrors.NewMethodNotSupported(req.Resource.GroupResource(), req.Verb))
		return
	}
	obj, err := apiserver.DecodeBody(w, r, &corev1.Binding{}, corev1.SchemeGroupVersion.WithKind("Binding"))
	if err != nil {
		req.WriteError(w, r, err)
		return
	}
	binding := obj.(*corev1.Binding)
	if binding.Name != req.Name {
		req.WriteError(w, r, apierrors.NewBadRequest("name in URL does not match name in Binding object"))
		return
	}
	if binding.Namespace != "" && binding.Namespace != req.Namespace {
		req.WriteError(w, r, apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request"))
		return
	}
	if errs := pod.ValidateBinding(binding); len(errs) > 0 {
		req.WriteError(w, r, apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Binding").GroupKind(), binding.Name, errs))
		return
	}
	_, err = req.Store.Mutate(r.Context(), req.Namespace, req.Name, func(o runtime.Object) error {
		// Bind answers with upstream's 409s; the write skips the pod
		// strategy, which rightly refuses nodeName changes from clients.
		return pod.BindAt(o.(*corev1.Pod), binding, clk.Now())
	})
	if err != nil {
		req.WriteError(w, r, err)
		return
	}
	apiserver.WriteStatus(w, &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated})
}
