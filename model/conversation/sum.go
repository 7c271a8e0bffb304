package conversation

import (
	"cmp"
	"math"
	"math/bits"
)

// sum is a running total of 64-bit counts that never wraps: hi carries
// what passes 64 bits, so a record of 2^64−1 bytes and another add up,
// and taking either away again leaves the other exactly.
type sum struct{ lo, hi uint64 }

func (s *sum) add(v uint64) {
	var c uint64
	s.lo, c = bits.Add64(s.lo, v, 0)
	s.hi += c
}

func (s *sum) sub(v uint64) {
	var b uint64
	s.lo, b = bits.Sub64(s.lo, v, 0)
	s.hi -= b
}

// plus is s + t. A side's sum is below 2^96 (fewer than 2^32 records of
// below 2^64 each), so two of them never pass 128 bits.
func (s sum) plus(t sum) sum {
	lo, c := bits.Add64(s.lo, t.lo, 0)
	return sum{lo, s.hi + t.hi + c}
}

func (s sum) compare(t sum) int { return cmp.Or(cmp.Compare(s.hi, t.hi), cmp.Compare(s.lo, t.lo)) }

func (s sum) less(t sum) bool { return s.hi < t.hi || s.hi == t.hi && s.lo < t.lo }

// capped is the total, or math.MaxUint64 and true when it does not fit
// in 64 bits.
func (s sum) capped() (uint64, bool) {
	if s.hi != 0 {
		return math.MaxUint64, true
	}
	return s.lo, false
}
