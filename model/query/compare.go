package query

import (
	"bytes"
	"errors"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/flowtail/flowtail/model"
)

// FlipOp mirrors a comparison operator for `value OP field`, so it reads as
// `field OP' value`; the translators share it with the engine.
func FlipOp(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

// ordered applies an ordering operator to a three-way comparison.
func ordered(op string, c int) bool {
	switch op {
	case "=":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	}
	return c >= 0
}

func (c *compiler) compare(e *Compare) (Pred, error) {
	if e.L.Field != nil && e.R.Field != nil {
		return c.compareFields(e)
	}
	op := e.Op
	fld, lit := e.L.Field, e.R.Lit
	if fld == nil {
		fld, lit = e.R.Field, e.L.Lit
		op = FlipOp(op)
	}
	a := accessorFor(fld.Ref, c.env)
	return c.compareLit(a, op, lit)
}

// mismatch is the answer when a literal cannot be a value of the field
// (e.g. dstport = "http"): nothing is equal to it, every present value is
// different from it, and it orders with nothing.
func mismatch(a *accessor, op string) Pred {
	if op == "!=" {
		return a.present
	}
	return predFalse
}

func (c *compiler) compareLit(a *accessor, op string, lit *Literal) (Pred, error) {
	if isTimeRef(a) {
		t, err := c.timeLiteral(a, lit)
		if err != nil {
			return nil, err
		}
		lit = t
	} else if lit.AgoSec > 0 {
		return nil, agoNotTime(lit, a.ref.Name())
	}
	if err := inDomain(a, op, lit); err != nil {
		return nil, err
	}
	switch a.kind {
	case vNum, vTime:
		return c.compareNum(a, op, lit), nil
	case vEnum:
		code, ok := enumCode(a.field, lit.Text)
		if !ok || lit.Number {
			if op == "=" || op == "!=" {
				return nil, notAValue(a, lit)
			}
			return c.compareText(a, op, lit.Text), nil
		}
		return c.compareCode(a, op, code), nil
	case vStr:
		if op != "=" && op != "!=" {
			return c.compareText(a, op, lit.Text), nil
		}
		id, ok := c.internFor(a, lit.Text)
		if !ok {
			return mismatch(a, op), nil
		}
		return c.compareCode(a, op, uint64(id)), nil
	case vAddr:
		addr, err := netip.ParseAddr(lit.Text)
		if err != nil || addr.Zone() != "" {
			if op == "=" || op == "!=" {
				return mismatch(a, op), nil
			}
			return c.compareText(a, op, lit.Text), nil
		}
		return c.compareAddr(a, op, addr.Unmap()), nil
	case vDerived:
		if op == "=" || op == "!=" {
			code, ok := derivedCode(a.ref, lit)
			if !ok && a.ref == RefProto && lit.Number {
				return nil, neverEqual(a, op, lit, 255)
			}
			if !ok {
				return nil, notAValue(a, lit)
			}
			return c.compareCode(a, op, code), nil
		}
		return c.compareText(a, op, lit.Text), nil
	}
	return c.compareText(a, op, lit.Text), nil
}

// fieldMax is the largest value a numeric field holds: a record whose
// text has more is malformed, so no record has it.
func fieldMax(id model.FieldID) uint64 {
	switch id {
	case model.FieldSrcPort, model.FieldDstPort:
		return math.MaxUint16
	case model.FieldVersion, model.FieldProtocol, model.FieldTCPFlags, model.FieldTrafficPath, model.FieldEncryptionStatus:
		return math.MaxUint8
	case model.FieldStart, model.FieldEnd:
		return math.MaxUint32
	}
	return math.MaxUint64
}

// inDomain checks a number compared with a numeric field: quoted, it must
// be in range as a bare one must (see outOfRange); for = and != it must be
// a whole number the field can hold. dstport = 70000 or protocol = 300
// can never match, and a filter that matches nothing looks like an answer
// ("no such traffic"), so such a typo is an error at the literal, in the
// filter bar as on the command line, rather than a warning a script or
// the bar would not show. Ordering comparisons (dstport < 70000) are left
// alone: a bound past the range is a way to say "any".
func inDomain(a *accessor, op string, lit *Literal) error {
	if a.kind != vNum {
		return nil
	}
	if !lit.Number {
		text := strings.TrimSpace(lit.Text)
		if v, err := strconv.ParseFloat(text, 64); errors.Is(err, strconv.ErrRange) || err == nil && !exactEnough(text, v) {
			return errAt(lit.Col, "%s", outOfRange(text))
		}
	}
	num, w, whole, ok := numberLiteral(a, lit)
	if !ok {
		return notANumber(a, lit)
	}
	if op != "=" && op != "!=" {
		return nil
	}
	max := fieldMax(a.field)
	switch {
	case whole && w <= max:
		return nil
	case !whole && num >= 0 && num <= float64(max):
		return nil // a fraction: compared exactly, as written times are
	}
	return neverEqual(a, op, lit, max)
}

// notANumber is the error for text compared with a numeric field: no
// record's number is text, so the comparison would answer the same for
// every record, and dstport = "-" (what a flow log writes for no port)
// would quietly find none of the records without one.
func notANumber(a *accessor, lit *Literal) error {
	name := a.ref.Name()
	// What to write comes first: the filter bar cuts a long message.
	if strings.TrimSpace(lit.Text) == "-" {
		return errAt(lit.Col, "write not ispresent(%s) for the records without one: %s holds numbers, and \"-\" is how AWS writes none", name, name)
	}
	switch a.field {
	case model.FieldProtocol:
		return errAt(lit.Col, "write proto = %s for a protocol by name: protocol holds numbers", strconv.Quote(strings.ToLower(lit.Text)))
	case model.FieldSrcPort, model.FieldDstPort:
		return errAt(lit.Col, "write service = %s for a port by its service's name: %s holds numbers", strconv.Quote(strings.ToLower(lit.Text)), name)
	}
	return errAt(lit.Col, "%s is not a number, which %s holds: check the value", strconv.Quote(lit.Text), name)
}

// notAValue is the error for an equality with text a field of fixed
// values never holds: action = "reject" (AWS writes REJECT) or proto =
// "icmp6" answered 0, which reads as "no such traffic".
func notAValue(a *accessor, lit *Literal) error {
	name, text := a.ref.Name(), strings.TrimSpace(lit.Text)
	var values []string
	switch {
	case a.kind == vEnum && a.field == model.FieldAction:
		values = []string{"ACCEPT", "REJECT"}
	case a.kind == vEnum:
		values = []string{"OK", "NODATA", "SKIPDATA"}
	case a.ref == RefDirection:
		values = []string{"ingress", "egress"}
	case a.ref == RefProto:
		return errAt(lit.Col, "no protocol is named %s: proto takes a name (tcp, udp, icmp, icmpv6, …) or a number up to 255", strconv.Quote(text))
	case a.ref == RefService:
		return errAt(lit.Col, "no service is named %s: service takes the names the flows pane shows (ssh, https, postgres, …); for a port, filter on dstport or srcport", strconv.Quote(text))
	default:
		return errAt(lit.Col, "%s never holds %s", name, strconv.Quote(text))
	}
	held := strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
	// What to write comes first: the filter bar cuts a long message.
	if text == "-" {
		return errAt(lit.Col, "write not ispresent(%s) for the records without one: %s holds %s, and \"-\" is how AWS writes none", name, name, held)
	}
	for _, v := range values {
		if strings.EqualFold(v, text) {
			return errAt(lit.Col, "write %s: %s holds %s, written just so", strconv.Quote(v), name, held)
		}
	}
	return errAt(lit.Col, "%s can never match: %s holds %s", strconv.Quote(text), name, held)
}

// neverEqual is the error for an equality with a number the field cannot
// hold.
func neverEqual(a *accessor, op string, lit *Literal, max uint64) error {
	name := a.ref.Name()
	if op == "!=" {
		return errAt(lit.Col, "%s holds whole numbers from 0 to %d, so %s != %s holds for every record that has it: check the number", name, max, name, lit.Text)
	}
	return errAt(lit.Col, "%s holds whole numbers from 0 to %d, so %s = %s can never match: check the number", name, max, name, lit.Text)
}

// internFor is intern for a literal compared with a's values. Owner names
// are interned as records are read, so a literal of theirs is interned
// now: otherwise a name no record has shown yet would never match.
func (c *compiler) internFor(a *accessor, s string) (uint32, bool) {
	if a.ref.isOwner() {
		return c.env.names.IDString(s), true
	}
	return c.intern(s)
}

func (c *compiler) intern(s string) (uint32, bool) {
	if c.env.opt.Intern {
		return c.env.names.IDString(s), true
	}
	return c.env.names.Lookup(s)
}

func enumCode(id model.FieldID, s string) (uint64, bool) {
	if id == model.FieldAction {
		switch s {
		case "ACCEPT":
			return uint64(model.ActionAccept), true
		case "REJECT":
			return uint64(model.ActionReject), true
		}
		return 0, false
	}
	switch s {
	case "OK":
		return uint64(model.StatusOK), true
	case "NODATA":
		return uint64(model.StatusNoData), true
	case "SKIPDATA":
		return uint64(model.StatusSkipData), true
	}
	return 0, false
}

func derivedCode(r Ref, lit *Literal) (uint64, bool) {
	s := strings.ToLower(lit.Text)
	switch r {
	case RefProto:
		if n, ok := model.ProtoByName(s); ok {
			return uint64(n), true
		}
		if n, err := strconv.ParseUint(s, 10, 8); err == nil {
			return n, true
		}
	case RefService:
		if c, ok := model.ServiceByName(s); ok {
			return uint64(c), true
		}
	case RefDirection:
		switch s {
		case "ingress":
			return dirIngress, true
		case "egress":
			return dirEgress, true
		}
	}
	return 0, false
}

// compareCode compares a field's exact code with a constant.
func (c *compiler) compareCode(a *accessor, op string, want uint64) Pred {
	if a.field == model.FieldAction && op == "=" {
		act := model.Action(want)
		return func(f *model.Flow, _ *model.Ext) bool { return f.Action() == act }
	}
	code := a.code
	if op == "=" {
		return func(f *model.Flow, x *model.Ext) bool { v, ok := code(f, x); return ok && v == want }
	}
	return func(f *model.Flow, x *model.Ext) bool { v, ok := code(f, x); return ok && v != want }
}

// compareNum handles integer fields. The record is zeroed before parsing,
// so an absent core field reads 0: equality with a non-zero constant needs
// no presence test, which keeps the common filters to one load and compare.
func (c *compiler) compareNum(a *accessor, op string, lit *Literal) Pred {
	num, w, whole, ok := numberLiteral(a, lit)
	if !ok {
		return mismatch(a, op)
	}
	if !whole {
		get := a.code
		return func(f *model.Flow, x *model.Ext) bool {
			v, ok := get(f, x)
			return ok && ordered(op, cmpUintFloat(v, num))
		}
	}
	if op == "=" && w != 0 {
		switch a.field {
		case model.FieldDstPort:
			if w > math.MaxUint16 {
				return predFalse
			}
			p := uint16(w)
			return func(f *model.Flow, _ *model.Ext) bool { return f.DstPort == p }
		case model.FieldSrcPort:
			if w > math.MaxUint16 {
				return predFalse
			}
			p := uint16(w)
			return func(f *model.Flow, _ *model.Ext) bool { return f.SrcPort == p }
		case model.FieldProtocol:
			if w > math.MaxUint8 {
				return predFalse
			}
			p := uint8(w)
			return func(f *model.Flow, _ *model.Ext) bool { return f.Proto == p }
		}
	}
	get := a.code
	switch op {
	case "=":
		return func(f *model.Flow, x *model.Ext) bool { v, ok := get(f, x); return ok && v == w }
	case "!=":
		return func(f *model.Flow, x *model.Ext) bool { v, ok := get(f, x); return ok && v != w }
	case "<":
		return func(f *model.Flow, x *model.Ext) bool { v, ok := get(f, x); return ok && v < w }
	case "<=":
		return func(f *model.Flow, x *model.Ext) bool { v, ok := get(f, x); return ok && v <= w }
	case ">":
		return func(f *model.Flow, x *model.Ext) bool { v, ok := get(f, x); return ok && v > w }
	}
	return func(f *model.Flow, x *model.Ext) bool { v, ok := get(f, x); return ok && v >= w }
}

// numberLiteral reads a literal compared with a number or time field: w
// is its exact value when it is a whole number a field can hold (whole),
// num its value otherwise. Whole numbers are read as integers, not
// through a float64, which past 2^53 would make neighbours equal. ok is
// false for text that is no number (or NaN).
func numberLiteral(a *accessor, lit *Literal) (num float64, w uint64, whole, ok bool) {
	text := strings.TrimSpace(lit.Text)
	if u, err := strconv.ParseUint(text, 10, 64); err == nil {
		num, w, whole = float64(u), u, true
	} else {
		num = lit.Num
		if !lit.Number {
			v, err := strconv.ParseFloat(text, 64)
			if err != nil || math.IsNaN(v) {
				return 0, 0, false, false
			}
			num = v
		}
		whole = num >= 0 && num < 0x1p64 && num == math.Trunc(num)
		if whole {
			w = uint64(num)
		}
	}
	if a.kind == vTime && num < 1e11 {
		num *= 1000 // seconds written for @timestamp, which Insights keeps in ms
		w *= 1000
	}
	return num, w, whole, true
}

// cmpUintFloat compares v with a number that is not a whole uint64
// (negative, fractional, or past 2^64) exactly, without rounding v.
func cmpUintFloat(v uint64, num float64) int {
	switch {
	case num < 0:
		return 1
	case num >= 0x1p64:
		return -1
	case v <= uint64(math.Floor(num)):
		return -1 // num is fractional here, so never equal
	}
	return 1
}

func (c *compiler) compareAddr(a *accessor, op string, want netip.Addr) Pred {
	if want.Is4() && (op == "=" || op == "!=") && (a.field == model.FieldSrcAddr || a.field == model.FieldDstAddr) {
		b := want.As4()
		u := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		src := a.field == model.FieldSrcAddr
		eq := func(f *model.Flow, x *model.Ext) bool {
			v := f.Dst
			if src {
				v = f.Src
			}
			if v != u {
				return false
			}
			if u != 0 && !f.IPv6() {
				return true // only a present IPv4 address leaves a non-zero value
			}
			return model.Addr(f, x, a.field) == want
		}
		if op == "=" {
			return eq
		}
		present := a.present
		return func(f *model.Flow, x *model.Ext) bool { return present(f, x) && !eq(f, x) }
	}
	field := a.field
	return func(f *model.Flow, x *model.Ext) bool {
		v := model.Addr(f, x, field)
		return v.IsValid() && ordered(op, v.Compare(want))
	}
}

// compareText orders the field's text with a string (lexically), the way
// Insights compares strings.
func (c *compiler) compareText(a *accessor, op string, want string) Pred {
	buf := make([]byte, 0, 256)
	w := []byte(want)
	return func(f *model.Flow, x *model.Ext) bool {
		var ok bool
		buf, ok = a.appendText(buf[:0], f, x)
		return ok && ordered(op, bytes.Compare(buf, w))
	}
}

func (c *compiler) compareFields(e *Compare) (Pred, error) {
	l := accessorFor(e.L.Field.Ref, c.env)
	r := accessorFor(e.R.Field.Ref, c.env)
	op := e.Op
	if (l.kind == vNum || l.kind == vTime) && (r.kind == vNum || r.kind == vTime) {
		lg, rg := l.code, r.code
		return func(f *model.Flow, x *model.Ext) bool {
			a, ok1 := lg(f, x)
			b, ok2 := rg(f, x)
			if !ok1 || !ok2 {
				return false
			}
			switch {
			case a < b:
				return ordered(op, -1)
			case a > b:
				return ordered(op, 1)
			}
			return ordered(op, 0)
		}, nil
	}
	var lb, rb []byte
	return func(f *model.Flow, x *model.Ext) bool {
		var ok1, ok2 bool
		lb, ok1 = l.appendText(lb[:0], f, x)
		rb, ok2 = r.appendText(rb[:0], f, x)
		return ok1 && ok2 && ordered(op, bytes.Compare(lb, rb))
	}, nil
}
