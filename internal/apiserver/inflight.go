package apiserver

import (
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/flowcontrol"
)

// Kube-apiserver's defaults for --max-requests-inflight and
// --max-mutating-requests-inflight.
const (
	DefaultMaxRequestsInflight         = 400
	DefaultMaxMutatingRequestsInflight = 200
)

// tooManyRequestsMessage is the answer of upstream's max-in-flight and
// priority-and-fairness filters alike.
const tooManyRequestsMessage = "Too many requests, please try again later."

// inflightRetryAfter is the Retry-After of a refused request: client-go
// waits this long and retries (up to 10 times) without surfacing the 429.
const inflightRetryAfter = 1

// The response headers naming the flow schema and priority level that
// classified a request (by UID, as upstream hides their names).
const (
	headerFlowSchemaUID    = "X-Kubernetes-PF-FlowSchema-UID"
	headerPriorityLevelUID = "X-Kubernetes-PF-PriorityLevel-UID"
)

// InflightOptions configures LimitInflight.
type InflightOptions struct {
	// ReadOnly and Mutating are --max-requests-inflight and
	// --max-mutating-requests-inflight: with priority and fairness, as
	// kube-apiserver has it on, their sum is the server's seats. Zero or
	// negative in either turns the limit off.
	ReadOnly, Mutating int
	// LongRunning requests (watches, streaming subresources) are neither
	// seated nor limited; nil means watches only.
	LongRunning func(*http.Request) bool
	// Clock times queue waits; nil means the real clock.
	Clock clock.Clock
}

// LimitInflight is API Priority and Fairness in front of next: each
// request that is not long-running is classified by the user the
// authenticator put in its context (flowcontrol.WithUser), runs at once
// if exempt, else takes a seat of its priority level, queuing fairly
// between flows for up to the queue wait; one that cannot be seated gets
// 429 TooManyRequests with Retry-After. Every classified answer names its
// flow schema and priority level in the X-Kubernetes-PF-* headers.
func LimitInflight(next http.Handler, opts InflightOptions) http.Handler {
	if opts.ReadOnly <= 0 || opts.Mutating <= 0 {
		return next
	}
	longRunning := opts.LongRunning
	if longRunning == nil {
		longRunning = isLongRunning
	}
	fc, err := flowcontrol.New(flowcontrol.Options{Seats: opts.ReadOnly + opts.Mutating, Clock: opts.Clock})
	if err != nil { // unreachable: the seats are positive
		panic(err)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if longRunning(r) {
			next.ServeHTTP(w, r)
			return
		}
		cls := fc.Classify(flowcontrol.Digest{User: flowcontrol.UserFrom(r.Context()), Path: r.URL.Path, Connection: r.RemoteAddr})
		w.Header().Set(headerFlowSchemaUID, string(cls.FlowSchemaUID))
		w.Header().Set(headerPriorityLevelUID, string(cls.PriorityLevelUID))
		release, err := fc.Acquire(r.Context(), cls)
		if err != nil {
			w.Header().Set("Retry-After", "1")
			writeStatus(w, toStatus(apierrors.NewTooManyRequests(tooManyRequestsMessage, inflightRetryAfter)))
			return
		}
		defer release()
		next.ServeHTTP(w, r)
	})
}

// isLongRunning matches watches (by query or the /watch/ path form).
func isLongRunning(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	info, ok := parseResourcePath(r)
	return ok && info.Verb == "watch"
}
