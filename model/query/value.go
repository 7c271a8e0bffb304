package query

import (
	"cmp"
	"math"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of a result cell.
type Kind uint8

// Result cell kinds.
const (
	Null  Kind = iota // absent
	Int               // unsigned number
	Float             // avg, pct
	Str               // text
	Addr              // IP address
	Time              // unix milliseconds, shown as a UTC date like Insights
)

// Value is one result cell. It is typed so sort orders numbers and
// addresses numerically.
//
// A number wider than its field carries its exact decimal text in S, and
// F is the float64 nearest to it: an Int past 2^64 (a sum; its I is then
// 2^64-1) and a Float from 2^53 on, where a float64 no longer holds every
// whole number (an average of such sums).
type Value struct {
	Kind Kind
	I    uint64
	F    float64
	S    string
	A    netip.Addr
}

// TimeLayout is how @timestamp and bin() values print, as in Insights.
const TimeLayout = "2006-01-02 15:04:05.000"

// String renders the cell for tables, CSV and JSON.
func (v Value) String() string {
	if v.wide() {
		return v.S
	}
	switch v.Kind {
	case Int:
		return strconv.FormatUint(v.I, 10)
	case Float:
		return strconv.FormatFloat(v.F, 'f', -1, 64)
	case Str:
		return v.S
	case Addr:
		return v.A.String()
	case Time:
		return time.UnixMilli(int64(v.I)).UTC().Format(TimeLayout)
	}
	return ""
}

// AppendText appends what String returns, without allocating it.
func (v Value) AppendText(dst []byte) []byte {
	if v.wide() {
		return append(dst, v.S...)
	}
	switch v.Kind {
	case Int:
		return strconv.AppendUint(dst, v.I, 10)
	case Float:
		return strconv.AppendFloat(dst, v.F, 'f', -1, 64)
	case Str:
		return append(dst, v.S...)
	case Addr:
		return v.A.AppendTo(dst)
	case Time:
		return time.UnixMilli(int64(v.I)).UTC().AppendFormat(dst, TimeLayout)
	}
	return dst
}

// IsNumber reports whether JSON should print the value unquoted.
func (v Value) IsNumber() bool { return v.Kind == Int || v.Kind == Float }

// wide reports whether the value is a number held as exact text.
func (v Value) wide() bool { return v.S != "" && (v.Kind == Int || v.Kind == Float) }

// CompareValues orders two values as sort does: absent last, numbers
// numerically and exactly, addresses by address, text bytewise; mixed
// kinds by kind.
func CompareValues(a, b Value) int { return compareValues(a, b) }

func compareValues(a, b Value) int {
	if a.Kind == Null || b.Kind == Null {
		switch {
		case a.Kind == b.Kind:
			return 0
		case a.Kind == Null:
			return 1
		}
		return -1
	}
	an, aNum := a.number()
	bn, bNum := b.number()
	if aNum && bNum {
		if a.Kind != Float && b.Kind != Float && !a.wide() && !b.wide() {
			return cmp.Compare(a.I, b.I)
		}
		// Rounding to the nearest float64 keeps order, so only a tie
		// between a whole number and a float, or a wide number, needs
		// the exact digits.
		if c := cmp.Compare(an, bn); c != 0 || a.Kind == b.Kind && !a.wide() && !b.wide() {
			return c
		}
		return compareDecimal(a.decimal(), b.decimal())
	}
	if a.Kind != b.Kind {
		return cmp.Compare(a.Kind, b.Kind)
	}
	switch a.Kind {
	case Addr:
		return a.A.Compare(b.A)
	}
	return cmp.Compare(a.S, b.S)
}

func (v Value) number() (float64, bool) {
	if v.wide() {
		return v.F, true
	}
	switch v.Kind {
	case Int, Time:
		return float64(v.I), true
	case Float:
		return v.F, true
	}
	return 0, false
}

// decimal is a number's exact text, for comparing numbers that tie as
// float64s. A Float that is not wide is known by its shortest text, which
// orders it among whole numbers as its float64 does among floats.
func (v Value) decimal() string {
	if v.wide() {
		return v.S
	}
	if v.Kind == Float {
		if v.F == 0 {
			return "0" // not "-0"
		}
		return strconv.FormatFloat(v.F, 'f', -1, 64)
	}
	return strconv.FormatUint(v.I, 10)
}

// compareDecimal orders two non-negative decimal texts without leading
// zeros or trailing fraction zeros: the longer whole part is larger, then
// digit by digit.
func compareDecimal(a, b string) int {
	aw, af, _ := strings.Cut(a, ".")
	bw, bf, _ := strings.Cut(b, ".")
	if c := cmp.Compare(len(aw), len(bw)); c != 0 {
		return c
	}
	if c := cmp.Compare(aw, bw); c != 0 {
		return c
	}
	return cmp.Compare(af, bf)
}

// uint128Value is the whole number hi*2^64 + lo.
func uint128Value(hi, lo uint64) Value {
	if hi == 0 {
		return Value{Kind: Int, I: lo}
	}
	return wholeValue(uint128(hi, lo))
}

// wholeValue is a whole number x >= 2^64.
func wholeValue(x *big.Int) Value {
	f, _ := new(big.Float).SetInt(x).Float64()
	return Value{Kind: Int, I: math.MaxUint64, F: f, S: x.String()}
}

// ParseNumber reads a number written as text, as another engine returns
// it: decimal digits as a whole number of any size, else a finite
// decimal as a Float. NaN and infinities are not numbers here (JSON has
// no spelling for them).
func ParseNumber(s string) (Value, bool) {
	if n, err := strconv.ParseUint(s, 10, 64); err == nil {
		return Value{Kind: Int, I: n}, true
	}
	if s != "" && strings.Trim(s, "0123456789") == "" {
		x, _ := new(big.Int).SetString(s, 10)
		return wholeValue(x), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return Value{}, false
	}
	return Value{Kind: Float, F: f}, true
}

// avgDecimals is how many decimals an average from 2^53 on shows. Its
// whole part is exact, and in bytes or packets past 2^53 more decimals
// would be noise; three still tell a fraction from a whole number.
const avgDecimals = 3

// quotientValue is (hi*2^64 + lo) / n, n > 0. Below 2^53 it is the
// float64 nearest the exact quotient, printed as the shortest text that
// reads back as that float (as every average is). From 2^53 on a float64
// skips whole numbers, so the text is made exactly: the whole part and
// avgDecimals decimals, rounded half up, trailing zeros dropped.
func quotientValue(hi, lo, n uint64) Value {
	if hi == 0 && lo < 1<<53 && n < 1<<53 {
		// both convert exactly, so the one rounding is the division's
		return Value{Kind: Float, F: float64(lo) / float64(n)}
	}
	sum := uint128(hi, lo)
	den := new(big.Int).SetUint64(n)
	f, _ := new(big.Rat).SetFrac(sum, den).Float64()
	if new(big.Int).Quo(sum, den).Cmp(big.NewInt(1<<53)) < 0 {
		return Value{Kind: Float, F: f}
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(avgDecimals), nil)
	scaled := new(big.Int).Mul(sum, scale)
	scaled.Add(scaled, new(big.Int).Rsh(den, 1)).Quo(scaled, den)
	whole, frac := new(big.Int).QuoRem(scaled, scale, new(big.Int))
	text := whole.String()
	if frac.Sign() != 0 {
		digits := frac.String()
		text += "." + strings.TrimRight(strings.Repeat("0", avgDecimals-len(digits))+digits, "0")
	}
	return Value{Kind: Float, F: f, S: text}
}

func uint128(hi, lo uint64) *big.Int {
	x := new(big.Int).SetUint64(hi)
	return x.Lsh(x, 64).Or(x, new(big.Int).SetUint64(lo))
}
