// Package store is the generic object store every resource is served
// through: it turns Kubernetes semantics (resourceVersion preconditions,
// generation, graceful deletion, finalizers, selectors, watch) into calls on
// a storage.Interface, applying the resource's registry.Strategy on the way.
// Errors it returns are *apierrors.StatusError, ready to be written to a
// client.
package store

import (
	"fmt"
	"strconv"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/scheme"
	"github.com/evictd/evictd/internal/storage"
)

// Store serves one resource from one storage.Interface.
type Store struct {
	res     *registry.Resource
	storage storage.Interface
	clock   clock.PassiveClock
	prefix  string
	// fieldManagers track managedFields and serve server-side apply. They
	// are built on first use: the type converter behind them takes ~100 ms
	// to build once per process, which must not sit on the start-up path.
	fieldManagers func() (fieldManagers, error)
	// attrs lets selectors skip objects without decoding them.
	attrs attrCache
	// shared holds the decoded objects ListShared hands out.
	shared sharedCache
	// maxObjectBytes bounds written objects (0: no bound).
	maxObjectBytes int
}

type fieldManagers struct {
	main, status *managedfields.FieldManager
}

// Options configures a Store.
type Options struct {
	// Clock stamps creationTimestamp and deletionTimestamp.
	Clock clock.PassiveClock
	// TypeConverter, when set, enables managedFields and server-side
	// apply; it is called once, on the first write that needs it.
	TypeConverter func() managedfields.TypeConverter
	// MaxObjectBytes, when positive, refuses with 413 a create or an
	// update whose object's encoding would be larger.
	MaxObjectBytes int
}

// New returns the store of res, keeping its objects under
// /<group>/<resource>/ in s ("core" stands for the core group).
func New(res *registry.Resource, s storage.Interface, opts Options) (*Store, error) {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	st := &Store{res: res, storage: s, clock: opts.Clock, prefix: Prefix(res), maxObjectBytes: opts.MaxObjectBytes}
	st.fieldManagers = sync.OnceValues(func() (fieldManagers, error) {
		var fms fieldManagers
		if opts.TypeConverter == nil {
			return fms, nil
		}
		tc := opts.TypeConverter()
		var err error
		if fms.main, err = newFieldManager(res, tc, ""); err != nil {
			return fms, fmt.Errorf("field manager for %s: %w", res.GroupResource(), err)
		}
		if res.StatusStrategy != nil {
			if fms.status, err = newFieldManager(res, tc, "status"); err != nil {
				return fms, fmt.Errorf("status field manager for %s: %w", res.GroupResource(), err)
			}
		}
		return fms, nil
	})
	return st, nil
}

// Prefix is the storage key prefix of a resource; it ends in '/'.
func Prefix(res *registry.Resource) string {
	group := res.GroupVersion.Group
	plural := res.Plural
	if res.StorageResource != nil {
		group, plural = res.StorageResource.Group, res.StorageResource.Resource
	}
	if group == "" {
		group = "core"
	}
	return "/" + group + "/" + plural + "/"
}

// Resource is the description this store serves.
func (s *Store) Resource() *registry.Resource { return s.res }

// key is the storage key of one object. Cluster-scoped objects use an
// empty namespace segment-free key: /<group>/<resource>/<name>.
func (s *Store) key(namespace, name string) string {
	if s.res.Namespaced {
		return s.prefix + namespace + "/" + name
	}
	return s.prefix + name
}

// listPrefix is the prefix holding all objects of namespace ("" = all).
func (s *Store) listPrefix(namespace string) string {
	if s.res.Namespaced && namespace != "" {
		return s.prefix + namespace + "/"
	}
	return s.prefix
}

// encode serialises obj for storage (protobuf with its GVK).
func (s *Store) encode(obj runtime.Object) ([]byte, error) {
	// Like etcd3 storage upstream, the resourceVersion is not stored: it is
	// the revision of the write, set again on every read.
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	rv := m.GetResourceVersion()
	m.SetResourceVersion("")
	defer m.SetResourceVersion(rv)
	stored, gvk := obj, s.res.GroupVersionKind()
	if c := s.res.StorageConversion; c != nil {
		if stored, err = c.ToStored(obj); err != nil {
			return nil, fmt.Errorf("convert %s for storage: %w", s.res.Kind, err)
		}
		gvk = c.StoredKind
	}
	stored.GetObjectKind().SetGroupVersionKind(gvk)
	data, err := runtime.Encode(scheme.Protobuf, stored)
	stored.GetObjectKind().SetGroupVersionKind(emptyGVK)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", s.res.Kind, err)
	}
	return data, nil
}

// decode turns a stored value back into an object whose resourceVersion
// is rev.
func (s *Store) decode(data []byte, rev int64) (runtime.Object, error) {
	c := s.res.StorageConversion
	obj := s.res.New()
	if c != nil {
		obj = c.NewStored()
	}
	if _, _, err := scheme.Protobuf.Decode(data, nil, obj); err != nil {
		return nil, fmt.Errorf("decode %s: %w", s.res.Kind, err)
	}
	obj.GetObjectKind().SetGroupVersionKind(emptyGVK)
	if c != nil {
		var err error
		if obj, err = c.FromStored(obj); err != nil {
			return nil, fmt.Errorf("convert stored %s: %w", s.res.Kind, err)
		}
	}
	if err := setResourceVersion(obj, rev); err != nil {
		return nil, err
	}
	return obj, nil
}

func setResourceVersion(obj runtime.Object, rev int64) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	if rev == 0 {
		m.SetResourceVersion("")
	} else {
		m.SetResourceVersion(strconv.FormatInt(rev, 10))
	}
	return nil
}

// now is the clock's time as Kubernetes stores it (second precision on the wire).
func (s *Store) now() metav1.Time { return metav1.NewTime(s.clock.Now()) }
