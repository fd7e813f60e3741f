package service

// Allocation happens in PrepareForCreate and PrepareForUpdate, which
// registry.Strategy gives no way to fail; upstream allocates in a
// BeginCreate hook that can. A failure is therefore written into the object
// as a status condition and reported by the Validate call that follows.

import (
	"context"
	"net/netip"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// allocationFailed is the type of a status condition that carries an
// allocation failure from PrepareFor* (which cannot fail) to Validate*,
// which report it. It never reaches storage: validation then fails, and
// status updates drop it (see statusStrategy).
const allocationFailed = "evictd.io/ClusterIPAllocationFailed"

// Reasons of an allocationFailed condition: the client asked for an
// unusable address (or one storage could not give), or no address could
// be allocated (the range is full, or storage failed).
const (
	reasonInvalid = "Invalid"
	reasonFull    = "Full"
)

// allocate gives svc its cluster IP: the next free one, or the one the
// client asked for. Headless and ExternalName services get none.
func allocate(ctx context.Context, alloc IPAllocator, svc *corev1.Service) {
	if !wantsIP(svc) {
		return
	}
	spec := &svc.Spec
	if len(spec.ClusterIPs) == 0 {
		ip, err := alloc.Allocate(ctx, svc)
		if err != nil {
			markFailed(svc, reasonFull, "failed to allocate a serviceIP: "+err.Error())
			return
		}
		spec.ClusterIP, spec.ClusterIPs = ip, []string{ip}
		return
	}
	if err := alloc.Reserve(ctx, svc, spec.ClusterIPs[0]); err != nil {
		markFailed(svc, reasonInvalid, "failed to allocate IP "+spec.ClusterIPs[0]+": "+err.Error())
	}
}

// wantsIP reports whether allocate takes an address for svc: it needs a
// cluster IP, is not headless, and asks for nothing validation rejects
// anyway (an IPv6 family, a malformed address). It gives the same answer
// before and after allocate, which holdsNewIP relies on.
func wantsIP(svc *corev1.Service) bool {
	spec := &svc.Spec
	if !needsClusterIP(svc) || isHeadless(svc) || slices.Contains(spec.IPFamilies, corev1.IPv6Protocol) {
		return false
	}
	if len(spec.ClusterIPs) == 0 {
		return true
	}
	addr, err := netip.ParseAddr(spec.ClusterIPs[0])
	return err == nil && addr.Is4()
}

func markFailed(svc *corev1.Service, reason, msg string) {
	meta.SetStatusCondition(&svc.Status.Conditions, metav1.Condition{
		Type: allocationFailed, Status: metav1.ConditionTrue, Reason: reason, Message: msg,
	})
}

// allocationErrors turns an allocationFailed condition into the error
// upstream answers with (an internal error when the range is full).
func allocationErrors(svc *corev1.Service) field.ErrorList {
	c := meta.FindStatusCondition(svc.Status.Conditions, allocationFailed)
	if c == nil {
		return nil
	}
	path := field.NewPath("spec", "clusterIPs")
	if c.Reason == reasonFull {
		return field.ErrorList{field.InternalError(path, errorString(c.Message))}
	}
	return field.ErrorList{field.Invalid(path, svc.Spec.ClusterIPs, c.Message)}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// holdsNewIP reports whether svc holds a cluster IP that this request
// took (on create, or on an update from ExternalName): the one to give back
// if the request fails. old is nil on create.
func holdsNewIP(svc, old *corev1.Service) bool {
	if old != nil && needsClusterIP(old) {
		return false
	}
	return wantsIP(svc) && meta.FindStatusCondition(svc.Status.Conditions, allocationFailed) == nil
}
