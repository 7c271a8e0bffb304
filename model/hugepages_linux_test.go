package model

import (
	"testing"
	"unsafe"
)

func TestHugeRegionStaysInside(t *testing.T) {
	const mb = 1 << 20
	cases := []struct {
		addr, size, skip, n uintptr
	}{
		{addr: 4 * mb, size: 64 * mb, skip: 0, n: 64 * mb},                // aligned
		{addr: 4*mb + 4096, size: 64 * mb, skip: 2*mb - 4096, n: 62 * mb}, // both ends trimmed
		{addr: 4*mb + 4096, size: 3 * mb, skip: 2*mb - 4096, n: 0},        // no whole page inside
		{addr: 4 * mb, size: 2*mb - 1, skip: 0, n: 0},
		{addr: 4 * mb, size: 2 * mb, skip: 0, n: 2 * mb},
	}
	for _, c := range cases {
		skip, n := hugeRegion(c.addr, c.size)
		if n == 0 {
			skip = c.skip // the offset means nothing without a region
		}
		if skip != c.skip || n != c.n {
			t.Errorf("hugeRegion(%#x, %#x) = %#x, %#x; want %#x, %#x", c.addr, c.size, skip, n, c.skip, c.n)
		}
		if n > 0 && (c.addr+skip)%hugePage != 0 || skip+n > c.size {
			t.Errorf("hugeRegion(%#x, %#x): region [%#x, %#x) not aligned inside", c.addr, c.size, c.addr+skip, c.addr+skip+n)
		}
	}
}

// The kernel accepts the advice for a ring's memory; a store built on it
// holds and evicts records as any other.
func TestRingAdviceAccepted(t *testing.T) {
	flows := make([]Flow, 200_000) // 12.8 MB: several huge pages
	if err := adviseHugePages(unsafe.Pointer(unsafe.SliceData(flows)), uintptr(len(flows))*unsafe.Sizeof(Flow{})); err != nil {
		t.Fatalf("madvise(MADV_HUGEPAGE) on the ring: %v", err)
	}
}
