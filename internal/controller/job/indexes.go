package job

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// podIndex is an Indexed job pod's completion index.
func podIndex(p *corev1.Pod) (int, bool) {
	v, ok := p.Annotations[batchv1.JobCompletionIndexAnnotation]
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(v)
	return i, err == nil && i >= 0
}

// completedIndexes parses status.completedIndexes ("0-2,5").
func completedIndexes(job *batchv1.Job) []int {
	var out []int
	for part := range strings.SplitSeq(job.Status.CompletedIndexes, ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			continue
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				continue
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out
}

// formatIndexes writes indexes as upstream does: sorted, runs as "a-b".
func formatIndexes(indexes []int) string {
	s := slices.Sorted(slices.Values(indexes))
	s = slices.Compact(s)
	var parts []string
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && s[j+1] == s[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(s[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", s[i], s[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// nextIndexes lists up to n indexes that neither completed nor run now;
// nil for NonIndexed jobs.
func (c *Controller) nextIndexes(job *batchv1.Job, st *state, n int) []int {
	if !isIndexed(job) || job.Spec.Completions == nil {
		return nil
	}
	taken := completedIndexes(job)
	for _, p := range st.active {
		if i, ok := podIndex(p); ok {
			taken = append(taken, i)
		}
	}
	var out []int
	for i := 0; i < int(*job.Spec.Completions) && len(out) < n; i++ {
		if !slices.Contains(taken, i) {
			out = append(out, i)
		}
	}
	return out
}

// indexAt is the index for the slot-th new pod, -1 for NonIndexed jobs.
func indexAt(indexes []int, slot int) int {
	if indexes == nil || slot >= len(indexes) {
		return -1
	}
	return indexes[slot]
}
