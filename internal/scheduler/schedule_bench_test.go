package scheduler

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// BenchmarkSchedule measures the scheduling cycle alone (filters, scores,
// assume; no API calls): 30,000 pods of 10 owners onto 1,000 nodes.
func BenchmarkSchedule(b *testing.B) {
	for _, size := range []struct{ pods, nodes int }{{1000, 20}, {30000, 1000}} {
		b.Run(fmt.Sprintf("pods=%d/nodes=%d", size.pods, size.nodes), func(b *testing.B) {
			pods := make([]*corev1.Pod, size.pods)
			for i := range pods {
				pods[i] = pod(fmt.Sprint("p", i), requests("10m", "10Mi"), ownedBy(types.UID(fmt.Sprint("rs", i%10))))
			}
			for range b.N {
				var nodes []*corev1.Node
				for i := range size.nodes {
					nodes = append(nodes, node(fmt.Sprint("n", i), fmt.Sprint("zone-", i%3), maxPods(int64(size.pods))))
				}
				s := &Scheduler{cache: snapshot(&testing.T{}, nodes)}
				for _, p := range pods {
					if name, d := s.schedule(p); name == "" {
						b.Fatal(d.message(p))
					}
				}
			}
		})
	}
}
