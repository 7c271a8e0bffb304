// Package bytemask marks where one byte occurs in a text, one bit per byte
// of it. Built once over a chunk at the speed of a vector compare, a mask
// turns the searches a line scanner repeats (the next line end, the start
// of the line holding a hit, how many lines a stretch ends) into a few
// word operations each, where a bytes.IndexByte call per line or per hit
// pays its setup every time.
package bytemask

import "math/bits"

// Mask holds one bit per byte of a text: bit i%64 of word i/64 is set when
// byte i is the byte marked. Bits past the text's end are clear.
type Mask []uint64

// Of returns the mask of c in data, in dst's storage when it is large
// enough.
func Of(dst Mask, data []byte, c byte) Mask {
	dst = sized(dst, len(data))
	full := len(data) / 64
	build(dst[:full], data[:full*64], c)
	if rest := data[full*64:]; len(rest) > 0 {
		dst[full] = tail(rest, c)
	}
	return dst
}

// Of2 returns the masks of a and of b in data, in one pass over it.
func Of2(dstA, dstB Mask, data []byte, a, b byte) (Mask, Mask) {
	dstA, dstB = sized(dstA, len(data)), sized(dstB, len(data))
	full := len(data) / 64
	build2(dstA[:full], dstB[:full], data[:full*64], a, b)
	if rest := data[full*64:]; len(rest) > 0 {
		dstA[full], dstB[full] = tail(rest, a), tail(rest, b)
	}
	return dstA, dstB
}

// sized returns dst with a word for every 64 bytes of a text of n bytes.
func sized(dst Mask, n int) Mask {
	words := (n + 63) / 64
	if cap(dst) < words {
		dst = make(Mask, words, words+words/4)
	}
	return dst[:words]
}

// tail is the word of a text's last, partial block.
func tail(rest []byte, c byte) uint64 {
	var w uint64
	for i, b := range rest {
		if b == c {
			w |= 1 << i
		}
	}
	return w
}

func build2Generic(dstA, dstB []uint64, data []byte, a, b byte) {
	buildGeneric(dstA, data, a)
	buildGeneric(dstB, data, b)
}

// buildGeneric fills dst with the mask of c in data (64 bytes per word),
// eight bytes at a time.
func buildGeneric(dst []uint64, data []byte, c byte) {
	for i := range dst {
		block := data[i*64 : i*64+64]
		var w uint64
		for k := 0; k < 64; k += 8 {
			// The eight high bits gathered into one byte by a multiply
			// whose partial products never collide.
			w |= ((Equal8(le64(block[k:]), c) >> 7) * 0x0102040810204080 >> 56) << k
		}
		dst[i] = w
	}
}

// Equal8 has the high bit set in exactly the bytes of w (eight bytes,
// little-endian) that equal c, and no other bit: no carry crosses a byte.
func Equal8(w uint64, c byte) uint64 {
	const ones, lows = 0x0101010101010101, 0x7f7f7f7f7f7f7f7f
	x := w ^ uint64(c)*ones
	return ^((x&lows + lows) | x | lows)
}

func le64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// Next returns the first marked position at or after from, or -1.
func (m Mask) Next(from int) int {
	if from < 0 {
		from = 0
	}
	w := from >> 6
	if w >= len(m) {
		return -1
	}
	if x := m[w] >> (from & 63); x != 0 {
		return from + bits.TrailingZeros64(x)
	}
	for w++; w < len(m); w++ {
		if m[w] != 0 {
			return w<<6 + bits.TrailingZeros64(m[w])
		}
	}
	return -1
}

// NextOr is Next, with end for -1: the end of a line starting at from
// when m marks line ends and the text is end bytes long.
func (m Mask) NextOr(from, end int) int {
	if i := m.Next(from); i >= 0 {
		return i
	}
	return end
}

// Prev returns the last marked position before before, or -1.
func (m Mask) Prev(before int) int {
	i := min(before, len(m)<<6) - 1
	if i < 0 {
		return -1
	}
	w := i >> 6
	if x := m[w] << (63 - i&63); x != 0 {
		return i - bits.LeadingZeros64(x)
	}
	for w--; w >= 0; w-- {
		if m[w] != 0 {
			return w<<6 + 63 - bits.LeadingZeros64(m[w])
		}
	}
	return -1
}

// Count returns how many marked positions lie in [from, to).
func (m Mask) Count(from, to int) int {
	from, to = max(from, 0), min(to, len(m)<<6)
	if from >= to {
		return 0
	}
	fw, tw := from>>6, (to-1)>>6
	lo := ^uint64(0) << (from & 63)
	hi := ^uint64(0) >> (63 - (to-1)&63)
	if fw == tw {
		return bits.OnesCount64(m[fw] & lo & hi)
	}
	n := bits.OnesCount64(m[fw]&lo) + bits.OnesCount64(m[tw]&hi)
	for _, x := range m[fw+1 : tw] {
		n += bits.OnesCount64(x)
	}
	return n
}
