package job

import (
	"math"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry/pod"
)

// defaultBackoffLimit is how many pod failures a Job tolerates by default.
const defaultBackoffLimit = 6

// Default is upstream's SetDefaults_Job (JobPodReplacementPolicy is GA)
// plus the pod spec defaults of the template.
func Default(job *batchv1.Job) {
	spec := &job.Spec
	// A non-parallel job may leave both unset: one pod, run to completion once.
	if spec.Completions == nil && spec.Parallelism == nil {
		spec.Completions = ptr.To[int32](1)
	}
	if spec.Parallelism == nil {
		spec.Parallelism = ptr.To[int32](1)
	}
	if spec.BackoffLimit == nil {
		// With a per-index limit the global one must never trigger first.
		spec.BackoffLimit = ptr.To[int32](defaultBackoffLimit)
		if spec.BackoffLimitPerIndex != nil {
			spec.BackoffLimit = ptr.To[int32](math.MaxInt32)
		}
	}
	if len(job.Labels) == 0 && spec.Template.Labels != nil {
		job.Labels = spec.Template.Labels
	}
	if spec.CompletionMode == nil {
		spec.CompletionMode = ptr.To(batchv1.NonIndexedCompletion)
	}
	if spec.Suspend == nil {
		spec.Suspend = ptr.To(false)
	}
	if spec.PodReplacementPolicy == nil {
		// Pods may be replaced while the old ones terminate, unless a
		// failure policy needs to see how each pod ended.
		spec.PodReplacementPolicy = ptr.To(batchv1.TerminatingOrFailed)
		if spec.PodFailurePolicy != nil {
			spec.PodReplacementPolicy = ptr.To(batchv1.Failed)
		}
	}
	if spec.ManualSelector == nil {
		spec.ManualSelector = ptr.To(false)
	}
	defaultFailurePolicy(spec.PodFailurePolicy)
	pod.DefaultPodSpec(&spec.Template.Spec)
}

// defaultFailurePolicy is SetDefaults_PodFailurePolicyOnPodConditionsPattern.
func defaultFailurePolicy(p *batchv1.PodFailurePolicy) {
	if p == nil {
		return
	}
	for i := range p.Rules {
		for j := range p.Rules[i].OnPodConditions {
			if c := &p.Rules[i].OnPodConditions[j]; c.Status == "" {
				c.Status = corev1.ConditionTrue
			}
		}
	}
}
