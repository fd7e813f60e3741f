package store

import (
	"fmt"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
)

// Predicate selects objects by labels and fields; nil selectors match all.
type Predicate struct {
	Label labels.Selector
	Field fields.Selector
}

// Empty reports whether the predicate selects everything.
func (p Predicate) Empty() bool {
	return (p.Label == nil || p.Label.Empty()) && (p.Field == nil || p.Field.Empty())
}

// Matches reports whether obj is selected.
func (s *Store) Matches(p Predicate, obj runtime.Object) bool {
	if p.Empty() {
		return true
	}
	a := s.attrsOf(obj, 0)
	return a != nil && a.matches(p)
}

// fieldSet is every selectable field of obj.
func (s *Store) fieldSet(obj runtime.Object, m interface {
	GetName() string
	GetNamespace() string
}) fields.Set {
	set := fields.Set{}
	if s.res.SelectableFields != nil {
		set = s.res.SelectableFields(obj)
	}
	set["metadata.name"] = m.GetName()
	if s.res.Namespaced {
		set["metadata.namespace"] = m.GetNamespace()
	}
	return set
}

// ValidateFieldSelector rejects selectors on fields the resource does not
// support, with upstream's message.
func (s *Store) ValidateFieldSelector(sel fields.Selector) error {
	if sel == nil || sel.Empty() {
		return nil
	}
	supported := s.fieldSet(s.res.New(), emptyMeta{})
	for _, r := range sel.Requirements() {
		if _, ok := supported[r.Field]; !ok {
			return fmt.Errorf("field label not supported: %s", r.Field)
		}
	}
	return nil
}

type emptyMeta struct{}

func (emptyMeta) GetName() string      { return "" }
func (emptyMeta) GetNamespace() string { return "" }
