package store

import (
	"context"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/evictd/evictd/internal/storage"
)

// sharedCache keeps the last decoded object of each key, for ListShared.
type sharedCache struct {
	m sync.Map // key → sharedEntry
}

type sharedEntry struct {
	rev int64
	obj runtime.Object
}

// ListShared lists every object of namespace ("" for all) like List, but
// returns objects decoded once per revision and shared between callers:
// they are read-only, and a caller that changes one must DeepCopy it
// first. It serves hot in-process readers, such as the eviction handler
// that reads its namespace's PodDisruptionBudgets on every request.
func (s *Store) ListShared(ctx context.Context, namespace string) ([]runtime.Object, error) {
	var out []runtime.Object
	start := ""
	var rev int64
	for {
		page, err := s.storage.List(ctx, s.listPrefix(namespace), storage.ListOptions{Revision: rev, StartKey: start, Limit: sharedPage})
		if err != nil {
			return nil, s.statusError(err, "")
		}
		rev = page.Revision
		for _, kv := range page.KVs {
			obj, err := s.sharedDecode(kv)
			if err != nil {
				return nil, apierrors.NewInternalError(err)
			}
			out = append(out, obj)
		}
		if !page.More || len(page.KVs) == 0 {
			return out, nil
		}
		start = page.KVs[len(page.KVs)-1].Key + "\x00"
	}
}

// sharedPage bounds how many values one storage read copies at once.
const sharedPage = 1000

func (s *Store) sharedDecode(kv storage.KeyValue) (runtime.Object, error) {
	if v, ok := s.shared.m.Load(kv.Key); ok && v.(sharedEntry).rev == kv.ModRevision {
		return v.(sharedEntry).obj, nil
	}
	obj, err := s.decode(kv.Value, kv.ModRevision)
	if err != nil {
		return nil, err
	}
	s.shared.m.Store(kv.Key, sharedEntry{rev: kv.ModRevision, obj: obj})
	return obj, nil
}
