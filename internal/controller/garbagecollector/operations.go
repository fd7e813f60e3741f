package garbagecollector

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/util/retry"
)

// restMappingError: the RESTMapper does not know a kind. It may be a
// custom resource discovery has not shown yet, or a reference to a kind
// that does not exist; either way the item is retried with backoff and
// nothing is deleted because of it.
type restMappingError struct {
	kind, version string
}

func (e *restMappingError) Error() string {
	return fmt.Sprintf("unable to get REST mapping for %s/%s", e.version, e.kind)
}

// resource maps an apiVersion and kind to its resource and scope.
func (gc *GarbageCollector) resource(apiVersion, kind string) (schema.GroupVersionResource, bool, error) {
	gvk := schema.FromAPIVersionAndKind(apiVersion, kind)
	mapping, err := gc.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return schema.GroupVersionResource{}, false, &restMappingError{kind: kind, version: apiVersion}
	}
	return mapping.Resource, mapping.Scope.Name() == meta.RESTScopeNameNamespace, nil
}

// client is the metadata client of id's resource, in id's namespace when
// the resource is namespaced.
func (gc *GarbageCollector) client(id identity) (metadata.ResourceInterface, error) {
	gvr, namespaced, err := gc.resource(id.APIVersion, id.Kind)
	if err != nil {
		return nil, err
	}
	ns := ""
	if namespaced {
		ns = id.Namespace
	}
	return gc.metadata.Resource(gvr).Namespace(ns), nil
}

func (gc *GarbageCollector) getObject(ctx context.Context, id identity) (*metav1.PartialObjectMetadata, error) {
	c, err := gc.client(id)
	if err != nil {
		return nil, err
	}
	return c.Get(ctx, id.Name, metav1.GetOptions{})
}

// deleteObject deletes id with a UID and resourceVersion precondition, so
// that an object adopted since the decision survives. If only the
// resourceVersion moved and the ownerReferences are those the decision
// saw, it retries once at the live version, as upstream.
func (gc *GarbageCollector) deleteObject(ctx context.Context, id identity, rv string, owners []metav1.OwnerReference, policy metav1.DeletionPropagation) error {
	c, err := gc.client(id)
	if err != nil {
		return err
	}
	uid := id.UID
	pre := metav1.Preconditions{UID: &uid}
	if rv != "" {
		pre.ResourceVersion = &rv
	}
	err = c.Delete(ctx, id.Name, metav1.DeleteOptions{Preconditions: &pre, PropagationPolicy: &policy})
	if !apierrors.IsConflict(err) || rv == "" {
		return err
	}
	live, lerr := c.Get(ctx, id.Name, metav1.GetOptions{})
	if lerr != nil || live.UID != id.UID || live.ResourceVersion == rv || !reflect.DeepEqual(live.OwnerReferences, owners) {
		return err
	}
	pre.ResourceVersion = &live.ResourceVersion
	return c.Delete(ctx, id.Name, metav1.DeleteOptions{Preconditions: &pre, PropagationPolicy: &policy})
}

// metadataPatch is a JSON merge patch of metadata; resourceVersion makes
// the API server refuse it (409) if the object changed since it was read.
type metadataPatch struct {
	Metadata struct {
		ResourceVersion string                   `json:"resourceVersion"`
		OwnerReferences *[]metav1.OwnerReference `json:"ownerReferences,omitempty"`
		Finalizers      *[]string                `json:"finalizers,omitempty"`
	} `json:"metadata"`
}

// patchLive reads id, lets change edit its ownerReferences and
// finalizers, and writes the edit back as a merge patch at the version
// read, retrying on conflicts. change returns false when there is nothing
// to do. NotFound is returned as is.
func (gc *GarbageCollector) patchLive(ctx context.Context, id identity, change func(obj *metav1.PartialObjectMetadata) bool) error {
	c, err := gc.client(id)
	if err != nil {
		return err
	}
	return retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		obj, err := c.Get(ctx, id.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if obj.UID != id.UID {
			return apierrors.NewNotFound(schema.GroupResource{Resource: id.Kind}, id.Name)
		}
		refs, finalizers := slices.Clone(obj.OwnerReferences), slices.Clone(obj.Finalizers)
		if !change(obj) {
			return nil
		}
		var p metadataPatch
		p.Metadata.ResourceVersion = obj.ResourceVersion
		if !reflect.DeepEqual(refs, obj.OwnerReferences) {
			p.Metadata.OwnerReferences = &obj.OwnerReferences
		}
		if !reflect.DeepEqual(finalizers, obj.Finalizers) {
			p.Metadata.Finalizers = &obj.Finalizers
		}
		data, err := json.Marshal(p)
		if err != nil {
			return err
		}
		_, err = c.Patch(ctx, id.Name, types.MergePatchType, data, metav1.PatchOptions{})
		return err
	})
}

// removeOwnerRefs drops the references to uids from id.
func (gc *GarbageCollector) removeOwnerRefs(ctx context.Context, id identity, uids ...types.UID) error {
	return gc.patchLive(ctx, id, func(obj *metav1.PartialObjectMetadata) bool {
		n := len(obj.OwnerReferences)
		obj.OwnerReferences = slices.DeleteFunc(obj.OwnerReferences, func(r metav1.OwnerReference) bool {
			return slices.Contains(uids, r.UID)
		})
		return len(obj.OwnerReferences) != n
	})
}

// unblockOwnerRefs sets blockOwnerDeletion=false on every reference of id
// (upstream's cycle breaker for foreground chains).
func (gc *GarbageCollector) unblockOwnerRefs(ctx context.Context, id identity) error {
	return gc.patchLive(ctx, id, func(obj *metav1.PartialObjectMetadata) bool {
		changed := false
		for i := range obj.OwnerReferences {
			if blocks(obj.OwnerReferences[i]) {
				obj.OwnerReferences[i].BlockOwnerDeletion = new(false)
				changed = true
			}
		}
		return changed
	})
}

// removeFinalizer drops finalizer from id; a missing object or finalizer
// is success.
func (gc *GarbageCollector) removeFinalizer(ctx context.Context, id identity, finalizer string) error {
	err := gc.patchLive(ctx, id, func(obj *metav1.PartialObjectMetadata) bool {
		n := len(obj.Finalizers)
		obj.Finalizers = slices.DeleteFunc(obj.Finalizers, func(f string) bool { return f == finalizer })
		return len(obj.Finalizers) != n
	})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("removing finalizer %s from %s: %w", finalizer, id, err)
	}
	return nil
}
