//go:build amd64 && !purego

package bytemask

import "golang.org/x/sys/cpu"

var hasAVX2 = cpu.X86.HasAVX2

// buildAVX2 marks c in blocks 64-byte blocks of data, one word each.
//
//go:noescape
func buildAVX2(dst *uint64, data *byte, blocks int, c byte)

func build(dst []uint64, data []byte, c byte) {
	if len(dst) == 0 {
		return
	}
	if !hasAVX2 {
		buildGeneric(dst, data, c)
		return
	}
	_ = data[len(dst)*64-1]
	buildAVX2(&dst[0], &data[0], len(dst), c)
}

// build2AVX2 marks a and b in blocks 64-byte blocks of data.
//
//go:noescape
func build2AVX2(dstA, dstB *uint64, data *byte, blocks int, a, b byte)

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
