package durability

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// writePeriod paces the writer: about 100 writes a second, each fsync'd
// by etcd, without starving the drain and the evictions of the 2 cores.
const writePeriod = 10 * time.Millisecond

// ack is a write the server acknowledged: the object's name, the
// resourceVersion it answered, the data written, and the server lifetime
// (1 before the kill, 2 after the restart) that answered.
type ack struct {
	name     string
	rv       string
	data     string
	lifetime int32
}

// writer creates ConfigMaps and updates each once, without pause, across
// the kill and the restart, and records every write acknowledged. A write
// that fails (the connection reset by the kill, refused while the server
// is down) may or may not have happened; it is not recorded, and its
// ConfigMap is not written again.
type writer struct {
	client   kubernetes.Interface
	seen     *rvMax
	lifetime *atomic.Int32

	mu   sync.Mutex
	acks map[string]ack // by name: the latest acknowledged write
	log  []ack          // every acknowledged write, in order
}

func newWriter(client kubernetes.Interface, seen *rvMax, lifetime *atomic.Int32) *writer {
	return &writer{client: client, seen: seen, lifetime: lifetime, acks: map[string]ack{}}
}

// run writes until ctx ends.
func (w *writer) run(ctx context.Context) {
	tick := time.NewTicker(writePeriod)
	defer tick.Stop()
	cms := w.client.CoreV1().ConfigMaps(namespace)
	for i := 0; ; i++ {
		name := fmt.Sprintf("write-%05d", i)
		created, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name},
			Data: map[string]string{"v": "created"}}, metav1.CreateOptions{})
		if err == nil {
			w.record(created)
			created.Data["v"] = "updated"
			if updated, err := cms.Update(ctx, created, metav1.UpdateOptions{}); err == nil {
				w.record(updated)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func (w *writer) record(cm *corev1.ConfigMap) {
	a := ack{name: cm.Name, rv: cm.ResourceVersion, data: cm.Data["v"], lifetime: w.lifetime.Load()}
	w.seen.see(a.rv)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.acks[a.name] = a
	w.log = append(w.log, a)
}

// acked returns a copy of every acknowledged write so far, in order.
func (w *writer) acked() []ack {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]ack(nil), w.log...)
}

// latest returns the latest acknowledged write of each ConfigMap.
func (w *writer) latest() map[string]ack {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]ack, len(w.acks))
	for k, v := range w.acks {
		out[k] = v
	}
	return out
}
