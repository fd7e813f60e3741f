package store_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/evictd/evictd/internal/registry/pod"
	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/storage/memory"
)

// TestWatchBufferFollowsTheEventRate: a watcher whose client reads nothing
// while a burst is written takes the burst into its buffer (up to a
// second of events, at most 1,088 with the result channel) and so
// survives a compaction of everything it has read; a longer burst stops
// it reading, costs no writer anything, and ends it with 410 Expired once
// the history it still needs is compacted.
func TestWatchBufferFollowsTheEventRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		burst   int
		dropped bool
	}{
		{name: "a burst of 600 is buffered", burst: 600},
		{name: "a burst of 3000 is not: the watch is dropped", burst: 3000, dropped: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				ctx := t.Context()
				mem := memory.New(memory.Options{HistoryWindow: -1})
				defer func() { _ = mem.Close() }()
				st, err := store.New(pod.Resource(), mem, store.Options{})
				if err != nil {
					t.Fatal(err)
				}
				rev, err := mem.Revision(ctx)
				if err != nil {
					t.Fatal(err)
				}
				w, err := st.Watch(ctx, "default", store.WatchOptions{ResourceVersion: fmt.Sprint(rev)})
				if err != nil {
					t.Fatal(err)
				}
				defer w.Stop()
				for i := range tt.burst {
					p := &corev1.Pod{
						ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", i), Namespace: "default"},
						Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}},
					}
					if _, err := st.Create(ctx, p, store.CreateOptions{}); err != nil {
						t.Fatal(err)
					}
				}
				synctest.Wait() // the watcher took what its buffer holds
				if rev, err = mem.Revision(ctx); err != nil {
					t.Fatal(err)
				}
				if err := mem.Compact(context.Background(), rev); err != nil {
					t.Fatal(err)
				}
				added, expired := readAll(w)
				if tt.dropped {
					if !expired || added >= tt.burst {
						t.Errorf("read %d ADDED, 410 %v: want fewer than %d, then 410", added, expired, tt.burst)
					}
					return
				}
				if expired || added != tt.burst {
					t.Errorf("read %d ADDED, 410 %v: want all %d and no 410", added, expired, tt.burst)
				}
			})
		})
	}
}

// readAll reads w until it has nothing more for now: how many ADDED
// events, and whether it ended with 410 Expired.
func readAll(w watch.Interface) (added int, expired bool) {
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				return added, expired
			}
			switch ev.Type {
			case watch.Added:
				added++
			case watch.Error:
				status, _ := ev.Object.(*metav1.Status)
				expired = status != nil && apierrors.IsResourceExpired(&apierrors.StatusError{ErrStatus: *status})
			}
		default:
			synctest.Wait()
			if len(w.ResultChan()) == 0 {
				return added, expired
			}
		}
	}
}
