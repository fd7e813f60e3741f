package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/registry/store"
)

// RepairGracePeriod is how old an IPAddress must be before the repair
// frees it for want of a service holding its address: upstream's 60 s
// (kube-apiserver's default request timeout, in its repairip.go). An
// allocation is stored before its service is written, maybe by another
// server; younger objects may belong to such a create in flight.
const RepairGracePeriod = 60 * time.Second

// DefaultRepairInterval is how often RunRepair repairs: upstream's service
// IP repair interval (3 minutes).
const DefaultRepairInterval = 3 * time.Minute

// RepairResult counts what one repair pass found and did.
type RepairResult struct {
	// Created counts the IPAddresses created for services that held an
	// address without one (written by an older evictd, or a release that
	// raced with the repair), or given to them because their object named
	// a parent that does not hold the address.
	Created int
	// Freed counts the IPAddresses deleted: no service holds their
	// address, and they are older than RepairGracePeriod.
	Freed int
	// Young counts the IPAddresses no service holds yet that were kept
	// because they are younger than RepairGracePeriod.
	Young int
	// Collisions counts the addresses several services hold; each is
	// logged with the services' names (they must be recreated).
	Collisions int
	// OutOfRange counts the services' addresses outside the range.
	OutOfRange int
}

// Repair makes the stored IPAddress objects agree with the services in
// services, as upstream's RepairIPAddress controller does: a service
// holding an address without its object gets one; an object whose address
// no service holds (a crash between allocation and the service's write, a
// release that failed) is deleted once older than RepairGracePeriod, after
// its parent is read again; addresses several services hold are logged.
// Services are listed before the objects, so an object allocated for a
// service written after the list is young and kept. It ends by reading
// the allocator's hint from storage.
func (a *Allocator) Repair(ctx context.Context, services *store.Store) (RepairResult, error) {
	var res RepairResult
	obj, err := services.List(ctx, "", store.ListOptions{})
	if err != nil {
		return res, fmt.Errorf("repair cluster IPs: list services: %w", err)
	}
	svcs := obj.(*corev1.ServiceList).Items
	ips, err := a.list(ctx)
	if err != nil {
		return res, fmt.Errorf("repair cluster IPs: %w", err)
	}
	byName := make(map[string]*networkingv1.IPAddress, len(ips))
	for i := range ips {
		byName[ips[i].Name] = &ips[i]
	}
	holders := map[string][]*corev1.Service{}
	var order []string
	for i := range svcs {
		svc := &svcs[i]
		for _, ip := range heldIPs(svc) {
			off, ok := a.offset(ip)
			if !ok {
				res.OutOfRange++
				a.log.Warn("cluster IP repair: address not within the service CIDR; recreate the service",
					"service", key(svc), "ip", ip, "cidr", a.cidr)
				continue
			}
			ip = a.ip(off)
			if holders[ip] == nil {
				order = append(order, ip)
			}
			holders[ip] = append(holders[ip], svc)
		}
	}
	for _, ip := range order {
		if err := a.repairHeld(ctx, ip, holders[ip], byName[ip], &res); err != nil {
			return res, err
		}
	}
	for i := range ips {
		if holders[ips[i].Name] != nil {
			continue
		}
		if err := a.repairOrphan(ctx, services, &ips[i], &res); err != nil {
			return res, err
		}
	}
	if res != (RepairResult{}) {
		a.log.Info("cluster IP repair", "created", res.Created, "freed", res.Freed, "young", res.Young,
			"collisions", res.Collisions, "outOfRange", res.OutOfRange)
	}
	if err := a.refresh(ctx); err != nil {
		return res, fmt.Errorf("repair cluster IPs: %w", err)
	}
	return res, nil
}

// repairHeld checks the object of an address that holders hold.
func (a *Allocator) repairHeld(ctx context.Context, ip string, holders []*corev1.Service, ipa *networkingv1.IPAddress, res *RepairResult) error {
	if len(holders) > 1 {
		res.Collisions++
		names := make([]string, len(holders))
		for i, svc := range holders {
			names[i] = key(svc)
		}
		a.log.Warn("cluster IP repair: address assigned to several services; recreate all but one",
			"ip", ip, "services", strings.Join(names, ","))
	}
	if ipa == nil {
		a.log.Warn("cluster IP repair: address held without its IPAddress; repairing", "ip", ip, "service", key(holders[0]))
		err := a.create(ctx, ip, holders[0])
		if err != nil && !errors.Is(err, ErrAllocated) { // allocated meanwhile: the next pass checks it
			return fmt.Errorf("repair cluster IP %s: %w", ip, err)
		}
		if err == nil {
			res.Created++
		}
		return nil
	}
	for _, svc := range holders {
		if isParent(ipa, svc) {
			return nil
		}
	}
	// Its parent does not hold it: take it for a holder, but only once
	// it is old enough not to be someone's allocation in flight.
	if !a.old(ipa) {
		res.Young++
		return nil
	}
	a.log.Warn("cluster IP repair: IPAddress names another parent; repairing", "ip", ip,
		"service", key(holders[0]), "parent", parentName(ipa))
	reparented, err := a.reparent(ctx, ipa, holders[0])
	if reparented {
		res.Created++
	}
	return err
}

// errChanged aborts a reparent whose object changed since it was read.
var errChanged = errors.New("IPAddress changed")

// reparent makes svc the parent of ipa if it is still as read, in one
// compare-and-swap write: the address is never free in between.
func (a *Allocator) reparent(ctx context.Context, ipa *networkingv1.IPAddress, svc *corev1.Service) (bool, error) {
	_, _, err := a.ips.Update(ctx, "", ipa.Name, func(current runtime.Object) (runtime.Object, error) {
		cur, ok := current.(*networkingv1.IPAddress)
		if !ok || cur.ResourceVersion != ipa.ResourceVersion {
			return nil, errChanged
		}
		cur.Spec.ParentRef = newIPAddress(ipa.Name, svc).Spec.ParentRef
		return cur, nil
	}, store.UpdateOptions{})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, errChanged), apierrors.IsNotFound(err), apierrors.IsConflict(err):
		return false, nil
	}
	return false, fmt.Errorf("repair cluster IP %s: update its IPAddress: %w", ipa.Name, err)
}

// repairOrphan frees an object of ours whose address no listed service
// holds, if it is old enough and its parent, read again, does not hold it.
func (a *Allocator) repairOrphan(ctx context.Context, services *store.Store, ipa *networkingv1.IPAddress, res *RepairResult) error {
	if ipa.Labels[networkingv1.LabelManagedBy] != managedBy {
		return nil // another allocator's
	}
	if !a.old(ipa) {
		res.Young++
		return nil
	}
	if refersToService(ipa) {
		obj, err := services.Get(ctx, ipa.Spec.ParentRef.Namespace, ipa.Spec.ParentRef.Name)
		switch {
		case err == nil:
			for _, ip := range heldIPs(obj.(*corev1.Service)) {
				if ip == ipa.Name {
					return nil // written after the list
				}
			}
		case !apierrors.IsNotFound(err):
			return fmt.Errorf("repair cluster IP %s: read its service: %w", ipa.Name, err)
		}
	}
	a.log.Warn("cluster IP repair: IPAddress leaked; freeing it", "ip", ipa.Name, "parent", parentName(ipa),
		"age", a.clock.Since(ipa.CreationTimestamp.Time).Truncate(time.Second).String())
	deleted, err := a.deleteAt(ctx, ipa)
	if deleted {
		res.Freed++
	}
	return err
}

// old reports whether ipa is older than the grace period.
func (a *Allocator) old(ipa *networkingv1.IPAddress) bool {
	return a.clock.Since(ipa.CreationTimestamp.Time) > RepairGracePeriod
}

// deleteAt deletes ipa if it is still as read; false if it changed or is
// gone.
func (a *Allocator) deleteAt(ctx context.Context, ipa *networkingv1.IPAddress) (bool, error) {
	_, _, err := a.ips.Delete(ctx, "", ipa.Name, &metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{ResourceVersion: &ipa.ResourceVersion},
	})
	switch {
	case err == nil:
		return true, nil
	case apierrors.IsNotFound(err), apierrors.IsConflict(err):
		return false, nil
	}
	return false, fmt.Errorf("repair cluster IP %s: delete its IPAddress: %w", ipa.Name, err)
}

// RunRepair repairs every interval (DefaultRepairInterval if not
// positive) on clk until ctx ends, logging failures; the caller owns the
// goroutine it runs in.
func (a *Allocator) RunRepair(ctx context.Context, services *store.Store, interval time.Duration, clk clock.WithTicker) {
	if interval <= 0 {
		interval = DefaultRepairInterval
	}
	ticker := clk.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C():
			if _, err := a.Repair(ctx, services); err != nil && ctx.Err() == nil {
				a.log.Error("cluster IP repair failed", "err", err)
			}
		}
	}
}

// heldIPs are the addresses svc holds: its clusterIPs (or the single
// clusterIP of an object written before clusterIPs existed), not "None".
func heldIPs(svc *corev1.Service) []string {
	ips := svc.Spec.ClusterIPs
	if len(ips) == 0 && svc.Spec.ClusterIP != "" {
		ips = []string{svc.Spec.ClusterIP}
	}
	held := make([]string, 0, len(ips))
	for _, ip := range ips {
		if ip != "" && ip != corev1.ClusterIPNone {
			held = append(held, ip)
		}
	}
	return held
}

func key(svc *corev1.Service) string { return svc.Namespace + "/" + svc.Name }

func parentName(ipa *networkingv1.IPAddress) string {
	if ref := ipa.Spec.ParentRef; ref != nil {
		return ref.Resource + "/" + ref.Namespace + "/" + ref.Name
	}
	return ""
}
