package service

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"
)

// DefaultServiceCIDR is kube-apiserver's default --service-cluster-ip-range.
const DefaultServiceCIDR = "10.96.0.0/12"

// IPAllocator hands out service cluster IPs. Implementations are safe for
// concurrent use.
type IPAllocator interface {
	// Allocate marks a free IP used and returns it.
	Allocate() (string, error)
	// Reserve marks ip used: a clusterIP the client asked for, or one a
	// stored service already holds (when rebuilding the allocator).
	Reserve(ip string) error
	// Release frees ip. Releasing a free, unknown or malformed IP does
	// nothing, so callers need not track what they hold.
	Release(ip string)
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

// Allocator is an in-memory IPAllocator over one IPv4 CIDR. The network
// and broadcast addresses are never handed out, and neither is the first
// host address (10.96.0.1 by default): it belongs to the "kubernetes"
// service, which asks for it with Reserve.
//
// Upstream picks free addresses at random, preferring the upper part of the
// range so that the lower part stays free for static requests; this one
// walks the upper part in order, then the lower part, so that tests see
// predictable addresses. The lower part is the first min(max(16, size/16),
// 256) addresses, as upstream.
type Allocator struct {
	cidr  string
	base  uint32 // network address
	last  uint32 // highest usable offset (broadcast - 1)
	lower uint32 // offsets 1..lower are the static part

	mu   sync.Mutex
	used map[uint32]bool // offsets in use; mu guards
	next uint32          // offset the next Allocate tries first; mu guards
}

var _ IPAllocator = (*Allocator)(nil)

// NewIPAllocator returns an empty allocator over cidr, an IPv4 prefix of
// at most /30 (two usable addresses, one of them reserved).
func NewIPAllocator(cidr string) (*Allocator, error) {
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
	prefix = prefix.Masked()
	size := uint32(1) << (32 - prefix.Bits())
	a := &Allocator{
		cidr:  prefix.String(),
		base:  ipv4ToUint(prefix.Addr()),
		last:  size - 2,
		lower: staticBand(size),
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

// Allocate returns the next free address after the last one handed out.
func (a *Allocator) Allocate() (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	// Offsets 2..last are candidates; offset 1 is the kubernetes service's.
	candidates := a.last - 1
	for range candidates {
		off := a.next
		a.next++
		if a.next > a.last {
			a.next = 2
		}
		if !a.used[off] {
			a.used[off] = true
			return a.ip(off), nil
		}
	}
	return "", ErrFull
}

// Reserve marks ip used.
func (a *Allocator) Reserve(ip string) error {
	off, ok := a.offset(ip)
	if !ok {
		return notInRangeError{ip: ip, cidr: a.cidr}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.used[off] {
		return ErrAllocated
	}
	a.used[off] = true
	return nil
}

// Release frees ip.
func (a *Allocator) Release(ip string) {
	off, ok := a.offset(ip)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.used, off)
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
