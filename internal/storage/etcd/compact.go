package etcd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/utils/clock"
)

// compactRevKey is the etcd key (outside any prefix) through which API
// servers sharing an etcd agree on who compacts; kube-apiserver uses the
// same key, so evictd and kube-apiserver on one etcd also take turns.
const compactRevKey = "compact_rev_key"

// oldestProbeTimeout bounds the watch that asks etcd for its compacted
// revision; past it, a CompactedError reports Requested+1 as the oldest.
const oldestProbeTimeout = 5 * time.Second

// Compact compacts etcd's history at revision (the state at revision stays
// readable). Compacting at or below an earlier compaction does nothing.
func (s *Store) Compact(ctx context.Context, revision int64) error {
	if err := s.open(); err != nil {
		return err
	}
	_, err := s.client.Compact(ctx, revision)
	switch {
	case errors.Is(err, rpctypes.ErrCompacted):
		return nil
	case err != nil:
		return s.wrap(ctx, "compact", revision, err)
	}
	return nil
}

// compactor compacts on every tick until ctx ends or the store closes.
func (s *Store) compactor(ctx context.Context, t clock.Ticker) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	defer t.Stop()
	var version, rev int64
	for {
		select {
		case <-t.C():
		case <-ctx.Done():
			return
		}
		var err error
		if version, rev, err = s.compactOnce(ctx, version, rev); err != nil && ctx.Err() == nil {
			s.log.Warn("etcd compaction failed", slog.Any("err", err))
		}
	}
}

// compactOnce is one round of kube-apiserver's compaction protocol.
// version is the compactRevKey version this server saw last round, rev the
// revision it saw then. If the key still has that version, no other server
// compacted since: this one bumps it (recording its revision) and
// compacts at rev, so history spans at least one interval. Otherwise it
// only learns the new version and revision, and another server compacts.
// It returns the version and revision for the next round.
func (s *Store) compactOnce(ctx context.Context, version, rev int64) (int64, int64, error) {
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.Version(compactRevKey), "=", version)).
		Then(clientv3.OpPut(compactRevKey, strconv.FormatInt(rev, 10))).
		Else(clientv3.OpGet(compactRevKey)).
		Commit()
	if err != nil {
		return version, rev, fmt.Errorf("claim compaction: %w", err)
	}
	cur := resp.Header.Revision
	if !resp.Succeeded {
		// Another server compacted; if someone deleted the key, start over
		// from version 0 (kube-apiserver recovers the same way).
		var seen int64
		if kvs := resp.Responses[0].GetResponseRange().GetKvs(); len(kvs) > 0 {
			seen = kvs[0].Version
		}
		return seen, cur, nil
	}
	if rev == 0 {
		return version + 1, cur, nil // the first round only records a revision
	}
	if _, err := s.client.Compact(ctx, rev); err != nil && !errors.Is(err, rpctypes.ErrCompacted) {
		return version + 1, cur, fmt.Errorf("compact at %d: %w", rev, err)
	}
	s.log.Debug("etcd compacted", slog.Int64("revision", rev))
	return version + 1, cur, nil
}

// oldest returns etcd's compacted revision, the oldest that can still be
// read: a watch from revision 1 is refused with it. requested+1 stands in
// if etcd does not say in time.
func (s *Store) oldest(ctx context.Context, requested int64) int64 {
	ctx, cancel := context.WithTimeout(ctx, oldestProbeTimeout)
	defer cancel()
	for wr := range s.client.Watch(ctx, s.prefix+"\x00oldest", clientv3.WithRev(1)) {
		if wr.CompactRevision != 0 {
			return wr.CompactRevision
		}
	}
	return requested + 1
}
