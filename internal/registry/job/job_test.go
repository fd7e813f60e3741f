package job

import (
	"slices"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/evictd/evictd/internal/registry/registrytest"
)

func TestDefaultsAndGeneratedSelector(t *testing.T) {
	t.Parallel()
	job, errs := created(t.Context(), nil)
	if len(errs) > 0 {
		t.Fatalf("errors: %q", errs)
	}
	spec := job.Spec
	if *spec.Completions != 1 || *spec.Parallelism != 1 || *spec.BackoffLimit != 6 || *spec.Suspend || *spec.ManualSelector ||
		*spec.CompletionMode != batchv1.NonIndexedCompletion || *spec.PodReplacementPolicy != batchv1.TerminatingOrFailed {
		t.Errorf("spec defaults = %+v", spec)
	}
	wantLabels := map[string]string{"job-name": "pi", "batch.kubernetes.io/job-name": "pi", "controller-uid": "8c2f1d6e", "batch.kubernetes.io/controller-uid": "8c2f1d6e"}
	if !apiequality.Semantic.DeepEqual(spec.Template.Labels, wantLabels) {
		t.Errorf("template labels = %v", spec.Template.Labels)
	}
	if want := (&metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/controller-uid": "8c2f1d6e"}}); !apiequality.Semantic.DeepEqual(spec.Selector, want) {
		t.Errorf("selector = %v", spec.Selector)
	}
	if job.Generation != 1 || spec.Template.Spec.DNSPolicy != corev1.DNSClusterFirst {
		t.Errorf("generation %d, pod spec not defaulted: %+v", job.Generation, spec.Template.Spec)
	}
}

func TestDefault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*batchv1.Job)
		check func(*batchv1.Job) bool
	}{
		{name: "parallel work queue keeps completions unset", edit: func(j *batchv1.Job) { j.Spec.Parallelism = ptr.To[int32](3) },
			check: func(j *batchv1.Job) bool { return j.Spec.Completions == nil && *j.Spec.Parallelism == 3 }},
		{name: "completions alone gets parallelism 1", edit: func(j *batchv1.Job) { j.Spec.Completions = ptr.To[int32](5) },
			check: func(j *batchv1.Job) bool { return *j.Spec.Parallelism == 1 }},
		{name: "per-index backoff lifts the global limit", edit: func(j *batchv1.Job) { j.Spec.BackoffLimitPerIndex = ptr.To[int32](1) },
			check: func(j *batchv1.Job) bool { return *j.Spec.BackoffLimit == 1<<31-1 }},
		{name: "failure policy replaces only failed pods", edit: func(j *batchv1.Job) { j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{} },
			check: func(j *batchv1.Job) bool { return *j.Spec.PodReplacementPolicy == batchv1.Failed }},
		{name: "template labels become job labels", edit: func(j *batchv1.Job) { j.Spec.Template.Labels = map[string]string{"app": "pi"} },
			check: func(j *batchv1.Job) bool { return j.Labels["app"] == "pi" && len(j.Labels) == 1 }},
		{name: "job labels are kept", edit: func(j *batchv1.Job) {
			j.Labels = map[string]string{"team": "a"}
			j.Spec.Template.Labels = map[string]string{"app": "pi"}
		},
			check: func(j *batchv1.Job) bool { return j.Labels["team"] == "a" && len(j.Labels) == 1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			job := newJob()
			tt.edit(job)
			Default(job)
			if !tt.check(job) {
				t.Errorf("defaulted spec = %+v, labels %v", job.Spec, job.Labels)
			}
		})
	}
}

func TestValidateCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(*batchv1.Job)
		want []string
	}{
		{name: "valid"},
		{name: "OnFailure", edit: func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure }},
		{
			name: "restart policy left to default",
			edit: func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = "" },
			want: []string{`spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`},
		},
		{
			name: "restart Always",
			edit: func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways },
			want: []string{`spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"`},
		},
		{
			name: "negative counts",
			edit: func(j *batchv1.Job) { j.Spec.Parallelism = ptr.To[int32](-1); j.Spec.BackoffLimit = ptr.To[int32](-2) },
			want: []string{"spec.parallelism: Invalid value: -1: must be greater than or equal to 0", "spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0"},
		},
		{
			name: "unknown completion mode",
			edit: func(j *batchv1.Job) { j.Spec.CompletionMode = ptr.To[batchv1.CompletionMode]("Ordered") },
			want: []string{`spec.completionMode: Unsupported value: "Ordered": supported values: "NonIndexed", "Indexed"`},
		},
		{
			name: "indexed without completions",
			edit: func(j *batchv1.Job) {
				j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
				j.Spec.Parallelism = ptr.To[int32](2)
			},
			want: []string{"spec.completions: Required value: when completion mode is Indexed"},
		},
		{
			name: "per-index backoff on a non-indexed job",
			edit: func(j *batchv1.Job) { j.Spec.BackoffLimitPerIndex = ptr.To[int32](1) },
			want: []string{"spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode"},
		},
		{
			name: "failure policy requires Never",
			edit: func(j *batchv1.Job) {
				j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
				j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
					Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}},
				}}}
			},
			want: []string{`spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified`},
		},
		{
			name: "failure rule without a requirement",
			edit: func(j *batchv1.Job) {
				j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{Action: "Retry"}}}
			},
			want: []string{
				`spec.podFailurePolicy.rules[0].action: Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"`,
				"spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required",
			},
		},
		{
			name: "conflicting job-name label",
			edit: func(j *batchv1.Job) { j.Spec.Template.Labels = map[string]string{"job-name": "other"} },
			want: []string{`spec.template.metadata.labels[job-name]: Invalid value: {"batch.kubernetes.io/controller-uid":"8c2f1d6e","batch.kubernetes.io/job-name":"pi","controller-uid":"8c2f1d6e","job-name":"other"}: must be 'pi'`},
		},
		{
			name: "manual selector not matching the template",
			edit: func(j *batchv1.Job) {
				j.Spec.ManualSelector = ptr.To(true)
				j.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "pi"}}
			},
			want: []string{"spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`"},
		},
		{
			name: "manual selector without a selector",
			edit: func(j *batchv1.Job) { j.Spec.ManualSelector = ptr.To(true) },
			// Upstream also reports that no selector matches the labels.
			want: []string{"spec.selector: Required value", "spec.template.metadata.labels: Invalid value: null: `selector` does not match template `labels`"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, errs := created(t.Context(), tt.edit)
			if !slices.Equal(errs, tt.want) {
				t.Errorf("errors:\n got: %q\nwant: %q", errs, tt.want)
			}
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	t.Parallel()
	old, _ := created(t.Context(), nil)
	suspended, _ := created(t.Context(), func(j *batchv1.Job) { j.Spec.Suspend = ptr.To(true) })
	tests := []struct {
		name string
		old  *batchv1.Job
		edit func(*batchv1.Job)
		want []string
	}{
		{name: "parallelism may change", old: old, edit: func(j *batchv1.Job) { j.Spec.Parallelism = ptr.To[int32](4) }},
		{name: "suspend may change", old: old, edit: func(j *batchv1.Job) { j.Spec.Suspend = ptr.To(true) }},
		{
			name: "completions are fixed", old: old, edit: func(j *batchv1.Job) { j.Spec.Completions = ptr.To[int32](3) },
			want: []string{"spec.completions: Invalid value: 3: field is immutable"},
		},
		{
			name: "template is fixed", old: old, edit: func(j *batchv1.Job) { j.Spec.Template.Spec.NodeSelector = map[string]string{"zone": "a"} },
			want: []string{"spec.template: Invalid value: "},
		},
		{name: "a suspended, unstarted job may move", old: suspended, edit: func(j *batchv1.Job) { j.Spec.Template.Spec.NodeSelector = map[string]string{"zone": "a"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			job := tt.old.DeepCopy()
			tt.edit(job)
			errs := Resource().Strategy.ValidateUpdate(t.Context(), job, tt.old)
			if len(tt.want) == 1 && len(errs) == 1 && tt.want[0] == "spec.template: Invalid value: " {
				// The template's value is long; its path and detail are what matter.
				if errs[0].Field != "spec.template" || errs[0].Detail != "field is immutable" {
					t.Errorf("error = %v", errs[0])
				}
				return
			}
			registrytest.CheckErrors(t, errs, tt.want...)
		})
	}
}

func TestValidateStatusUpdate(t *testing.T) {
	t.Parallel()
	old, _ := created(t.Context(), nil)
	complete := old.DeepCopy()
	complete.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
	tests := []struct {
		name string
		old  *batchv1.Job
		edit func(*batchv1.Job)
		want []string
	}{
		{name: "counters", old: old, edit: func(j *batchv1.Job) { j.Status.Active = 1; j.Status.Ready = ptr.To[int32](1) }},
		{name: "negative", old: old, edit: func(j *batchv1.Job) { j.Status.Failed = -1 }, want: []string{"status.failed: Invalid value: -1: must be greater than or equal to 0"}},
		{name: "more ready than active", old: old, edit: func(j *batchv1.Job) { j.Status.Ready = ptr.To[int32](2) }, want: []string{"status.ready: Invalid value: 2: cannot set more ready pods than active"}},
		{
			name: "duplicate uncounted pod", old: old,
			edit: func(j *batchv1.Job) {
				j.Status.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{Succeeded: []types.UID{"a"}, Failed: []types.UID{"a"}}
			},
			want: []string{`status.uncountedTerminatedPods.failed[0]: Duplicate value: "a"`},
		},
		{
			name: "complete stays complete", old: complete, edit: func(j *batchv1.Job) { j.Status.Conditions = nil },
			want: []string{"status.conditions: Invalid value: cannot disable the terminal Complete=True condition"},
		},
		{
			name: "finished with active pods", old: complete, edit: func(j *batchv1.Job) { j.Status.Active = 1 },
			want: []string{"status.active: Invalid value: 1: active>0 is invalid for finished job"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			job := tt.old.DeepCopy()
			tt.edit(job)
			registrytest.CheckErrors(t, statusStrategy{}.ValidateUpdate(t.Context(), job, tt.old), tt.want...)
		})
	}
}

func TestTable(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	start := metav1.NewTime(now.Add(-5 * time.Minute))
	tests := []struct {
		name  string
		edit  func(*batchv1.Job)
		cells []any
	}{
		{name: "new", cells: []any{"pi", "Running", "0/1", "", "<unknown>"}},
		{name: "running", edit: func(j *batchv1.Job) { j.Status.StartTime = &start }, cells: []any{"pi", "Running", "0/1", "5m", "<unknown>"}},
		{
			name: "complete",
			edit: func(j *batchv1.Job) {
				j.Status.StartTime, j.Status.CompletionTime = &start, ptr.To(metav1.NewTime(now.Add(-4*time.Minute)))
				j.Status.Succeeded = 1
				j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}
			},
			cells: []any{"pi", "Complete", "1/1", "60s", "<unknown>"},
		},
		{
			name: "suspended work queue",
			edit: func(j *batchv1.Job) {
				j.Spec.Completions = nil
				j.Spec.Parallelism = ptr.To[int32](3)
				j.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobSuspended, Status: corev1.ConditionTrue}}
			},
			cells: []any{"pi", "Suspended", "0/1 of 3", "", "<unknown>"},
		},
		{name: "deleting", edit: func(j *batchv1.Job) { j.DeletionTimestamp = &start }, cells: []any{"pi", "Terminating", "0/1", "", "<unknown>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			job, _ := created(t.Context(), nil)
			if tt.edit != nil {
				tt.edit(job)
			}
			tbl := Resource().Table
			cells := tbl.Row(job, now)
			want := append(tt.cells, "pi", "perl", "batch.kubernetes.io/controller-uid=8c2f1d6e")
			if len(cells) != len(tbl.Columns) || !apiequality.Semantic.DeepEqual(cells, want) {
				t.Errorf("cells = %q, want %q", cells, want)
			}
		})
	}
}
