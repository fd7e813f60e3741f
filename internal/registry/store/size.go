package store

import (
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
)

// sizer is what every generated Kubernetes type implements: the length of
// its protobuf encoding, computed without encoding.
type sizer interface{ Size() int }

// checkSize refuses (413) an object larger than the store's bound before
// it is validated, diffed or encoded: kube-apiserver's etcd refuses values
// beyond its request limit, and evictd's memory storage would otherwise
// keep whatever a patch or an apply could build.
func (s *Store) checkSize(obj runtime.Object) error {
	if s.maxObjectBytes <= 0 {
		return nil
	}
	sz, ok := obj.(sizer)
	if !ok {
		return nil
	}
	if n := sz.Size(); n > s.maxObjectBytes {
		return apierrors.NewRequestEntityTooLargeError(fmt.Sprintf("the object is %d bytes, limit is %d", n, s.maxObjectBytes))
	}
	return nil
}
