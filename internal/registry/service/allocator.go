package service

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/netip"
	"sync"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"

	"github.com/evictd/evictd/internal/registry"
	"github.com/evictd/evictd/internal/registry/store"
	"github.com/evictd/evictd/internal/storage"
)

// DefaultServiceCIDR is kube-apiserver's default --service-cluster-ip-range.
const DefaultServiceCIDR = "10.96.0.0/12"

// IPAllocator hands out service cluster IPs. Implementations are safe for
// concurrent use, also by several API servers over one storage.
type IPAllocator interface {
	// Allocate takes a free IP for svc and returns it.
	Allocate(ctx context.Context, svc *corev1.Service) (string, error)
	// Reserve takes ip for svc: a clusterIP the client asked for.
	Reserve(ctx context.Context, svc *corev1.Service, ip string) error
	// Release frees ip if svc holds it. Releasing a free, unknown or
	// malformed IP, or one another service holds, does nothing, so
	// callers need not track what they hold.
	Release(ctx context.Context, svc *corev1.Service, ip string) error
}

// The allocation errors, with upstream's texts (pkg/registry/core/service/
// ipallocator), since clients see them in validation messages.
var (
	ErrFull       = errors.New("range is full")
	ErrAllocated  = errors.New("provided IP is already allocated")
	ErrNotInRange = errors.New("the provided IP is not in the valid range")
)

// notInRangeError reads like upstream's ErrNotInRange and matches ours.
type notInRangeError struct{ ip, cidr string }

func (e notInRangeError) Error() string {
	return fmt.Sprintf("the provided IP (%s) is not in the valid range. The range of valid IPs is %s", e.ip, e.cidr)
}

func (e notInRangeError) Is(target error) bool { return target == ErrNotInRange }

// Options configures an Allocator.
type Options struct {
	// Storage holds the IPAddress objects; required. Every server
	// allocating from one range must share it.
	Storage storage.Interface
	// Clock stamps the objects' creationTimestamp and times the repair's
	// grace period; nil means the real clock.
	Clock clock.PassiveClock
	// Log receives what fails where no caller can answer it (a release
	// after a delete) and what the repair finds; nil means slog.Default().
	Log *slog.Logger
}

// Allocator is an IPAllocator over one IPv4 CIDR whose allocations live in
// storage, as kube-apiserver's since 1.31 (the MultiCIDRServiceAllocator):
// each allocated address is a networking.k8s.io/v1 IPAddress object named
// by the address, whose spec.parentRef names the service. Allocating is
// creating that object — a create fails if the key exists, so of several
// servers sharing the storage exactly one gets an address — and releasing
// is deleting it. The allocator also keeps a hint of the addresses it
// knows are taken, only to skip them; storage decides.
//
// The network and broadcast addresses are never handed out, and neither
// is the first host address (10.96.0.1 by default): it belongs to the
// "kubernetes" service, which asks for it with Reserve.
//
// Upstream picks free addresses at random, preferring the upper part of the
// range so that the lower part stays free for static requests; this one
// walks the upper part in order, then the lower part, so that tests see
// predictable addresses. Only after another server took the address it
// tried does it continue from a random address of the upper part, so that
// servers walking the same order do not collide at every step. The lower
// part is the first min(max(16, size/16), 256) addresses, as upstream.
type Allocator struct {
	cidr  string
	base  uint32 // network address
	last  uint32 // highest usable offset (broadcast - 1)
	lower uint32 // offsets 1..lower are the static part

	ips   *store.Store // the IPAddress objects
	clock clock.PassiveClock
	log   *slog.Logger

	mu   sync.Mutex
	used map[uint32]bool // offsets taken or being taken, as far as this server knows; mu guards
	next uint32          // offset the next Allocate tries first; mu guards
}

var _ IPAllocator = (*Allocator)(nil)

// NewIPAllocator returns an allocator over cidr, an IPv4 prefix of at
// most /30 (two usable addresses, one of them reserved), whose IPAddress
// objects live in opts.Storage.
func NewIPAllocator(cidr string, opts Options) (*Allocator, error) {
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return nil, fmt.Errorf("service CIDR: %w", err)
	}
	if !prefix.Addr().Is4() {
		return nil, fmt.Errorf("service CIDR %s: only IPv4 is supported", cidr)
	}
	if prefix.Bits() > 30 {
		return nil, fmt.Errorf("service CIDR %s: too small, need at least a /30", cidr)
	}
	if opts.Storage == nil {
		return nil, errors.New("service IP allocator: Storage is required")
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	ips, err := store.New(ipAddressResource(), opts.Storage, store.Options{Clock: opts.Clock})
	if err != nil {
		return nil, fmt.Errorf("service IP allocator: %w", err)
	}
	prefix = prefix.Masked()
	size := uint32(1) << (32 - prefix.Bits())
	a := &Allocator{
		cidr:  prefix.String(),
		base:  ipv4ToUint(prefix.Addr()),
		last:  size - 2,
		lower: staticBand(size),
		ips:   ips,
		clock: opts.Clock,
		log:   opts.Log,
		used:  map[uint32]bool{},
	}
	// Start above the static part, and never at offset 1.
	a.next = max(a.lower+1, 2)
	if a.next > a.last {
		a.next = 2
	}
	return a, nil
}

// staticBand is upstream's calculateRangeOffset.
func staticBand(size uint32) uint32 {
	const lowest, highest, step = 16, 256, 16
	if size <= lowest {
		return 0
	}
	return min(max(size/step, lowest), highest)
}

// Allocate creates the IPAddress of the next address after the last one
// handed out that is free as far as the hint knows. An address another
// server took meanwhile (the create finds the key) is skipped. When the
// hint knows no free address, it is read again from storage once (other
// servers may have released some) before the range is declared full.
func (a *Allocator) Allocate(ctx context.Context, svc *corev1.Service) (string, error) {
	if registry.IsDryRun(ctx) {
		return a.peek(ctx)
	}
	refreshed := false
	for {
		off, ok := a.pick()
		if !ok {
			if refreshed {
				return "", ErrFull
			}
			if err := a.refresh(ctx); err != nil {
				return "", err
			}
			refreshed = true
			continue
		}
		ip := a.ip(off)
		err := a.create(ctx, ip, svc)
		if err == nil {
			return ip, nil
		}
		if !errors.Is(err, ErrAllocated) {
			a.forget(off)
			return "", err
		}
		// Another server holds it (the hint now knows): it walks the same
		// order, so continue from a random place instead of racing it
		// address by address.
		a.scatter()
	}
}

// peek is a dry run's Allocate, as upstream's dry-run allocator: an
// address free in storage now, taken from no one and not held.
func (a *Allocator) peek(ctx context.Context) (string, error) {
	a.mu.Lock()
	next, used := a.next, maps.Clone(a.used)
	a.mu.Unlock()
	for off := range a.last - 1 {
		off = 2 + (next-2+off)%(a.last-1) // offsets 2..last from next, as pick walks them
		if used[off] {
			continue
		}
		ip := a.ip(off)
		switch _, err := a.ips.Get(ctx, "", ip); {
		case apierrors.IsNotFound(err):
			return ip, nil
		case err != nil:
			return "", fmt.Errorf("read IPAddress %s: %w", ip, err)
		}
	}
	return "", ErrFull
}

// scatter moves the next candidate to a random address of the upper
// part of the range (of the whole range if it has no static part).
func (a *Allocator) scatter() {
	first := max(a.lower+1, 2)
	if first >= a.last {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.next = first + rand.Uint32N(a.last-first+1)
}

// pick marks the next candidate the hint thinks free as taken and returns
// it; false when the hint knows none.
func (a *Allocator) pick() (uint32, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	// Offsets 2..last are candidates; offset 1 is the kubernetes service's.
	for range a.last - 1 {
		off := a.next
		a.next++
		if a.next > a.last {
			a.next = 2
		}
		if !a.used[off] {
			a.used[off] = true
			return off, true
		}
	}
	return 0, false
}

func (a *Allocator) forget(off uint32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.used, off)
}

func (a *Allocator) remember(off uint32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.used[off] = true
}

// refresh replaces the hint with the addresses stored now.
func (a *Allocator) refresh(ctx context.Context) error {
	list, err := a.list(ctx)
	if err != nil {
		return err
	}
	a.sync(list)
	return nil
}

// sync replaces the hint with the addresses of list that are in range.
func (a *Allocator) sync(list []networkingv1.IPAddress) {
	used := make(map[uint32]bool, len(list))
	for i := range list {
		if off, ok := a.offset(list[i].Name); ok {
			used[off] = true
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.used = used
}

// list reads every stored IPAddress object.
func (a *Allocator) list(ctx context.Context) ([]networkingv1.IPAddress, error) {
	obj, err := a.ips.List(ctx, "", store.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list IPAddresses: %w", err)
	}
	return obj.(*networkingv1.IPAddressList).Items, nil
}

// Reserve creates the IPAddress of ip for svc, or fails with ErrAllocated
// if it exists, or ErrNotInRange.
func (a *Allocator) Reserve(ctx context.Context, svc *corev1.Service, ip string) error {
	off, ok := a.offset(ip)
	if !ok {
		return notInRangeError{ip: ip, cidr: a.cidr}
	}
	if registry.IsDryRun(ctx) { // only check, as upstream's dry-run allocator
		switch _, err := a.ips.Get(ctx, "", a.ip(off)); {
		case err == nil:
			return ErrAllocated
		case apierrors.IsNotFound(err):
			return nil
		default:
			return fmt.Errorf("read IPAddress %s: %w", a.ip(off), err)
		}
	}
	err := a.create(ctx, a.ip(off), svc)
	if err == nil || errors.Is(err, ErrAllocated) {
		a.remember(off)
	}
	return err
}

// create stores the IPAddress of ip with svc as its parent.
func (a *Allocator) create(ctx context.Context, ip string, svc *corev1.Service) error {
	_, err := a.ips.Create(ctx, newIPAddress(ip, svc), store.CreateOptions{})
	switch {
	case err == nil:
		return nil
	case apierrors.IsAlreadyExists(err):
		return ErrAllocated
	}
	return fmt.Errorf("create IPAddress %s: %w", ip, err)
}

// Release deletes the IPAddress of ip if its parent is svc, at the
// revision it was read (an object that changed hands meanwhile stays). A
// failure is logged, since most callers run after the answer is decided,
// and returned; the repair frees the address later.
func (a *Allocator) Release(ctx context.Context, svc *corev1.Service, ip string) error {
	off, ok := a.offset(ip)
	if !ok || registry.IsDryRun(ctx) { // a dry run took nothing
		return nil
	}
	name := a.ip(off) // the canonical spelling, which names the object
	err := a.release(ctx, svc, name)
	if err != nil {
		a.log.Warn("cluster IP not released; the repair frees it later",
			"ip", name, "service", svc.Namespace+"/"+svc.Name, "err", err)
		return err
	}
	return nil
}

func (a *Allocator) release(ctx context.Context, svc *corev1.Service, name string) error {
	obj, err := a.ips.Get(ctx, "", name)
	if apierrors.IsNotFound(err) {
		a.forgetIP(name)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read IPAddress %s: %w", name, err)
	}
	ipa := obj.(*networkingv1.IPAddress)
	if !isParent(ipa, svc) {
		return nil
	}
	_, _, err = a.ips.Delete(ctx, "", name, &metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{ResourceVersion: &ipa.ResourceVersion},
	})
	switch {
	case err == nil, apierrors.IsNotFound(err):
		a.forgetIP(name)
		return nil
	case apierrors.IsConflict(err):
		return nil // it changed hands: no longer svc's
	}
	return fmt.Errorf("delete IPAddress %s: %w", name, err)
}

func (a *Allocator) forgetIP(ip string) {
	if off, ok := a.offset(ip); ok {
		a.forget(off)
	}
}

// offset returns ip's position in the range, 1..last, if it is a usable
// address of the range.
func (a *Allocator) offset(ip string) (uint32, bool) {
	addr, err := netip.ParseAddr(ip)
	if err != nil || !addr.Is4() {
		return 0, false
	}
	off := ipv4ToUint(addr) - a.base // wraps around for addresses below base
	return off, off >= 1 && off <= a.last
}

func (a *Allocator) ip(off uint32) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], a.base+off)
	return netip.AddrFrom4(b).String()
}

func ipv4ToUint(addr netip.Addr) uint32 {
	b := addr.As4()
	return binary.BigEndian.Uint32(b[:])
}

// unavailable is the allocator of service descriptions that serve no
// writes (server.Resources(): discovery and OpenAPI): every call fails.
type unavailable struct{}

var errUnavailable = errors.New("no cluster IP allocator")

func (unavailable) Allocate(context.Context, *corev1.Service) (string, error) {
	return "", errUnavailable
}

func (unavailable) Reserve(context.Context, *corev1.Service, string) error { return errUnavailable }

func (unavailable) Release(context.Context, *corev1.Service, string) error { return nil }
