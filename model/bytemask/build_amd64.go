//go:build amd64 && !purego

package bytemask

import "golang.org/x/sys/cpu"

var hasAVX2 = cpu.X86.HasAVX2

// build2AVX2 marks a and b in blocks 64-byte blocks of data, one word
// each, 32 bytes to a compare.
//
//go:noescape
func build2AVX2(dstA, dstB *uint64, data *byte, blocks int, a, b byte)

// build marks c once, as a and b both writing to dst: the second compare
// costs nothing next to the load.
func build(dst []uint64, data []byte, c byte) { build2(dst, dst, data, c, c) }

func build2(dstA, dstB []uint64, data []byte, a, b byte) {
	if len(dstA) == 0 {
		return
	}
	if !hasAVX2 {
		build2Generic(dstA, dstB, data, a, b)
		return
	}
	_, _ = data[len(dstA)*64-1], dstB[len(dstA)-1]
	build2AVX2(&dstA[0], &dstB[0], &data[0], len(dstA), a, b)
}
