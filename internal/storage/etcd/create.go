package etcd

import (
	"context"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/evictd/evictd/internal/storage"
)

// Create stores a new key: one transaction that puts the value only if the
// key's create revision is 0 (it does not exist), as kube-apiserver's
// etcd3 store creates.
func (s *Store) Create(ctx context.Context, key string, value []byte) (storage.KeyValue, error) {
	if err := s.open(); err != nil {
		return storage.KeyValue{}, err
	}
	if err := validKey(key); err != nil {
		return storage.KeyValue{}, err
	}
	k := s.etcdKey(key)
	resp, err := s.client.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(k), "=", 0)).
		Then(clientv3.OpPut(k, string(value))).
		Commit()
	if err != nil {
		return storage.KeyValue{}, s.wrap(ctx, "create "+key, 0, err)
	}
	if !resp.Succeeded {
		return storage.KeyValue{}, exists(key)
	}
	rev := resp.Header.Revision
	return storage.KeyValue{Key: key, Value: value, CreateRevision: rev, ModRevision: rev}, nil
}
