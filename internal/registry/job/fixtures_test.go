package job

import (
	"context"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// newJob is a Job as `kubectl create job pi --image=perl` sends it.
func newJob() *batchv1.Job {
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "pi", Namespace: "default"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers:    []corev1.Container{{Name: "pi", Image: "perl"}},
			RestartPolicy: corev1.RestartPolicyNever,
		}}},
	}
}

// created is newJob changed by edit, defaulted, given a uid as the store
// does, and validated: what a create stores.
func created(ctx context.Context, edit func(*batchv1.Job)) (*batchv1.Job, []string) {
	job := newJob()
	if edit != nil {
		edit(job)
	}
	s := Resource().Strategy
	s.Default(job)
	s.PrepareForCreate(ctx, job)
	job.UID = "8c2f1d6e"
	var msgs []string
	for _, e := range s.Validate(ctx, job) {
		msgs = append(msgs, e.Error())
	}
	return job, msgs
}
