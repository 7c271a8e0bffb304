//go:build !amd64 || purego

package bytemask

func build(dst []uint64, data []byte, c byte) { buildGeneric(dst, data, c) }
