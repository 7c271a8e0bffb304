package aggregate

import (
	"math"
	"math/bits"
)

// sum is a running total of 64-bit values that never wraps: hi carries
// what passes 64 bits, as the query engine's sums do, so a record of
// 2^64−1 bytes and another one add up, and taking either away again
// leaves the other exactly.
type sum struct{ lo, hi uint64 }

// add adds v (d = 1) or takes it away (d = -1).
func (s *sum) add(v uint64, d int) {
	var c uint64
	if d > 0 {
		s.lo, c = bits.Add64(s.lo, v, 0)
		s.hi += c
		return
	}
	s.lo, c = bits.Sub64(s.lo, v, 0)
	s.hi -= c
}

// capped is the total, or math.MaxUint64 and true when it does not fit
// in 64 bits.
func (s sum) capped() (uint64, bool) {
	if s.hi != 0 {
		return math.MaxUint64, true
	}
	return s.lo, false
}

// addCapped adds without wrapping: past 64 bits the result stays at
// math.MaxUint64.
func addCapped(a, b uint64) uint64 {
	s, c := bits.Add64(a, b, 0)
	if c != 0 {
		return math.MaxUint64
	}
	return s
}
