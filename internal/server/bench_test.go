package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"

	"github.com/evictd/evictd/internal/pki"
	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/server"
)

// encodings are the two wire formats clients use: client-go's default
// (protobuf bodies and answers) and JSON (kubectl, older clients).
var encodings = []struct {
	name        string
	contentType string
}{{"protobuf", ""}, {"json", "application/json"}}

func benchServer(b *testing.B) *server.Server { return benchServerWith(b, false) }

// benchServerWith starts a server, with or without the in-process controllers.
func benchServerWith(b *testing.B, controllers bool) *server.Server {
	b.Helper()
	bundle, err := pki.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := server.Start(context.Background(), server.Config{Listen: "127.0.0.1:0", PKI: bundle, Controllers: disruptionOnly(controllers), Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Shutdown(context.Background()) })
	return srv
}

func benchClient(b *testing.B, srv *server.Server, contentType string) kubernetes.Interface {
	cfg := srv.RESTConfig()
	cfg.ContentType = contentType
	cfg.QPS, cfg.Burst = -1, -1 // no client-side rate limit
	return kubernetes.NewForConfigOrDie(cfg)
}

// realisticPod is a pod as a kubelet leaves it: spec, resources, status
// with conditions and IPs (~1.3 KB in protobuf).
func realisticPod(name, node string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "web", "pod-template-hash": "5d9c7b8f6"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-5d9c7b8f6", UID: "0b8e1f5c-1d2e-4f3a-9b8c-7d6e5f4a3b2c", Controller: ptr(true)}}},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{
			Name: "web", Image: "registry.example.com/web:1.2.3",
			Ports: []corev1.ContainerPort{{ContainerPort: 8080, Protocol: corev1.ProtocolTCP}},
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}},
		}}},
	}
}

func ptr[T any](v T) *T { return &v }

// fill stores n pods directly through the API server's store (fast setup).
func fill(b *testing.B, srv *server.Server, n int) {
	b.Helper()
	pods, _ := srv.API().Store(corev1.SchemeGroupVersion.WithResource("pods"))
	var wg sync.WaitGroup
	const workers = 8
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				if _, err := pods.Create(context.Background(), realisticPod(fmt.Sprintf("pod-%06d", i), fmt.Sprintf("node-%03d", i%100)), store.CreateOptions{}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkHTTPCreatePod(b *testing.B) {
	for _, enc := range encodings {
		b.Run(enc.name, func(b *testing.B) {
			srv := benchServer(b)
			pods := benchClient(b, srv, enc.contentType).CoreV1().Pods("default")
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := pods.Create(context.Background(), realisticPod(fmt.Sprintf("p-%d", i), ""), metav1.CreateOptions{}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkHTTPGetPod(b *testing.B) {
	for _, enc := range encodings {
		b.Run(enc.name, func(b *testing.B) {
			srv := benchServer(b)
			fill(b, srv, 10_000)
			pods := benchClient(b, srv, enc.contentType).CoreV1().Pods("default")
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pods.Get(context.Background(), "pod-005000", metav1.GetOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkHTTPUpdatePodStatus(b *testing.B) {
	for _, enc := range encodings {
		b.Run(enc.name, func(b *testing.B) {
			srv := benchServer(b)
			fill(b, srv, 10_000)
			pods := benchClient(b, srv, enc.contentType).CoreV1().Pods("default")
			p, err := pods.Get(context.Background(), "pod-005000", metav1.GetOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				p.Status.Message = fmt.Sprint(i)
				if p, err = pods.UpdateStatus(context.Background(), p, metav1.UpdateOptions{}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkHTTPListPods(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("pods=%d", n), func(b *testing.B) {
			srv := benchServer(b)
			fill(b, srv, n)
			for _, enc := range encodings {
				pods := benchClient(b, srv, enc.contentType).CoreV1().Pods("")
				for _, q := range []struct {
					name string
					opts metav1.ListOptions
				}{
					{"all", metav1.ListOptions{}},
					{"page500", metav1.ListOptions{Limit: 500}},
					{"nodeName", metav1.ListOptions{FieldSelector: "spec.nodeName=node-007"}},
				} {
					b.Run(enc.name+"/"+q.name, func(b *testing.B) {
						b.ReportAllocs()
						for b.Loop() {
							if _, err := pods.List(context.Background(), q.opts); err != nil {
								b.Fatal(err)
							}
						}
					})
				}
			}
		})
	}
}

// BenchmarkHTTPWatchFanout measures how long one pod update takes to reach
// every one of N watch streams.
func BenchmarkHTTPWatchFanout(b *testing.B) {
	for _, watchers := range []int{10, 100} {
		for _, enc := range encodings {
			b.Run(fmt.Sprintf("watchers=%d/%s", watchers, enc.name), func(b *testing.B) {
				srv := benchServer(b)
				fill(b, srv, 10_000)
				client := benchClient(b, srv, enc.contentType)
				pods := client.CoreV1().Pods("default")
				p, err := pods.Get(context.Background(), "pod-000001", metav1.GetOptions{})
				if err != nil {
					b.Fatal(err)
				}
				// Watch from now: replaying the history of the fill is not
				// what this measures.
				now, err := pods.List(context.Background(), metav1.ListOptions{Limit: 1})
				if err != nil {
					b.Fatal(err)
				}
				var streams []watch.Interface
				for range watchers {
					w, err := pods.Watch(context.Background(), metav1.ListOptions{ResourceVersion: now.ResourceVersion, FieldSelector: "metadata.name=pod-000001"})
					if err != nil {
						b.Fatal(err)
					}
					defer w.Stop()
					streams = append(streams, w)
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					p.Labels["i"] = fmt.Sprint(i)
					if p, err = pods.Update(context.Background(), p, metav1.UpdateOptions{}); err != nil {
						b.Fatal(err)
					}
					for _, w := range streams {
						if ev := <-w.ResultChan(); ev.Type != watch.Modified {
							b.Fatalf("event %s", ev.Type)
						}
					}
					i++
				}
			})
		}
	}
}

// BenchmarkServerMemory reports the heap a server holds for N realistic
// pods (after a GC), in MB and bytes per pod.
func BenchmarkServerMemory(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("pods=%d", n), func(b *testing.B) {
			for b.Loop() {
				before := heapInUse()
				srv := benchServer(b)
				fill(b, srv, n)
				after := heapInUse()
				b.ReportMetric(float64(after-before)/(1<<20), "heapMB")
				b.ReportMetric(float64(after-before)/float64(n), "bytes/pod")
				_ = srv.Shutdown(context.Background())
			}
		})
	}
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

var podsResource = corev1.SchemeGroupVersion.WithResource("pods")

// markReady sets a pod Running and Ready, as a kubelet would.
func markReady(cur kruntime.Object) (kruntime.Object, error) {
	p := cur.(*corev1.Pod)
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	return p, nil
}
