package scheduler

import corev1helpers "k8s.io/component-helpers/scheduling/corev1"

// activeHeap orders active pods by priority, highest first, then by the
// order they became active (upstream's PrioritySort).
type activeHeap []*queuedPod

func (h activeHeap) Len() int { return len(h) }

func (h activeHeap) Less(i, j int) bool {
	pi, pj := corev1helpers.PodPriority(h[i].pod), corev1helpers.PodPriority(h[j].pod)
	if pi != pj {
		return pi > pj
	}
	return h[i].seq < h[j].seq
}

func (h activeHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *activeHeap) Push(x any) {
	qp := x.(*queuedPod)
	qp.index = len(*h)
	*h = append(*h, qp)
}

func (h *activeHeap) Pop() any {
	old := *h
	qp := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return qp
}
