package storagetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/evictd/evictd/internal/storage"
)

// modelOps is the number of random operations per seed: enough for every
// kind of operation to meet every state many times, fast under -race.
const modelOps = 600

// Key and prefix pools are small so that random operations collide: creates
// hit existing keys, updates race deletes, "/m/ab/" sits next to "/m/a/".
var (
	modelKeys     = []string{"/m/a/1", "/m/a/2", "/m/a/3", "/m/a/4", "/m/ab/1", "/m/b/1", "/m/b/2", "/m/c"}
	modelPrefixes = []string{"/m/", "/m/a/", "/m/ab/", "/m/b/", "/m/c/", "/n/"}
)

// testModel runs random operations against the store and a reference
// model (bbolt's simulation tests do the same), comparing every answer and
// every watch event after each operation. Seeds are fixed so a failure
// replays; the failing seed and step are in the subtest name and message.
func testModel(t *testing.T, s storage.Interface) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			m := &model{
				t:      t,
				s:      s,
				rnd:    rand.New(rand.NewPCG(seed, 0)),
				prefix: fmt.Sprintf("/seed%d", seed), // isolates the seeds sharing s
				start:  mustRevision(t, s),
				now:    map[string]storage.KeyValue{},
			}
			m.w = mustWatch(t, s, m.prefix+"/", storage.WatchOptions{})
			for m.step = 0; m.step < modelOps; m.step++ {
				m.randomOp()
			}
		})
	}
}

// model is the reference: the current map plus every change, so that the
// state at any revision can be replayed.
type model struct {
	t         *testing.T
	s         storage.Interface
	rnd       *rand.Rand
	prefix    string
	w         storage.Watcher
	step      int
	start     int64 // the store's revision when the model started
	compacted int64 // the highest revision compacted (0: none)
	now       map[string]storage.KeyValue
	changes   []change
	// next continues the last List that was cut short by its Limit.
	next *continuation
}

type continuation struct {
	prefix string
	opts   storage.ListOptions
}

// change is one committed write; kv.Value is nil for a deletion.
type change struct {
	kv      storage.KeyValue
	deleted bool
}

func (m *model) fatalf(format string, args ...any) {
	m.t.Helper()
	m.t.Fatalf("step %d: %s", m.step, fmt.Sprintf(format, args...))
}

func (m *model) randomKey() string { return m.prefix + modelKeys[m.rnd.IntN(len(modelKeys))] }

func (m *model) randomOp() {
	switch n := m.rnd.IntN(100); {
	case n < 25:
		m.create()
	case n < 50:
		m.update()
	case n < 65:
		m.delete()
	case n < 75:
		m.get()
	case n < 90:
		m.list(0)
	case n < 97:
		m.list(m.pastRevision())
	default:
		m.compact()
	}
}

// lastRev is the revision of the last write the model saw.
func (m *model) lastRev() int64 {
	if len(m.changes) == 0 {
		return m.start
	}
	return m.changes[len(m.changes)-1].kv.ModRevision
}

// commit records a successful write and checks its revision and its event.
func (m *model) commit(kv storage.KeyValue, deleted bool, prev []byte) {
	m.t.Helper()
	if kv.ModRevision <= m.lastRev() {
		m.fatalf("write of %s got revision %d after %d", kv.Key, kv.ModRevision, m.lastRev())
	}
	m.changes = append(m.changes, change{kv: kv, deleted: deleted})
	want := putEvent(kv, prev)
	if deleted {
		delete(m.now, kv.Key)
		want = deleteEvent(kv)
	} else {
		m.now[kv.Key] = kv
	}
	wantEvent(m.t, nextEvent(m.t, m.w), want)
}

func (m *model) create() {
	m.t.Helper()
	key, value := m.randomKey(), fmt.Sprintf("c%d", m.step)
	kv, err := m.s.Create(m.t.Context(), key, []byte(value))
	if _, exists := m.now[key]; exists {
		m.wantErr("Create", err, storage.ErrKeyExists)
		return
	}
	if err != nil {
		m.fatalf("Create(%s): %v", key, err)
	}
	wantKV(m.t, "Create", kv, storage.KeyValue{Key: key, Value: []byte(value), CreateRevision: kv.ModRevision, ModRevision: kv.ModRevision})
	m.commit(kv, false, nil)
}

func (m *model) update() {
	m.t.Helper()
	key, value := m.randomKey(), fmt.Sprintf("u%d", m.step)
	cur, exists := m.now[key]
	expected := cur.ModRevision
	if m.rnd.IntN(4) == 0 {
		expected-- // stale
	}
	kv, err := m.s.Update(m.t.Context(), key, []byte(value), expected)
	switch {
	case !exists:
		m.wantErr("Update", err, storage.ErrKeyNotFound)
	case expected != cur.ModRevision:
		m.wantConflict("Update", err, cur)
	case err != nil:
		m.fatalf("Update(%s): %v", key, err)
	default:
		wantKV(m.t, "Update", kv, storage.KeyValue{Key: key, Value: []byte(value), CreateRevision: cur.CreateRevision, ModRevision: kv.ModRevision})
		m.commit(kv, false, cur.Value)
	}
}

func (m *model) delete() {
	m.t.Helper()
	key := m.randomKey()
	cur, exists := m.now[key]
	var expected int64 // unconditional
	switch m.rnd.IntN(3) {
	case 1:
		expected = cur.ModRevision
	case 2:
		expected = max(cur.ModRevision-1, 1) // stale
	}
	kv, err := m.s.Delete(m.t.Context(), key, expected)
	switch {
	case !exists:
		m.wantErr("Delete", err, storage.ErrKeyNotFound)
	case expected != 0 && expected != cur.ModRevision:
		m.wantConflict("Delete", err, cur)
	case err != nil:
		m.fatalf("Delete(%s): %v", key, err)
	default:
		wantKV(m.t, "Delete", kv, storage.KeyValue{Key: key, Value: cur.Value, CreateRevision: cur.CreateRevision, ModRevision: kv.ModRevision})
		m.commit(kv, true, nil)
	}
}

func (m *model) get() {
	m.t.Helper()
	key := m.randomKey()
	kv, err := m.s.Get(m.t.Context(), key)
	cur, exists := m.now[key]
	if !exists {
		m.wantErr("Get", err, storage.ErrKeyNotFound)
		return
	}
	if err != nil {
		m.fatalf("Get(%s): %v", key, err)
	}
	wantKV(m.t, "Get", kv, cur)
}

// list lists a random prefix at rev (0: now), with a random limit and start
// key, and compares with the model's state at that revision.
func (m *model) list(rev int64) {
	m.t.Helper()
	prefix := m.prefix + modelPrefixes[m.rnd.IntN(len(modelPrefixes))]
	opts := storage.ListOptions{Revision: rev, Limit: m.rnd.Int64N(4)}
	switch {
	case m.next != nil && m.rnd.IntN(2) == 0:
		prefix, opts, rev = m.next.prefix, m.next.opts, m.next.opts.Revision
	case m.rnd.IntN(3) == 0:
		opts.StartKey = m.randomKey()
	}
	m.next = nil
	res, err := m.s.List(m.t.Context(), prefix, opts)
	var compacted *storage.CompactedError
	switch {
	case rev != 0 && rev < m.compacted:
		m.wantErr(fmt.Sprintf("List at %d, compacted at %d", rev, m.compacted), err, storage.ErrCompacted)
		return
	case errors.As(err, &compacted) && compacted.Oldest > rev:
		return // the backend compacted further on its own: allowed
	case err != nil:
		m.fatalf("List(%s, %+v): %v", prefix, opts, err)
	}
	all := m.at(rev, prefix, opts.StartKey)
	want := all
	if opts.Limit > 0 && int64(len(all)) > opts.Limit {
		want = all[:opts.Limit]
	}
	if len(res.KVs) != len(want) || res.More != (len(want) < len(all)) ||
		(res.More && res.Remaining != int64(len(all)-len(want))) {
		m.fatalf("List(%s, %+v) = %v More=%v Remaining=%d; want %v of %d",
			prefix, opts, keysOf(res.KVs), res.More, res.Remaining, keysOf(want), len(all))
	}
	for i := range want {
		wantKV(m.t, "List", res.KVs[i], want[i])
	}
	if res.More {
		opts.Revision, opts.StartKey = res.Revision, res.KVs[len(res.KVs)-1].Key+"\x00"
		m.next = &continuation{prefix: prefix, opts: opts}
	}
}

// at returns the model's keys under prefix from startKey on, at rev (0: now).
func (m *model) at(rev int64, prefix, startKey string) []storage.KeyValue {
	state := map[string]storage.KeyValue{}
	for _, c := range m.changes {
		switch {
		case rev != 0 && c.kv.ModRevision > rev:
		case c.deleted:
			delete(state, c.kv.Key)
		default:
			state[c.kv.Key] = c.kv
		}
	}
	var kvs []storage.KeyValue
	for key, kv := range state {
		if strings.HasPrefix(key, prefix) && key >= startKey {
			kvs = append(kvs, kv)
		}
	}
	slices.SortFunc(kvs, func(a, b storage.KeyValue) int { return strings.Compare(a.Key, b.Key) })
	return kvs
}

// pastRevision picks a revision the model has seen, from just below the
// compacted one (which must fail) to the last write.
func (m *model) pastRevision() int64 {
	low := m.start
	if m.compacted > 0 {
		low = m.compacted - 1
	}
	return low + m.rnd.Int64N(m.lastRev()-low+1)
}

// compact compacts at a random revision between the oldest readable one
// and the last write.
func (m *model) compact() {
	m.t.Helper()
	low := max(m.start, m.compacted)
	rev := low + m.rnd.Int64N(m.lastRev()-low+1)
	if err := m.s.Compact(m.t.Context(), rev); err != nil {
		m.fatalf("Compact(%d): %v", rev, err)
	}
	m.compacted = rev
}

func (m *model) wantErr(what string, err, target error) {
	m.t.Helper()
	if !errors.Is(err, target) {
		m.fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func (m *model) wantConflict(what string, err error, cur storage.KeyValue) {
	m.t.Helper()
	var conflict *storage.ConflictError
	if !errors.As(err, &conflict) {
		m.fatalf("%s: got error %v, want a conflict", what, err)
	}
	wantKV(m.t, what+" conflict", conflict.Current, cur)
}
