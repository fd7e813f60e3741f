package etcd

import (
	"context"

	"go.etcd.io/etcd/api/v3/mvccpb"

	"github.com/evictd/evictd/internal/storage"
)

// Get returns the current value of key (a linearizable read).
func (s *Store) Get(ctx context.Context, key string) (storage.KeyValue, error) {
	if err := s.open(); err != nil {
		return storage.KeyValue{}, err
	}
	if err := validKey(key); err != nil {
		return storage.KeyValue{}, err
	}
	resp, err := s.client.Get(ctx, s.etcdKey(key))
	if err != nil {
		return storage.KeyValue{}, s.wrap(ctx, "get "+key, 0, err)
	}
	if len(resp.Kvs) == 0 {
		return storage.KeyValue{}, notFound(key)
	}
	return s.keyValue(resp.Kvs[0]), nil
}

// keyValue converts an etcd pair. The value is the response's own copy
// (protobuf decoding copies bytes), capped so that appending to it
// reallocates instead of reaching a neighbour.
func (s *Store) keyValue(kv *mvccpb.KeyValue) storage.KeyValue {
	return storage.KeyValue{
		Key:            s.storageKey(kv.Key),
		Value:          kv.Value[:len(kv.Value):len(kv.Value)],
		CreateRevision: kv.CreateRevision,
		ModRevision:    kv.ModRevision,
	}
}
