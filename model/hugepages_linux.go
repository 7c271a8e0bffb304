package model

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on the platforms Linux
// runs flowtail on (x86-64, arm64 with 4 KiB base pages).
const hugePage = 2 << 20

// adviseHugePages asks the kernel to back the whole 2 MiB pages inside
// [p, p+size) with transparent huge pages, which it does where THP is set
// to "madvise" (the common default) or "always". A million-record ring is
// 56 MB: written for the first time record by record it costs fourteen
// thousand page faults, a fifth of a second on a virtual machine, in the
// one goroutine that appends; with huge pages it costs twenty-seven.
// Memory stays where it was: pages are still touched only when written.
func adviseHugePages(p unsafe.Pointer, size uintptr) error {
	skip, n := hugeRegion(uintptr(p), size)
	if n == 0 {
		return nil // no whole huge page inside: nothing to gain
	}
	return unix.Madvise(unsafe.Slice((*byte)(unsafe.Add(p, skip)), n), unix.MADV_HUGEPAGE)
}

// hugeRegion is the part of [addr, addr+size) made of whole, aligned huge
// pages: its offset from addr and its length (0: none).
func hugeRegion(addr, size uintptr) (skip, n uintptr) {
	begin := (addr + hugePage - 1) &^ (hugePage - 1)
	end := (addr + size) &^ (hugePage - 1)
	if end <= begin {
		return 0, 0
	}
	return begin - addr, end - begin
}
