package store

import (
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/evictd/evictd/internal/storage"
)

var emptyGVK = schema.GroupVersionKind{}

// statusError turns a storage error about one object into the StatusError
// a Kubernetes API server answers with.
func (s *Store) statusError(err error, name string) error {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return err
	}
	gr := s.res.GroupResource()
	switch {
	case errors.Is(err, storage.ErrKeyNotFound):
		return apierrors.NewNotFound(gr, name)
	case errors.Is(err, storage.ErrKeyExists):
		return apierrors.NewAlreadyExists(gr, name)
	case errors.Is(err, storage.ErrConflict):
		return apierrors.NewConflict(gr, name, errors.New(conflictMessage))
	case errors.Is(err, storage.ErrCompacted):
		return apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %s", compactedDetail(err)))
	case errors.Is(err, storage.ErrFutureRevision):
		return apierrors.NewTimeoutError("Too large resource version", 1)
	}
	return apierrors.NewInternalError(err)
}

// conflictMessage is the text kube-apiserver gives an update whose
// resourceVersion is stale.
const conflictMessage = "the object has been modified; please apply your changes to the latest version and try again"

func compactedDetail(err error) string {
	var c *storage.CompactedError
	if errors.As(err, &c) {
		return fmt.Sprintf("%d (%d)", c.Requested, c.Oldest)
	}
	return err.Error()
}
