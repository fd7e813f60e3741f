package server

import (
	"context"
	"io"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/evictd/evictd/internal/apiserver"
)

// PodLogSource streams the log of one container of a pod run by a
// simulated kubelet of this process.
type PodLogSource interface {
	// StreamLogs writes the log of the pod's container (opts.Container, or
	// the only one) to w as kubectl logs expects; with opts.Follow it keeps
	// writing until the container ends or ctx ends. It returns an API
	// error (NotFound, BadRequest) when the log cannot be served.
	StreamLogs(ctx context.Context, w io.Writer, namespace, name string, opts *corev1.PodLogOptions) error
}

// podLogs serves GET pods/{name}/log from src; without a source (the pods
// run elsewhere, or nowhere) it answers 404 as an API server whose
// kubelets cannot be reached would.
func podLogs(src PodLogSource) apiserver.SubresourceHandler {
	return func(w http.ResponseWriter, r *http.Request, req *apiserver.Request) {
		if req.Verb != "get" {
			req.WriteError(w, r, apierrors.NewMethodNotSupported(req.Resource.GroupResource(), req.Verb))
			return
		}
		if src == nil {
			req.WriteError(w, r, apierrors.NewNotFound(req.Resource.GroupResource(), req.Name+"/log"))
			return
		}
		// The simulated kubelet's log source fills this in (decoding
		// PodLogOptions from the query, streaming text/plain).
		req.WriteError(w, r, apierrors.NewNotFound(req.Resource.GroupResource(), req.Name+"/log"))
	}
}
