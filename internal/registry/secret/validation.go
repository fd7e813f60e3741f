package secret

import (
	"encoding/json"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxSize bounds the sum of a secret's values (upstream's MaxSecretSize):
// 1 MiB, so that an object stays well under etcd's request limit.
const maxSize = 1 << 20

const (
	// immutableMsg is upstream's detail for any change to a frozen secret.
	immutableMsg = "field is immutable when `immutable` is set"
	// redacted stands for a secret value in an error: upstream never
	// echoes secret contents back.
	redacted = "<secret contents redacted>"
)

var dataPath = field.NewPath("data")

// validate is upstream's ValidateSecret without the metadata checks the
// store already makes. stringData has been folded into data by Default.
func validate(s *corev1.Secret) field.ErrorList {
	var errs field.ErrorList
	size := 0
	for key, value := range s.Data {
		for _, msg := range validation.IsConfigMapKey(key) {
			errs = append(errs, field.Invalid(dataPath.Key(key), key, msg))
		}
		size += len(value)
	}
	if size > maxSize {
		errs = append(errs, field.TooLong(dataPath, "", maxSize))
	}
	return append(errs, validateType(s)...)
}

// validateType checks the keys each built-in type requires. Unknown types
// (any string is a valid type) are not checked.
func validateType(s *corev1.Secret) field.ErrorList {
	switch s.Type {
	case corev1.SecretTypeServiceAccountToken:
		// Only the service account's name: the token controller adds
		// the uid annotation and the token data later.
		if s.Annotations[corev1.ServiceAccountNameKey] == "" {
			return field.ErrorList{field.Required(field.NewPath("metadata", "annotations").Key(corev1.ServiceAccountNameKey), "")}
		}
	case corev1.SecretTypeDockercfg:
		return requireJSON(s.Data, corev1.DockerConfigKey)
	case corev1.SecretTypeDockerConfigJson:
		return requireJSON(s.Data, corev1.DockerConfigJsonKey)
	case corev1.SecretTypeBasicAuth:
		// Either key may be empty or missing, but not both missing.
		_, user := s.Data[corev1.BasicAuthUsernameKey]
		_, password := s.Data[corev1.BasicAuthPasswordKey]
		if !user && !password {
			return field.ErrorList{
				field.Required(dataPath.Key(corev1.BasicAuthUsernameKey), ""),
				field.Required(dataPath.Key(corev1.BasicAuthPasswordKey), ""),
			}
		}
	case corev1.SecretTypeSSHAuth:
		if len(s.Data[corev1.SSHAuthPrivateKey]) == 0 {
			return field.ErrorList{field.Required(dataPath.Key(corev1.SSHAuthPrivateKey), "")}
		}
	case corev1.SecretTypeTLS:
		// Present, possibly empty; upstream does not parse the pair.
		var errs field.ErrorList
		for _, key := range []string{corev1.TLSCertKey, corev1.TLSPrivateKeyKey} {
			if _, ok := s.Data[key]; !ok {
				errs = append(errs, field.Required(dataPath.Key(key), ""))
			}
		}
		return errs
	}
	return nil
}

// requireJSON requires data[key] to be present and a JSON object.
func requireJSON(data map[string][]byte, key string) field.ErrorList {
	value, ok := data[key]
	if !ok {
		return field.ErrorList{field.Required(dataPath.Key(key), "")}
	}
	if err := json.Unmarshal(value, &map[string]any{}); err != nil {
		return field.ErrorList{field.Invalid(dataPath.Key(key), redacted, err.Error())}
	}
	return nil
}

// validateUpdate keeps the type, and freezes the data and the flag of an
// immutable secret.
func validateUpdate(s, old *corev1.Secret) field.ErrorList {
	errs := apimachineryvalidation.ValidateImmutableField(s.Type, old.Type, field.NewPath("type"))
	if old.Immutable == nil || !*old.Immutable {
		return errs
	}
	if s.Immutable == nil || !*s.Immutable {
		errs = append(errs, field.Forbidden(field.NewPath("immutable"), immutableMsg))
	}
	if !reflect.DeepEqual(s.Data, old.Data) {
		errs = append(errs, field.Forbidden(dataPath, immutableMsg))
	}
	return errs
}
