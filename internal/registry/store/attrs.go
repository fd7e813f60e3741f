package store

import (
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// attrCache remembers, per storage key, the labels and selectable fields
// of the last decoded revision, so that lists and watches with selectors
// decode only the objects that match (upstream's watch cache keeps the
// same attributes for the same reason). A drain's
// `fieldSelector=spec.nodeName=n1` over 100k pods then decodes the pods of
// n1, not all of them. Entries are small (a few hundred bytes per object)
// and immutable once stored.
type attrCache struct {
	m sync.Map // key → *attrs
}

type attrs struct {
	rev    int64
	labels labels.Set
	fields fields.Set
}

// get returns the attributes of key at rev, if known.
func (c *attrCache) get(key string, rev int64) (*attrs, bool) {
	v, ok := c.m.Load(key)
	if !ok {
		return nil, false
	}
	a := v.(*attrs)
	return a, a.rev == rev
}

// remember stores the attributes of obj, decoded from key at rev.
func (c *attrCache) remember(s *Store, key string, rev int64, obj runtime.Object) *attrs {
	a := s.attrsOf(obj, rev)
	if a == nil {
		return nil
	}
	if cur, ok := c.m.Load(key); !ok || cur.(*attrs).rev < rev {
		c.m.Store(key, a)
	}
	return a
}

func (c *attrCache) forget(key string) { c.m.Delete(key) }

// attrsOf computes the selectable attributes of obj (nil if it has no
// metadata).
func (s *Store) attrsOf(obj runtime.Object, rev int64) *attrs {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil
	}
	return &attrs{rev: rev, labels: labels.Set(m.GetLabels()), fields: s.fieldSet(obj, m)}
}

// matches evaluates p on cached attributes.
func (a *attrs) matches(p Predicate) bool {
	if p.Label != nil && !p.Label.Empty() && !p.Label.Matches(a.labels) {
		return false
	}
	if p.Field != nil && !p.Field.Empty() && !p.Field.Matches(a.fields) {
		return false
	}
	return true
}

// decodeMatching decodes the value of key at rev if it matches p; known
// non-matching objects are skipped without decoding.
func (s *Store) decodeMatching(p Predicate, key string, value []byte, rev int64) (runtime.Object, bool, error) {
	if !p.Empty() {
		if a, ok := s.attrs.get(key, rev); ok && !a.matches(p) {
			return nil, false, nil
		}
	}
	obj, err := s.decode(value, rev)
	if err != nil {
		return nil, false, err
	}
	if p.Empty() {
		return obj, true, nil
	}
	a := s.attrs.remember(s, key, rev, obj)
	return obj, a != nil && a.matches(p), nil
}
