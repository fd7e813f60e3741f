package explain

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// dryRun asks the API server what it would answer to an eviction of pod
// now: the same POST as client-go's PolicyV1().Evictions(ns).Evict, with
// dryRun: ["All"] so nothing is written, and with client-go's retries off —
// Evict would otherwise sleep through a "still being processed" 429
// (Retry-After: 10) up to ten times instead of reporting it. nil, nil
// means the client has no REST client to send it with (a fake clientset).
func (e *Explainer) dryRun(ctx context.Context, pod *corev1.Pod) (*DryRun, error) {
	rc := e.client.PolicyV1().RESTClient()
	if c, ok := rc.(*rest.RESTClient); rc == nil || ok && c == nil {
		return nil, nil
	}
	ev := &policyv1.Eviction{
		TypeMeta:      metav1.TypeMeta{APIVersion: "policy/v1", Kind: "Eviction"},
		ObjectMeta:    metav1.ObjectMeta{Namespace: pod.Namespace, Name: pod.Name},
		DeleteOptions: &metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}, Preconditions: &metav1.Preconditions{UID: &pod.UID}},
	}
	err := rc.Post().AbsPath("/api/v1").Namespace(pod.Namespace).Resource("pods").Name(pod.Name).
		SubResource("eviction").Body(ev).MaxRetries(0).Do(ctx).Error()
	if err == nil {
		return &DryRun{Code: http.StatusCreated}, nil
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return nil, fmt.Errorf("dry-run eviction of pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	st := status.Status()
	d := &DryRun{Code: st.Code, Reason: string(st.Reason), Message: st.Message}
	if st.Details != nil {
		d.RetryAfterSeconds = st.Details.RetryAfterSeconds
		for _, c := range st.Details.Causes {
			if c.Type == policyv1.DisruptionBudgetCause {
				d.Cause = c.Message
			}
		}
	}
	return d, nil
}
