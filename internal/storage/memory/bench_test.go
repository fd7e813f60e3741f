package memory

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/evictd/evictd/internal/storage"
)

// benchSizes are the store sizes benchmarked: a busy test cluster and a
// large one.
var benchSizes = []int{10_000, 100_000}

// benchPod returns a realistic pod, protobuf-encoded as the API server will
// store it: labels, owner, a container with resources, probes, env and
// mounts, tolerations and a running status.
func benchPod(i int) []byte {
	name := fmt.Sprintf("web-7d9f8b6c5-%05d", i)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "default", UID: types.UID(fmt.Sprintf("8c1f4a52-3b1e-4c1a-9f0e-%012d", i)),
			ResourceVersion: "123456", CreationTimestamp: metav1.Unix(1700000000, 0),
			Labels:      map[string]string{"app": "web", "pod-template-hash": "7d9f8b6c5", "tier": "frontend"},
			Annotations: map[string]string{"kubectl.kubernetes.io/restartedAt": "2024-01-01T00:00:00Z"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet",
				Name: "web-7d9f8b6c5", UID: "0f8c2f1e-1111-4c1a-9f0e-000000000001", Controller: ptr(true)}},
		},
		Spec: corev1.PodSpec{
			NodeName: fmt.Sprintf("node-%03d", i%500), ServiceAccountName: "default",
			Containers: []corev1.Container{{
				Name: "web", Image: "registry.example.com/team/web:1.27.3",
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
				Env: []corev1.EnvVar{{Name: "LOG_LEVEL", Value: "info"}, {Name: "POD_NAME",
					ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}},
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
					Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
				},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}},
					PeriodSeconds: 5},
				VolumeMounts: []corev1.VolumeMount{{Name: "kube-api-access-abcde", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}},
			}},
			Volumes: []corev1.Volume{{Name: "kube-api-access-abcde", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr(int64(3607))}}}}}}},
			Tolerations: []corev1.Toleration{
				{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
				{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
			},
		},
		Status: corev1.PodStatus{
			Phase: corev1.PodRunning, HostIP: "10.0.1.17", PodIP: fmt.Sprintf("10.244.%d.%d", i/250%250, i%250),
			StartTime: ptr(metav1.Unix(1700000001, 0)),
			Conditions: []corev1.PodCondition{
				{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Unix(1700000000, 0)},
				{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Unix(1700000001, 0)},
				{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Unix(1700000005, 0)},
				{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Unix(1700000005, 0)},
			},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "web", Ready: true, Image: "registry.example.com/team/web:1.27.3",
				ImageID:     "registry.example.com/team/web@sha256:4f1c2a9e8b7d6c5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e",
				ContainerID: fmt.Sprintf("containerd://%064d", i), Started: ptr(true),
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Unix(1700000003, 0)}}}},
		},
	}
	data, err := pod.Marshal()
	if err != nil {
		panic(err)
	}
	return data
}

func ptr[T any](v T) *T { return &v }

func podKey(i int) string { return fmt.Sprintf("/core/pods/default/web-7d9f8b6c5-%05d", i) }

// filledStore returns a store holding n pods, and their values.
func filledStore(b *testing.B, n int) (*Store, [][]byte) {
	b.Helper()
	s := New(Options{})
	b.Cleanup(func() { s.Close() })
	values := make([][]byte, n)
	for i := range n {
		values[i] = benchPod(i)
		if _, err := s.Create(context.Background(), podKey(i), values[i]); err != nil {
			b.Fatal(err)
		}
	}
	return s, values
}

func BenchmarkCreate(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			s, values := filledStore(b, n)
			ctx := b.Context()
			b.Logf("pod value: %d bytes", len(values[0]))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.Create(ctx, podKey(n+i), values[i%n]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkGet(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			s, _ := filledStore(b, n)
			ctx := b.Context()
			keys := make([]string, n)
			for i := range keys {
				keys[i] = podKey(i)
			}
			rnd := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Get(ctx, keys[rnd.IntN(n)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkList lists every pod, a first page of 500, and a following page
// of 500 (read at the first page's revision, as a continue token does).
func BenchmarkList(b *testing.B) {
	for _, n := range benchSizes {
		s, _ := filledStore(b, n)
		first, err := s.List(context.Background(), "/core/pods/default/", storage.ListOptions{Limit: 500})
		if err != nil {
			b.Fatal(err)
		}
		next := storage.ListOptions{Limit: 500, Revision: first.Revision, StartKey: first.KVs[499].Key + "\x00"}
		for _, tc := range []struct {
			name string
			opts storage.ListOptions
			want int
		}{
			{"all", storage.ListOptions{}, n},
			{"limit=500", storage.ListOptions{Limit: 500}, 500},
			{"limit=500/next", next, 500},
		} {
			b.Run(fmt.Sprintf("keys=%d/%s", n, tc.name), func(b *testing.B) {
				ctx := b.Context()
				b.ReportAllocs()
				for b.Loop() {
					res, err := s.List(ctx, "/core/pods/default/", tc.opts)
					if err != nil || len(res.KVs) != tc.want {
						b.Fatal(len(res.KVs), err)
					}
				}
			})
		}
	}
}

func BenchmarkUpdate(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			s, values := filledStore(b, n)
			ctx := b.Context()
			revs := make([]int64, n)
			for i := range revs {
				kv, _ := s.Get(ctx, podKey(i))
				revs[i] = kv.ModRevision
			}
			keys := make([]string, n)
			for i := range keys {
				keys[i] = podKey(i)
			}
			rnd := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			for b.Loop() {
				i := rnd.IntN(n)
				kv, err := s.Update(ctx, keys[i], values[i], revs[i])
				if err != nil {
					b.Fatal(err)
				}
				revs[i] = kv.ModRevision
			}
		})
	}
}

// BenchmarkWatchFanout measures one update delivered to N watchers of its
// prefix: an op ends when every watcher has received the event.
func BenchmarkWatchFanout(b *testing.B) {
	for _, watchers := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("watchers=%d", watchers), func(b *testing.B) {
			s := New(Options{})
			defer s.Close()
			ctx := b.Context()
			value := benchPod(0)
			kv, err := s.Create(ctx, podKey(0), value)
			if err != nil {
				b.Fatal(err)
			}
			var pending atomic.Int64
			delivered := make(chan struct{}, 1) // the last watcher to receive an op signals it
			var wg sync.WaitGroup
			for range watchers {
				w, err := s.Watch(ctx, "/core/pods/", storage.WatchOptions{})
				if err != nil {
					b.Fatal(err)
				}
				defer w.Stop()
				wg.Go(func() {
					for range w.Events() {
						if pending.Add(-1) == 0 {
							delivered <- struct{}{}
						}
					}
				})
			}
			b.ReportAllocs()
			for b.Loop() {
				pending.Store(int64(watchers))
				if kv, err = s.Update(ctx, kv.Key, value, kv.ModRevision); err != nil {
					b.Fatal(err)
				}
				<-delivered
			}
			b.StopTimer()
			s.Close()
			wg.Wait()
		})
	}
}
