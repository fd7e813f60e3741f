package apiserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/scheme"
)

// writeError is the one place errors become responses: a metav1.Status in
// JSON with the status code of the error (500 for anything that is not an
// API status), and Retry-After when the status asks for a retry.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := toStatus(err)
	if status.Code >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "code", status.Code, "err", err)
	}
	if d := status.Details; d != nil && d.RetryAfterSeconds > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(d.RetryAfterSeconds)))
	}
	writeStatus(w, status)
}

// toStatus converts any error into the Status sent to the client.
func toStatus(err error) *metav1.Status {
	var apiStatus apierrors.APIStatus
	if errors.As(err, &apiStatus) {
		st := apiStatus.Status()
		if st.Code == 0 {
			st.Code = http.StatusInternalServerError
		}
		st.Status = metav1.StatusFailure
		return &st
	}
	st := apierrors.NewInternalError(err).ErrStatus
	return &st
}

// writeStatus encodes a Status as JSON; clients expect error bodies in
// JSON whatever they asked for.
func writeStatus(w http.ResponseWriter, st *metav1.Status) {
	st.Kind, st.APIVersion = "Status", "v1"
	data, err := runtime.Encode(scheme.Codecs.LegacyCodec(metav1.SchemeGroupVersion), st)
	if err != nil {
		slog.Error("encode status", "err", err)
		data = []byte(fmt.Sprintf(`{"kind":"Status","apiVersion":"v1","status":"Failure","code":%d}`, st.Code))
	}
	w.Header().Set("Content-Type", mediaJSON)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(int(st.Code))
	_, _ = w.Write(data)
}

// newStatusError builds an error with a code and reason apierrors has no
// constructor for.
func newStatusError(code int32, reason metav1.StatusReason, message string) *apierrors.StatusError {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure, Code: code, Reason: reason, Message: message,
	}}
}

// unsupportedMediaType is the 415 for a body in a format evictd cannot read.
func unsupportedMediaType() error {
	return newStatusError(http.StatusUnsupportedMediaType, metav1.StatusReasonUnsupportedMediaType,
		fmt.Sprintf("the body of the request was in an unknown format - accepted media types include: %s, %s, %s", mediaJSON, mediaYAML, mediaProtobuf))
}

// WriteUnauthorized answers a request without valid credentials (401).
func WriteUnauthorized(w http.ResponseWriter) {
	writeStatus(w, toStatus(apierrors.NewUnauthorized("Unauthorized")))
}
