package job

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2026, time.March, 4, 10, 0, 0, 0, time.UTC)

type fixture struct {
	t      *testing.T
	ctx    context.Context
	client *fake.Clientset
	clock  *clocktesting.FakeClock
	c      *Controller
}

func newFixture(t *testing.T, job *batchv1.Job) *fixture {
	t.Helper()
	client := fake.NewClientset(job)
	var n atomic.Int32
	// The fake clientset does not generate names: do it as the API server.
	client.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		pod := a.(k8stesting.CreateAction).GetObject().(*corev1.Pod)
		if pod.Name == "" {
			pod.Name = fmt.Sprintf("%s%d", pod.GenerateName, n.Add(1))
			pod.UID = types.UID("uid-" + pod.Name)
			pod.CreationTimestamp = metav1.NewTime(t0)
		}
		return false, nil, nil
	})
	factory := informers.NewSharedInformerFactory(client, 0)
	clk := clocktesting.NewFakeClock(t0)
	c, err := New(client, factory, record.NewFakeRecorder(100), clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop); factory.Shutdown(); c.queue.ShutDown() })
	factory.Start(stop)
	cache.WaitForCacheSync(stop, c.synced...)
	return &fixture{t: t, ctx: t.Context(), client: client, clock: clk, c: c}
}

func newJob(completions, parallelism int32, mutate ...func(*batchv1.Job)) *batchv1.Job {
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "pi", Namespace: "default", UID: "job-uid"},
		Spec: batchv1.JobSpec{
			Completions: &completions, Parallelism: &parallelism, BackoffLimit: ptr.To[int32](6),
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "pi", Image: "perl"}}}},
		},
	}
	for _, m := range mutate {
		m(j)
	}
	return j
}

// sync runs one sync once the caches show every write so far.
func (f *fixture) sync() {
	f.t.Helper()
	f.settle()
	if err := f.c.sync(f.ctx, "default/pi"); err != nil {
		f.t.Fatalf("sync: %v", err)
	}
	f.settle()
}

// settle waits until the informer caches hold what the fake client holds.
func (f *fixture) settle() {
	f.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		pods, _ := f.client.CoreV1().Pods("default").List(f.ctx, metav1.ListOptions{})
		cached, _ := f.c.pods.Pods("default").List(labels.Everything())
		job, _ := f.client.BatchV1().Jobs("default").Get(f.ctx, "pi", metav1.GetOptions{})
		cachedJob, _ := f.c.jobs.Jobs("default").Get("pi")
		if sameVersions(pods.Items, cached) && (job == nil || cachedJob != nil && equality.Semantic.DeepEqual(cachedJob, job)) {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatal("caches never caught up")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func sameVersions(live []corev1.Pod, cached []*corev1.Pod) bool {
	if len(live) != len(cached) {
		return false
	}
	// The fake clientset keeps no resourceVersions: compare whole objects.
	byName := map[string]*corev1.Pod{}
	for _, p := range cached {
		byName[p.Name] = p
	}
	for i := range live {
		if c := byName[live[i].Name]; c == nil || !equality.Semantic.DeepEqual(c, &live[i]) {
			return false
		}
	}
	return true
}

func (f *fixture) job() *batchv1.Job {
	f.t.Helper()
	j, err := f.client.BatchV1().Jobs("default").Get(f.ctx, "pi", metav1.GetOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return j
}

func (f *fixture) pods() []corev1.Pod {
	f.t.Helper()
	l, err := f.client.CoreV1().Pods("default").List(f.ctx, metav1.ListOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return l.Items
}

func (f *fixture) active() []corev1.Pod {
	var out []corev1.Pod
	for _, p := range f.pods() {
		if p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			out = append(out, p)
		}
	}
	return out
}

// finish sets a pod's phase, as its kubelet would.
func (f *fixture) finish(p corev1.Pod, phase corev1.PodPhase) {
	f.t.Helper()
	p.Status.Phase = phase
	if _, err := f.client.CoreV1().Pods("default").UpdateStatus(f.ctx, &p, metav1.UpdateOptions{}); err != nil {
		f.t.Fatal(err)
	}
}

func TestRunsToCompletion(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newJob(3, 2))
	f.sync()
	pods := f.active()
	if len(pods) != 2 {
		t.Fatalf("%d pods after the first sync, want parallelism 2", len(pods))
	}
	p := pods[0]
	if !slices.Contains(p.Finalizers, batchv1.JobTrackingFinalizer) || metav1.GetControllerOf(&p).UID != "job-uid" {
		t.Fatalf("pod lacks the tracking finalizer or controller ref: %+v", p.ObjectMeta)
	}
	for done := 1; done <= 3; done++ {
		f.finish(f.active()[0], corev1.PodSucceeded)
		f.sync()
		if got := f.job().Status.Succeeded; got != int32(done) {
			t.Fatalf("succeeded = %d, want %d", got, done)
		}
	}
	j := f.job()
	if !finished(j) || condition(j, batchv1.JobComplete) == nil || j.Status.CompletionTime == nil {
		t.Fatalf("job not Complete: %+v", j.Status)
	}
	for _, p := range f.pods() {
		if hasFinalizer(&p) {
			t.Errorf("pod %s keeps the tracking finalizer", p.Name)
		}
	}
	if n := len(f.pods()); n != 3 {
		t.Errorf("%d pods created in all, want exactly 3 completions", n)
	}
}

func TestBackoffLimitFailsTheJob(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newJob(1, 1, func(j *batchv1.Job) { j.Spec.BackoffLimit = ptr.To[int32](1) }))
	f.sync()
	f.finish(f.active()[0], corev1.PodFailed)
	f.sync()
	if n := len(f.active()); n != 0 {
		t.Fatalf("%d replacements during the back-off, want 0", n)
	}
	f.clock.Step(initialBackoff)
	f.sync()
	if n := len(f.active()); n != 1 {
		t.Fatalf("%d replacements after the back-off, want 1", n)
	}
	f.finish(f.active()[0], corev1.PodFailed)
	f.sync() // failed 2 > backoffLimit 1: FailureTarget, then Failed
	f.sync()
	j := f.job()
	cond := condition(j, batchv1.JobFailed)
	if cond == nil || cond.Reason != batchv1.JobReasonBackoffLimitExceeded || j.Status.Failed != 2 {
		t.Fatalf("status = %+v, want Failed/BackoffLimitExceeded with 2 failures", j.Status)
	}
}

func TestAnEvictedPodCountsAsFailedAndIsReplaced(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newJob(1, 1))
	f.sync()
	p := f.active()[0]
	now := metav1.NewTime(t0)
	p.DeletionTimestamp = &now // what an eviction leaves behind while the kubelet stops it
	if _, err := f.client.CoreV1().Pods("default").Update(f.ctx, &p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	f.sync()
	if got := f.job().Status.Failed; got != 1 {
		t.Fatalf("failed = %d, want the evicted pod counted", got)
	}
	f.clock.Step(initialBackoff)
	f.sync()
	if n := len(f.active()); n != 1 {
		t.Fatalf("%d active pods, want a replacement", n)
	}
}

func TestIndexedJobRunsEachIndexOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newJob(3, 3, func(j *batchv1.Job) { j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion) }))
	f.sync()
	var got []string
	for _, p := range f.active() {
		got = append(got, p.Annotations[batchv1.JobCompletionIndexAnnotation])
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"0", "1", "2"}) {
		t.Fatalf("indexes %v, want 0, 1, 2", got)
	}
	for _, p := range f.active() {
		f.finish(p, corev1.PodSucceeded)
	}
	f.sync()
	f.sync()
	if j := f.job(); j.Status.CompletedIndexes != "0-2" || !finished(j) {
		t.Fatalf("status = %+v, want completedIndexes 0-2 and Complete", j.Status)
	}
}

func TestFormatIndexes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   []int
		want string
	}{
		{name: "none", want: ""},
		{name: "one", in: []int{4}, want: "4"},
		{name: "run and single", in: []int{5, 0, 1, 2}, want: "0-2,5"},
		{name: "duplicates", in: []int{1, 1, 2}, want: "1-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := formatIndexes(tt.in)
			if got != tt.want {
				t.Errorf("formatIndexes(%v) = %q, want %q", tt.in, got, tt.want)
			}
			back := completedIndexes(&batchv1.Job{Status: batchv1.JobStatus{CompletedIndexes: got}})
			if formatIndexes(back) != got {
				t.Errorf("round trip of %q gave %v", got, back)
			}
		})
	}
}
