// Package view shows a drain's progress: plain timestamped lines for logs
// and pipes, and a live table on a terminal.
package view

import (
	"fmt"
	"io"
	"time"

	"github.com/evictd/evictd/internal/drain"
)

// Lines returns an observer writing one timestamped line per event to w,
// for output that is not a terminal.
func Lines(w io.Writer) func(drain.Event) {
	return func(e drain.Event) {
		fmt.Fprintf(w, "%s %s\n", e.Time.UTC().Format(time.RFC3339Nano), Describe(e))
	}
}

// Describe is the text of one event, without its time.
func Describe(e drain.Event) string {
	switch e.Type {
	case drain.NodeCordoned:
		return fmt.Sprintf("node/%s cordoned", e.Node)
	case drain.NodeUncordoned:
		return fmt.Sprintf("node/%s uncordoned", e.Node)
	case drain.NodeListed:
		s := fmt.Sprintf("node/%s: %d pods to evict", e.Node, e.Count)
		if e.Message != "" {
			s += "; WARNING: " + e.Message
		}
		return s
	case drain.NodeDrained:
		if e.Message == string(drain.NodeOutcomeDryRun) {
			return fmt.Sprintf("node/%s drained (dry run)", e.Node)
		}
		return fmt.Sprintf("node/%s drained", e.Node)
	case drain.NodeFailed:
		return fmt.Sprintf("node/%s not drained: %s", e.Node, e.Message)
	case drain.PodEvicting:
		return fmt.Sprintf("node/%s pod/%s evicting", e.Node, e.Pod)
	case drain.PodBlocked:
		return fmt.Sprintf("node/%s pod/%s blocked: %s", e.Node, e.Pod, e.Message)
	case drain.PodEvicted:
		return fmt.Sprintf("node/%s pod/%s evicted", e.Node, e.Pod)
	case drain.PodTerminating:
		return fmt.Sprintf("node/%s pod/%s terminating, grace until %s", e.Node, e.Pod, e.Deadline.UTC().Format(time.TimeOnly))
	case drain.PodDeleted:
		if e.Message != "" {
			return fmt.Sprintf("node/%s pod/%s deleted (%s)", e.Node, e.Pod, e.Message)
		}
		return fmt.Sprintf("node/%s pod/%s deleted", e.Node, e.Pod)
	case drain.PodFailed:
		return fmt.Sprintf("node/%s pod/%s failed: %s", e.Node, e.Pod, e.Message)
	}
	return fmt.Sprintf("node/%s %s %s %s", e.Node, e.Pod, e.Type, e.Message)
}
