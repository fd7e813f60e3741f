package etcd

import (
	"context"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/evictd/evictd/internal/storage"
)

// Delete removes key and returns its last value, with ModRevision set to
// the revision of the deletion. With expectedRevision > 0 it is a
// compare-and-swap like Update.
func (s *Store) Delete(ctx context.Context, key string, expectedRevision int64) (storage.KeyValue, error) {
	if err := s.open(); err != nil {
		return storage.KeyValue{}, err
	}
	if err := validKey(key); err != nil {
		return storage.KeyValue{}, err
	}
	k := s.etcdKey(key)
	txn := s.client.Txn(ctx)
	if expectedRevision > 0 {
		txn = txn.If(clientv3.Compare(clientv3.ModRevision(k), "=", expectedRevision))
	}
	txn = txn.Then(clientv3.OpDelete(k, clientv3.WithPrevKV()))
	if expectedRevision > 0 {
		txn = txn.Else(clientv3.OpGet(k))
	}
	resp, err := txn.Commit()
	if err != nil {
		return storage.KeyValue{}, s.wrap(ctx, "delete "+key, 0, err)
	}
	if !resp.Succeeded {
		return storage.KeyValue{}, s.conflict(key, resp)
	}
	// Deleting nothing takes no revision in etcd: the key was missing.
	prev := resp.Responses[0].GetResponseDeleteRange().GetPrevKvs()
	if len(prev) == 0 {
		return storage.KeyValue{}, notFound(key)
	}
	kv := s.keyValue(prev[0])
	kv.ModRevision = resp.Header.Revision
	return kv, nil
}
