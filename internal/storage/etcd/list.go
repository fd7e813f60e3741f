package etcd

import (
	"context"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/evictd/evictd/internal/storage"
)

// List reads the keys under prefix, from StartKey on, at opts.Revision (0:
// now), with one etcd range request. etcd counts the whole range while it
// reads it, which gives Remaining without a second request.
func (s *Store) List(ctx context.Context, prefix string, opts storage.ListOptions) (storage.ListResult, error) {
	if err := s.open(); err != nil {
		return storage.ListResult{}, err
	}
	from := s.etcdKey(max(prefix, opts.StartKey))
	end := clientv3.GetPrefixRangeEnd(s.etcdKey(prefix))
	ops := []clientv3.OpOption{clientv3.WithRange(end)}
	if opts.Revision > 0 {
		ops = append(ops, clientv3.WithRev(opts.Revision))
	}
	if opts.Limit > 0 {
		ops = append(ops, clientv3.WithLimit(opts.Limit))
	}
	resp, err := s.client.Get(ctx, from, ops...)
	if err != nil {
		return storage.ListResult{}, s.wrap(ctx, "list "+prefix, opts.Revision, err)
	}
	res := storage.ListResult{KVs: make([]storage.KeyValue, len(resp.Kvs)), Revision: resp.Header.Revision, More: resp.More}
	if opts.Revision > 0 {
		// The header carries the current revision, not the one read at.
		res.Revision = opts.Revision
	}
	for i, kv := range resp.Kvs {
		res.KVs[i] = s.keyValue(kv)
	}
	if res.More {
		res.Remaining = resp.Count - int64(len(resp.Kvs))
	}
	return res, nil
}
