package etcd

import (
	"context"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/evictd/evictd/internal/storage"
)

// Update is a compare-and-swap: one transaction that puts the value if the
// key exists and its mod revision is still expectedRevision, and otherwise
// reads the key, so a conflict carries the winning value without another
// round trip (kube-apiserver's GuaranteedUpdate does the same).
func (s *Store) Update(ctx context.Context, key string, value []byte, expectedRevision int64) (storage.KeyValue, error) {
	if err := s.open(); err != nil {
		return storage.KeyValue{}, err
	}
	if err := validKey(key); err != nil {
		return storage.KeyValue{}, err
	}
	k := s.etcdKey(key)
	resp, err := s.client.Txn(ctx).
		If(
			// A missing key has mod revision 0: the second comparison keeps
			// Update(key, value, 0) from creating it.
			clientv3.Compare(clientv3.ModRevision(k), "=", expectedRevision),
			clientv3.Compare(clientv3.CreateRevision(k), ">", 0),
		).
		Then(clientv3.OpPut(k, string(value), clientv3.WithPrevKV())).
		Else(clientv3.OpGet(k)).
		Commit()
	if err != nil {
		return storage.KeyValue{}, s.wrap(ctx, "update "+key, 0, err)
	}
	if !resp.Succeeded {
		return storage.KeyValue{}, s.conflict(key, resp)
	}
	prev := resp.Responses[0].GetResponsePut().GetPrevKv()
	return storage.KeyValue{
		Key:            key,
		Value:          value,
		CreateRevision: prev.GetCreateRevision(),
		ModRevision:    resp.Header.Revision,
	}, nil
}

// conflict reads the Else branch of a failed compare-and-swap: the key is
// gone (ErrKeyNotFound) or changed (a *storage.ConflictError with its
// current value).
func (s *Store) conflict(key string, resp *clientv3.TxnResponse) error {
	kvs := resp.Responses[0].GetResponseRange().GetKvs()
	if len(kvs) == 0 {
		return notFound(key)
	}
	return &storage.ConflictError{Current: s.keyValue(kvs[0])}
}
