package namespace

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var finalizersPath = field.NewPath("spec", "finalizers")

// validateFinalizers checks spec.finalizers names: qualified names, and a
// name without a "/" must be one of the standard finalizers. Upstream
// reports create errors on the list and finalize errors on each item.
func validateFinalizers(finalizers []corev1.FinalizerName, indexed bool) field.ErrorList {
	var errs field.ErrorList
	for i, f := range finalizers {
		path := finalizersPath
		if indexed {
			path = path.Index(i)
		}
		errs = append(errs, validateFinalizerName(string(f), path)...)
	}
	return errs
}

// validateFinalizerName is upstream's validateFinalizerName plus
// validateKubeFinalizerName.
func validateFinalizerName(name string, path *field.Path) field.ErrorList {
	errs := apimachineryvalidation.ValidateFinalizerName(name, path)
	if !strings.Contains(name, "/") && !isStandardFinalizer(name) {
		errs = append(errs, field.Invalid(path, name, "name is neither a standard finalizer name nor is it fully qualified"))
	}
	return errs
}

func isStandardFinalizer(name string) bool {
	switch name {
	case string(corev1.FinalizerKubernetes), metav1.FinalizerOrphanDependents, metav1.FinalizerDeleteDependents:
		return true
	}
	return false
}

// validatePhase is upstream's status rule: Active while not deleted,
// Terminating once deletionTimestamp is set.
func validatePhase(ns *corev1.Namespace) field.ErrorList {
	path := field.NewPath("status", "Phase") // sic: upstream's capital P
	if ns.DeletionTimestamp.IsZero() {
		if ns.Status.Phase != corev1.NamespaceActive {
			return field.ErrorList{field.Invalid(path, ns.Status.Phase, "may only be 'Active' if `deletionTimestamp` is empty")}
		}
		return nil
	}
	if ns.Status.Phase != corev1.NamespaceTerminating {
		return field.ErrorList{field.Invalid(path, ns.Status.Phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")}
	}
	return nil
}
