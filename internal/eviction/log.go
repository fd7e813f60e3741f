package eviction

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// logDecision writes one INFO line per eviction: the pod, the budget that
// decided (empty when none selects the pod, or it was never consulted),
// the HTTP code answered and its reason — what a user watching a drain
// wants to read without turning on request logs.
func (e *Evictor) logDecision(ctx context.Context, req *Request, pdb string, err error) {
	code, reason, message := http.StatusCreated, "Evicted", ""
	var status apierrors.APIStatus
	switch {
	case err == nil:
	case errors.As(err, &status):
		st := status.Status()
		code, reason, message = int(st.Code), string(st.Reason), st.Message
	default:
		code, reason, message = http.StatusInternalServerError, "InternalError", err.Error()
	}
	attrs := []slog.Attr{slog.String("pod", req.Namespace+"/"+req.Name), slog.String("pdb", pdb),
		slog.Int("code", code), slog.String("reason", reason)}
	if message != "" {
		attrs = append(attrs, slog.String("message", message))
	}
	if req.dryRun() {
		attrs = append(attrs, slog.Bool("dryRun", true))
	}
	e.log.LogAttrs(ctx, slog.LevelInfo, "eviction", attrs...)
}
