package model

import (
	"encoding/binary"
	"math/bits"
)

// Reading numbers eight bytes at a time. A flow log's numbers vary in
// length from record to record (a port has one to five digits, a byte
// count one to ten), so a loop that stops at the first non-digit
// mispredicts its exit on nearly every field; finding the end in a word
// with bit arithmetic takes no branch on the length.

const highBits = 0x8080808080808080

// digitBits returns 0x80 in each byte of w (little-endian) that is an
// ASCII digit and 0 in the others.
func digitBits(w uint64) uint64 {
	ge0 := (w | highBits) - 0x3030303030303030     // high bit: byte&0x7f >= '0'
	geColon := (w | highBits) - 0x3a3a3a3a3a3a3a3a // high bit: byte&0x7f >= ':'
	return ge0 &^ geColon &^ w & highBits
}

// digitRun is how many ASCII digits w starts with, 0 to 8.
func digitRun(w uint64) int {
	return bits.TrailingZeros64(^digitBits(w)&highBits) >> 3
}

// digitsValue is the number written by the first l (0 to 8) bytes of w,
// ASCII digits with the most significant in the lowest byte.
func digitsValue(w uint64, l int) uint64 {
	// Moved up so that the missing leading digits read as zeros (what was
	// past them, and any borrow from it, leaves the word; l = 0 leaves
	// nothing), then summed in pairs, fours and eights.
	d := (w - 0x3030303030303030) << (64 - 8*uint(l))
	d = (d*10 + d>>8) & 0x00ff00ff00ff00ff
	d = (d*100 + d>>16) & 0x0000ffff0000ffff
	return (d*10000 + d>>32) & 0xffffffff
}

var pow10 = [9]uint64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000}

// spaceNumberWords is spaceNumber for a number of at most fifteen digits
// with seventeen bytes of line from i; more says the number is longer and
// spaceNumber must read it.
func spaceNumberWords(line []byte, i int) (v uint64, next int, ok, more bool) {
	b := line[i : i+17 : i+17]
	w := binary.LittleEndian.Uint64(b)
	l := digitRun(w)
	if l < 8 {
		return digitsValue(w, l), i + l + 1, l > 0 && byte(w>>(8*uint(l))) == ' ' && (l == 1 || byte(w) != '0'), false
	}
	w2 := binary.LittleEndian.Uint64(b[8:])
	l2 := digitRun(w2)
	if l2 == 8 {
		return 0, 0, false, true
	}
	v = digitsValue(w, 8)*pow10[l2&7] + digitsValue(w2, l2)
	return v, i + 9 + l2, byte(w2>>(8*uint(l2))) == ' ' && byte(w) != '0', false
}

// byteMask gathers the high bits of m's bytes into the low eight bits of
// the result, byte i to bit i.
func byteMask(m uint64) uint {
	return uint(((m >> 7) * 0x0102040810204080) >> 56)
}

// octet reads the address number of l digits that x's low bytes spell,
// most significant first: its value, and whether it is one (one to three
// digits, at most 255, no leading zero).
func octet(x uint32, l int) (uint32, bool) {
	// Moved up so that missing leading digits read as zeros; what follows
	// the digits, and any borrow from it, leaves the three bytes.
	y := (x - 0x303030) << (8 * (uint(3-l) & 3)) & 0xffffff
	v := (y&0xff)*100 + (y>>8&0xff)*10 + y>>16
	return v, uint(l-1) < 3 && v <= 255 && (l == 1 || byte(x) != '0')
}

// scanIPv4Word is scanIPv4 for an address with nineteen bytes of line
// from i: the address and the separator after it lie in the first
// sixteen, and each of its numbers can be read four bytes at a time.
func scanIPv4Word(line []byte, i int) (a uint32, end int, ok bool) {
	b := line[i : i+19 : i+19]
	lo, hi := binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[8:])
	// The first four bytes that are not digits: three dots, then a space
	// or a tab.
	seps := byteMask(^digitBits(lo)&highBits) | byteMask(^digitBits(hi)&highBits)<<8 | 1<<16
	p1 := bits.TrailingZeros(seps) & 15
	seps &= seps - 1
	p2 := bits.TrailingZeros(seps) & 15
	seps &= seps - 1
	p3 := bits.TrailingZeros(seps) & 15
	seps &= seps - 1
	p4 := bits.TrailingZeros(seps)
	if p4 > 15 || b[p1] != '.' || b[p2] != '.' || b[p3] != '.' || b[p4] != ' ' && b[p4] != '\t' {
		return 0, 0, false
	}
	v1, ok1 := octet(uint32(lo), p1)
	v2, ok2 := octet(binary.LittleEndian.Uint32(b[p1+1:]), p2-p1-1)
	v3, ok3 := octet(binary.LittleEndian.Uint32(b[p2+1:]), p3-p2-1)
	v4, ok4 := octet(binary.LittleEndian.Uint32(b[p3+1:]), p4-p3-1)
	return v1<<24 | v2<<16 | v3<<8 | v4, i + p4, ok1 && ok2 && ok3 && ok4
}
