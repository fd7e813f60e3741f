package apiserver

import (
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Kube-apiserver's defaults for --max-requests-inflight and
// --max-mutating-requests-inflight.
const (
	DefaultMaxRequestsInflight         = 400
	DefaultMaxMutatingRequestsInflight = 200
)

// tooManyRequestsMessage is the maxinflight filter's answer upstream.
const tooManyRequestsMessage = "Too many requests, please try again later."

// retryAfterSeconds of a rejected request: client-go waits this long and
// retries (up to 10 times) without surfacing the 429.
const inflightRetryAfter = 1

// LimitInflight caps the number of requests served at once, separately for
// read-only and mutating requests, as kube-apiserver's max-in-flight filter
// does: a request over the cap gets 429 TooManyRequests with Retry-After
// at once, never a queue. Watches are long-running and not counted. A
// limit of 0 disables that cap.
func LimitInflight(next http.Handler, readOnly, mutating int) http.Handler {
	readSlots, writeSlots := slots(readOnly), slots(mutating)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isLongRunning(r) {
			next.ServeHTTP(w, r)
			return
		}
		sem := readSlots
		if isMutating(r.Method) {
			sem = writeSlots
		}
		if sem != nil {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			default:
				w.Header().Set("Retry-After", "1")
				writeStatus(w, toStatus(apierrors.NewTooManyRequests(tooManyRequestsMessage, inflightRetryAfter)))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// slots is a semaphore of n tokens (nil when unlimited).
func slots(n int) chan struct{} {
	if n <= 0 {
		return nil
	}
	return make(chan struct{}, n)
}

func isMutating(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// isLongRunning matches watches (by query or the /watch/ path form).
func isLongRunning(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	info, ok := parseResourcePath(r)
	return ok && info.Verb == "watch"
}
