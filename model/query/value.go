package query

import (
	"cmp"
	"net/netip"
	"strconv"
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

// compareValues orders values: absent last, numbers numerically, addresses
// by address, text bytewise; mixed kinds by kind.
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
		if a.Kind != Float && b.Kind != Float {
			return cmp.Compare(a.I, b.I)
		}
		return cmp.Compare(an, bn)
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
	switch v.Kind {
	case Int, Time:
		return float64(v.I), true
	case Float:
		return v.F, true
	}
	return 0, false
}
