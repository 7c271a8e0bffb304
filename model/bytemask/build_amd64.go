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
