package view

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/evictd/evictd/internal/drain"
)

var t0 = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

// drainEvents is a node whose first pod went, second is terminating and
// third is blocked.
func drainEvents() []drain.Event {
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	return []drain.Event{
		{Time: at(0), Type: drain.NodeCordoned, Node: "node-1"},
		{Time: at(0.1), Type: drain.NodeListed, Node: "node-1", Count: 3},
		{Time: at(0.2), Type: drain.PodEvicting, Node: "node-1", Pod: "default/a"},
		{Time: at(0.3), Type: drain.PodEvicted, Node: "node-1", Pod: "default/a"},
		{Time: at(0.4), Type: drain.PodDeleted, Node: "node-1", Pod: "default/a"},
		{Time: at(0.5), Type: drain.PodEvicting, Node: "node-1", Pod: "default/b"},
		{Time: at(0.6), Type: drain.PodTerminating, Node: "node-1", Pod: "default/b", Deadline: at(30.6)},
		{Time: at(0.7), Type: drain.PodBlocked, Node: "node-1", Pod: "default/c", Message: "PodDisruptionBudget default/db allows 0 disruptions"},
	}
}

func TestLiveModelView(t *testing.T) {
	t.Parallel()
	m := &model{now: func() time.Time { return t0.Add(10600 * time.Millisecond) }, nodes: map[string]*nodeState{}}
	for _, e := range drainEvents() {
		m.apply(e)
	}
	got := m.View().Content
	for _, want := range []string{
		"NODE    LEFT  EVICTING  BLOCKED  TERMINATING         ELAPSED  STATUS",
		"node-1  2     0         1        1 (grace 20s left)  10.6s    draining",
		"blocked:\n  node-1 default/c: PodDisruptionBudget default/db allows 0 disruptions",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("view lacks %q:\n%s", want, got)
		}
	}
	m.apply(drain.Event{Time: t0.Add(12 * time.Second), Type: drain.NodeFailed, Node: "node-1", Message: "pod default/c: timed out\nmore"})
	if got := m.View().Content; !strings.Contains(got, "12s      failed: pod default/c: timed out …") {
		t.Errorf("failed node:\n%s", got)
	}
}

func TestLines(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	obs := Lines(&b)
	for _, e := range drainEvents() {
		obs(e)
	}
	want := `2026-12-04T10:00:00Z node/node-1 cordoned
2026-12-04T10:00:00.1Z node/node-1: 3 pods to evict
2026-12-04T10:00:00.2Z node/node-1 pod/default/a evicting
2026-12-04T10:00:00.3Z node/node-1 pod/default/a evicted
2026-12-04T10:00:00.4Z node/node-1 pod/default/a deleted
2026-12-04T10:00:00.5Z node/node-1 pod/default/b evicting
2026-12-04T10:00:00.6Z node/node-1 pod/default/b terminating, grace until 10:00:30
2026-12-04T10:00:00.7Z node/node-1 pod/default/c blocked: PodDisruptionBudget default/db allows 0 disruptions
`
	if b.String() != want {
		t.Errorf("lines:\n%s\nwant:\n%s", b.String(), want)
	}
}
