//go:build !amd64 || purego

package bytemask

func build(dst []uint64, data []byte, c byte) { buildGeneric(dst, data, c) }

func build2(dstA, dstB []uint64, data []byte, a, b byte) { build2Generic(dstA, dstB, data, a, b) }
