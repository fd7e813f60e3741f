// Package secret describes core/v1 secrets: the Opaque default, stringData
// folded into data, key, size and per-type validation, immutable secrets,
// the type field selector and the `kubectl get` table. The rules follow
// kube-apiserver's pkg/registry/core/secret, the v1 defaults and
// conversion, and ValidateSecret in pkg/apis/core/validation.
package secret

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/evictd/evictd/internal/registry"
)

// Resource returns a fresh description of core/v1 secrets.
func Resource() *registry.Resource {
	return &registry.Resource{
		GroupVersion:     corev1.SchemeGroupVersion,
		Plural:           "secrets",
		Singular:         "secret",
		Kind:             "Secret",
		ListKind:         "SecretList",
		Namespaced:       true,
		New:              func() runtime.Object { return &corev1.Secret{} },
		NewList:          func() runtime.Object { return &corev1.SecretList{} },
		Strategy:         strategy{},
		Table:            table(),
		SelectableFields: selectableFields,
	}
}

var _ registry.Strategy = strategy{}

// strategy defaults the type, folds stringData into data and validates.
// PUT may omit resourceVersion and may not create (DefaultStrategy).
type strategy struct{ registry.DefaultStrategy }

// Default sets the Opaque type and moves stringData into data, as the
// v1→internal conversion does on every write: a stringData key wins over
// the same data key, and stringData is never stored or returned.
func (strategy) Default(obj runtime.Object) {
	s := obj.(*corev1.Secret)
	if s.Type == "" {
		s.Type = corev1.SecretTypeOpaque
	}
	if len(s.StringData) > 0 && s.Data == nil {
		s.Data = make(map[string][]byte, len(s.StringData))
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
}

// Validate checks a new secret.
func (strategy) Validate(_ context.Context, obj runtime.Object) field.ErrorList {
	return validate(obj.(*corev1.Secret))
}

// ValidateUpdate checks that the type is unchanged and that an immutable
// secret stays so, then the new secret (upstream's ValidateSecretUpdate).
func (strategy) ValidateUpdate(_ context.Context, obj, old runtime.Object) field.ErrorList {
	s, oldS := obj.(*corev1.Secret), old.(*corev1.Secret)
	errs := validateUpdate(s, oldS)
	return append(errs, validate(s)...)
}

// selectableFields are upstream's secret field labels beyond metadata:
// `kubectl get secrets --field-selector type=kubernetes.io/tls`.
func selectableFields(obj runtime.Object) fields.Set {
	return fields.Set{"type": string(obj.(*corev1.Secret).Type)}
}
