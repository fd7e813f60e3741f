package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

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
		gr := req.Resource.GroupResource()
		if req.Verb != "get" {
			req.WriteError(w, r, apierrors.NewMethodNotSupported(gr, req.Verb))
			return
		}
		opts, err := decodeLogOptions(r.URL.Query())
		if err != nil {
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

// decodeLogOptions reads PodLogOptions from a query. client-go's scheme
// carries no url.Values conversion for PodLogOptions (kube-apiserver's
// generated one lives in k8s.io/kubernetes), so the fields are read here,
// each as upstream's conversion reads it: the last value wins, booleans
// and integers parse strictly, sinceTime is RFC 3339.
func decodeLogOptions(q url.Values) (*corev1.PodLogOptions, error) {
	opts := &corev1.PodLogOptions{Container: q.Get("container")}
	var err error
	for name, into := range map[string]*bool{"follow": &opts.Follow, "previous": &opts.Previous, "timestamps": &opts.Timestamps,
		"insecureSkipTLSVerifyBackend": &opts.InsecureSkipTLSVerifyBackend} {
		if v, ok := last(q, name); ok {
			if *into, err = strconv.ParseBool(v); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	for name, into := range map[string]**int64{"sinceSeconds": &opts.SinceSeconds, "tailLines": &opts.TailLines, "limitBytes": &opts.LimitBytes} {
		if v, ok := last(q, name); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			*into = &n
		}
	}
	if v, ok := last(q, "sinceTime"); ok {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return nil, fmt.Errorf("sinceTime: %w", err)
		}
		opts.SinceTime = &metav1.Time{Time: t}
	}
	return opts, nil
}

func last(q url.Values, name string) (string, bool) {
	v := q[name]
	if len(v) == 0 || v[len(v)-1] == "" {
		return "", false
	}
	return v[len(v)-1], true
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
