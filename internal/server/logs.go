package server

import (
	"context"
	"io"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/apiserver"
	"github.com/evictd/evictd/internal/scheme"
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

// parameterCodec decodes query parameters into versioned option structs.
var parameterCodec = runtime.NewParameterCodec(scheme.Scheme)

// podLogs serves GET pods/{name}/log from src; without a source (the pods
// run elsewhere, or nowhere) it answers 404 as an API server whose
// kubelets cannot be reached would.
func podLogs(src PodLogSource) apiserver.SubresourceHandler {
	return func(w http.ResponseWriter, r *http.Request, req *apiserver.Request) {
		gr := req.Resource.GroupResource()
		if req.Verb != "get" {
			req.WriteError(w, r, apierrors.NewMethodNotSupported(gr, req.Verb))
			return
		}
		opts := &corev1.PodLogOptions{}
		if err := parameterCodec.DecodeParameters(r.URL.Query(), corev1.SchemeGroupVersion, opts); err != nil {
			req.WriteError(w, r, apierrors.NewBadRequest(err.Error()))
			return
		}
		if errs := validateLogOptions(opts); len(errs) > 0 {
			req.WriteError(w, r, apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("PodLogOptions").GroupKind(), req.Name, errs))
			return
		}
		if src == nil {
			req.WriteError(w, r, apierrors.NewNotFound(gr, req.Name+"/log"))
			return
		}
		out := &logResponse{w: w, follow: opts.Follow}
		if err := src.StreamLogs(r.Context(), out, req.Namespace, req.Name, opts); err != nil && !out.started {
			req.WriteError(w, r, err)
			return
		}
		// An error after the first byte cannot become a Status any more:
		// the stream just ends, as upstream's proxied kubelet stream does.
		out.start()
	}
}

// validateLogOptions is upstream's ValidatePodLogOptions: the API server
// answers 422 Invalid for these.
func validateLogOptions(o *corev1.PodLogOptions) field.ErrorList {
	var errs field.ErrorList
	if o.TailLines != nil && *o.TailLines < 0 {
		errs = append(errs, field.Invalid(field.NewPath("tailLines"), *o.TailLines, "must be greater than or equal to 0"))
	}
	if o.LimitBytes != nil && *o.LimitBytes < 1 {
		errs = append(errs, field.Invalid(field.NewPath("limitBytes"), *o.LimitBytes, "must be greater than 0"))
	}
	switch {
	case o.SinceSeconds != nil && o.SinceTime != nil:
		errs = append(errs, field.Forbidden(field.NewPath(""), "at most one of `sinceTime` or `sinceSeconds` may be specified"))
	case o.SinceSeconds != nil && *o.SinceSeconds < 1:
		errs = append(errs, field.Invalid(field.NewPath("sinceSeconds"), *o.SinceSeconds, "must be greater than 0"))
	}
	return errs
}

// logResponse writes the 200 text/plain header before the first byte of
// log, so an error found before it still becomes a Status, and flushes
// every write while following.
type logResponse struct {
	w       http.ResponseWriter
	follow  bool
	started bool
}

func (l *logResponse) start() {
	if l.started {
		return
	}
	l.started = true
	l.w.Header().Set("Content-Type", "text/plain")
	l.w.WriteHeader(http.StatusOK)
	if l.follow {
		_ = http.NewResponseController(l.w).Flush()
	}
}

func (l *logResponse) Write(p []byte) (int, error) {
	l.start()
	n, err := l.w.Write(p)
	if err == nil && l.follow {
		// A writer that cannot flush still gets the bytes, later.
		_ = http.NewResponseController(l.w).Flush()
	}
	return n, err
}
