// Package wide holds totals of 64-bit counts that never wrap, for the
// byte and packet sums of interfaces and conversations: a hostile or
// corrupt record of 2^64−1 bytes and another must add up, and taking
// either away again must leave the other exactly.
package wide

import (
	"cmp"
	"math"
	"math/bits"
)

// Sum is a running total: Hi carries what passes 64 bits.
type Sum struct{ Lo, Hi uint64 }

// Add adds v.
func (s *Sum) Add(v uint64) {
	var c uint64
	s.Lo, c = bits.Add64(s.Lo, v, 0)
	s.Hi += c
}

// Sub takes away v, added before.
func (s *Sum) Sub(v uint64) {
	var b uint64
	s.Lo, b = bits.Sub64(s.Lo, v, 0)
	s.Hi -= b
}

// Step adds v when d > 0 and takes it away otherwise, for a record that
// enters (d = 1) or leaves (d = -1) a ring.
func (s *Sum) Step(v uint64, d int) {
	if d > 0 {
		s.Add(v)
	} else {
		s.Sub(v)
	}
}

// Plus is s + t. Sums of fewer than 2^64 counts never pass 128 bits.
func (s Sum) Plus(t Sum) Sum {
	lo, c := bits.Add64(s.Lo, t.Lo, 0)
	return Sum{lo, s.Hi + t.Hi + c}
}

// Compare orders sums by value.
func (s Sum) Compare(t Sum) int { return cmp.Or(cmp.Compare(s.Hi, t.Hi), cmp.Compare(s.Lo, t.Lo)) }

// Less reports whether s < t.
func (s Sum) Less(t Sum) bool { return s.Hi < t.Hi || s.Hi == t.Hi && s.Lo < t.Lo }

// Capped is the total, or math.MaxUint64 and true when it does not fit
// in 64 bits.
func (s Sum) Capped() (uint64, bool) {
	if s.Hi != 0 {
		return math.MaxUint64, true
	}
	return s.Lo, false
}

// AddCapped adds without wrapping: past 64 bits the result stays at
// math.MaxUint64.
func AddCapped(a, b uint64) uint64 {
	s, c := bits.Add64(a, b, 0)
	if c != 0 {
		return math.MaxUint64
	}
	return s
}
