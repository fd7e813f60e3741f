package configmap

import (
	"reflect"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxSize bounds data plus binaryData, in bytes (upstream's MaxSecretSize,
// which configmaps share): 1 MiB, so that an object stays well under
// etcd's request limit.
const maxSize = 1 << 20

// immutableMsg is upstream's detail for any change to a frozen configmap.
const immutableMsg = "field is immutable when `immutable` is set"

// validate is upstream's ValidateConfigMap without the metadata checks the
// store already makes.
func validate(cm *corev1.ConfigMap) field.ErrorList {
	var errs field.ErrorList
	size := 0
	dataPath, binaryPath := field.NewPath("data"), field.NewPath("binaryData")
	for key, value := range cm.Data {
		errs = append(errs, validateKey(dataPath.Key(key), key)...)
		if _, ok := cm.BinaryData[key]; ok {
			errs = append(errs, field.Invalid(dataPath.Key(key), key, "duplicate of key present in binaryData"))
		}
		size += len(value)
	}
	for key, value := range cm.BinaryData {
		errs = append(errs, validateKey(binaryPath.Key(key), key)...)
		size += len(value)
	}
	if size > maxSize {
		// An empty path: the error is about the whole object.
		errs = append(errs, field.TooLong(field.NewPath(""), "", maxSize))
	}
	return errs
}

func validateKey(path *field.Path, key string) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsConfigMapKey(key) {
		errs = append(errs, field.Invalid(path, key, msg))
	}
	return errs
}

// validateImmutable forbids unfreezing an immutable configmap and changing
// its data.
func validateImmutable(cm, old *corev1.ConfigMap) field.ErrorList {
	if old.Immutable == nil || !*old.Immutable {
		return nil
	}
	var errs field.ErrorList
	if cm.Immutable == nil || !*cm.Immutable {
		errs = append(errs, field.Forbidden(field.NewPath("immutable"), immutableMsg))
	}
	if !reflect.DeepEqual(cm.Data, old.Data) {
		errs = append(errs, field.Forbidden(field.NewPath("data"), immutableMsg))
	}
	if !reflect.DeepEqual(cm.BinaryData, old.BinaryData) {
		errs = append(errs, field.Forbidden(field.NewPath("binaryData"), immutableMsg))
	}
	return errs
}
