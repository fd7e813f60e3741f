// Package registry describes the resources evictd serves: their names and
// kinds, and the rules (a Strategy) that the generic store applies on every
// create, update and delete. Each resource lives in its own package under
// internal/registry/ and exports a Resource; the API server, discovery and
// OpenAPI are all generated from these descriptions.
package registry

import (
	"context"
	"time"

	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Resource is one served resource.
type Resource struct {
	// GroupVersion is the group and version the resource is served at.
	GroupVersion schema.GroupVersion
	// Plural is the URL name (pods); Singular the singular name (pod).
	Plural, Singular string
	// Kind and ListKind name the Go types (Pod, PodList).
	Kind, ListKind string
	// ShortNames (po) and Categories (all) are advertised in discovery.
	ShortNames, Categories []string
	// Namespaced resources live under /namespaces/{ns}/.
	Namespaced bool
	// ValidateName checks metadata.name (and generateName); nil means a
	// DNS subdomain, the rule of most resources.
	ValidateName apimachineryvalidation.ValidateNameFunc

	// New and NewList return empty objects of the resource's Go types.
	New     func() runtime.Object
	NewList func() runtime.Object

	// Strategy holds the rules for the main resource.
	Strategy Strategy
	// StatusStrategy, when set, serves the status subresource with these
	// rules (usually: keep spec and metadata, take status).
	StatusStrategy Strategy

	// Scale, when set, serves the scale subresource (autoscaling/v1 Scale)
	// of workload resources.
	Scale *Scale

	// ReturnDeletedObject makes DELETE answer with the deleted object
	// rather than a Success Status (pods do).
	ReturnDeletedObject bool

	// Release, when set, gives back what PrepareForCreate took from a
	// shared pool (a service's cluster IPs): the store calls it after the
	// object is removed, and when a create that passed validation is not
	// stored (the name exists). A dry run takes nothing (the hooks see
	// IsDryRun), so nothing is released after it.
	Release func(obj runtime.Object)

	// FinalizedBy, when set, adds a condition to the removal of an object
	// whose deletion is due once its last finalizer is gone: it must also
	// report true (namespaces wait for spec.finalizers to be empty too).
	FinalizedBy func(obj runtime.Object) bool

	// UpdateOnlySubresources are subresources that accept only PUT, each
	// with its own rules (namespaces/finalize, which changes
	// spec.finalizers only).
	UpdateOnlySubresources map[string]Strategy

	// Table converts objects to rows for `kubectl get`; nil means the
	// default Name/Created At table.
	Table *Table

	// SelectableFields returns the fields a fieldSelector may name, beyond
	// metadata.name and metadata.namespace (which every resource has).
	// Keys are field paths such as spec.nodeName.
	SelectableFields func(obj runtime.Object) fields.Set

	// StorageResource, when set, names the resource whose storage this one
	// shares (events.k8s.io/v1 events are core/v1 events underneath), and
	// StorageConversion translates between the two.
	StorageResource   *schema.GroupVersionResource
	StorageConversion *Conversion
}

// Conversion translates a resource's objects to and from the type they
// are stored as.
type Conversion struct {
	// StoredKind is the kind objects are stored as; NewStored returns an
	// empty one.
	StoredKind schema.GroupVersionKind
	NewStored  func() runtime.Object
	ToStored   func(obj runtime.Object) (runtime.Object, error)
	FromStored func(stored runtime.Object) (runtime.Object, error)
}

// GroupVersionResource of the resource.
func (r *Resource) GroupVersionResource() schema.GroupVersionResource {
	return r.GroupVersion.WithResource(r.Plural)
}

// GroupVersionKind of the resource's object.
func (r *Resource) GroupVersionKind() schema.GroupVersionKind {
	return r.GroupVersion.WithKind(r.Kind)
}

// GroupResource qualifies the resource for error messages (pods, deployments.apps).
func (r *Resource) GroupResource() schema.GroupResource {
	return r.GroupVersionResource().GroupResource()
}

// Strategy is the per-resource behaviour the generic store calls. Embed
// DefaultStrategy and override what differs.
type Strategy interface {
	// PrepareForCreate clears what a client may not set on create (status,
	// for resources with a status subresource) and sets generation.
	PrepareForCreate(ctx context.Context, obj runtime.Object)
	// Default fills in defaults as Kubernetes' defaulting functions do.
	Default(obj runtime.Object)
	// Validate checks a new object.
	Validate(ctx context.Context, obj runtime.Object) field.ErrorList
	// PrepareForUpdate copies from old what an update may not change and
	// bumps generation on spec changes.
	PrepareForUpdate(ctx context.Context, obj, old runtime.Object)
	// ValidateUpdate checks an update.
	ValidateUpdate(ctx context.Context, obj, old runtime.Object) field.ErrorList
	// AllowCreateOnUpdate reports whether PUT may create a missing object.
	AllowCreateOnUpdate() bool
	// AllowUnconditionalUpdate reports whether PUT may omit resourceVersion.
	AllowUnconditionalUpdate() bool
}

// GracefulDeleter is implemented by strategies whose objects are deleted
// gracefully (pods). CheckGracefulDelete sets options.GracePeriodSeconds
// and reports whether the delete is graceful.
type GracefulDeleter interface {
	CheckGracefulDelete(ctx context.Context, obj runtime.Object, options *metav1.DeleteOptions) bool
}

// DefaultStrategy is a Strategy that allows everything and changes nothing.
type DefaultStrategy struct{}

// PrepareForCreate does nothing.
func (DefaultStrategy) PrepareForCreate(context.Context, runtime.Object) {}

// Default does nothing.
func (DefaultStrategy) Default(runtime.Object) {}

// Validate accepts everything.
func (DefaultStrategy) Validate(context.Context, runtime.Object) field.ErrorList { return nil }

// PrepareForUpdate does nothing.
func (DefaultStrategy) PrepareForUpdate(context.Context, runtime.Object, runtime.Object) {}

// ValidateUpdate accepts everything.
func (DefaultStrategy) ValidateUpdate(context.Context, runtime.Object, runtime.Object) field.ErrorList {
	return nil
}

// AllowCreateOnUpdate is false: PUT of a missing object is a 404.
func (DefaultStrategy) AllowCreateOnUpdate() bool { return false }

// AllowUnconditionalUpdate is true: PUT without resourceVersion overwrites.
func (DefaultStrategy) AllowUnconditionalUpdate() bool { return true }

// Table describes the server-side table of a resource.
type Table struct {
	// Columns in order; priority 1 columns show only with -o wide.
	Columns []metav1.TableColumnDefinition
	// Row returns the cells of one object, one per column. now is the
	// time ages are measured against.
	Row func(obj runtime.Object, now time.Time) []any
}

// Scale describes how the scale subresource reads and writes a workload:
// spec.replicas, status.replicas and the pod selector.
type Scale struct {
	// Get returns spec.replicas, status.replicas and the label selector
	// of obj, serialised as a string (status.selector of a Scale).
	Get func(obj runtime.Object) (specReplicas, statusReplicas int32, selector string)
	// Set writes spec.replicas.
	Set func(obj runtime.Object, replicas int32)
}
