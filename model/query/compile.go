package query

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"regexp/syntax"
	"strconv"
	"time"

	"github.com/flowtail/flowtail/model"
)

// Pred reports whether a record matches a filter. x is the record's Ext,
// nil when it has none. A Pred is not safe for concurrent use (it keeps
// scratch space); compile one per goroutine.
type Pred func(f *model.Flow, x *model.Ext) bool

// Options tune compilation.
type Options struct {
	// Intern adds the query's string literals to the interner, so records
	// read after compiling can match them. Without it a literal the
	// interner has never seen compiles to "never equal", which is right
	// for a snapshot of the store.
	Intern bool
	// LocalAddr, when set, says whether addr belongs to the interface
	// (interned interface-id); direction then works for records without
	// flow-direction.
	LocalAddr func(iface uint32, addr netip.Addr) bool
	// Owner, when set, says who owns an address, for the owner, srcOwner
	// and dstOwner fields; without it they are absent.
	Owner model.OwnerLookup
	// Loc is the zone of times written without one ("15:12",
	// "2026-12-03 15:12"): the zone times are displayed in. Nil is UTC.
	Loc *time.Location
	// Now is the clock ago() and "today" are read from; nil is time.Now.
	Now func() time.Time
	// Resolve reads bare words through the rules data (security group
	// ids, interface names and descriptions); nil when none is loaded.
	Resolve Resolver
	// Verdict reads the word verdict:"RULE" (the records that rule
	// decided, as the rules engine says); nil when no rules are loaded.
	Verdict func(rule string) (pred Pred, meaning string)
	// RowText writes a record as the user sees it, cells separated by
	// NUL, for the substring and fuzzy words; nil uses @message.
	RowText func(dst []byte, f *model.Flow, x *model.Ext) []byte
	// MemoryBudget bounds, in bytes, what one run's stats groups may hold
	// (an estimate); past it the run stops and RunInfo.Err says so. Zero:
	// no bound (the ring bounds what the TUI reads).
	MemoryBudget int64
}

// CompileFilter parses text (a query or a bare filter expression) and
// returns the conjunction of all its filter commands, for the flows the
// filter bar selects; pred is nil when the text has no filter (everything
// matches). A filter after stats, as drilling down from a stats row
// writes, refines the flows too. status says whether the text is valid,
// still incomplete, or invalid; err carries the position for the last two.
func CompileFilter(text string, names *model.Interner, opt Options) (pred Pred, status Status, err error) {
	q, err := Parse(text)
	if err != nil {
		st, e := statusOf(err)
		return nil, st, e
	}
	// Check the rest of the query as the stats view will run it.
	check := &Query{Text: q.Text, Unknown: q.Unknown}
	stats := false
	for _, c := range q.Commands {
		if _, ok := c.(*StatsCmd); ok {
			stats = true
		}
		if _, ok := c.(*FilterCmd); ok && stats {
			continue
		}
		check.Commands = append(check.Commands, c)
	}
	if _, err := Compile(check, names, opt); err != nil {
		st, e := statusOf(err)
		return nil, st, e
	}
	c := &compiler{env: newEnv(names, opt, q.Unknown)}
	for _, cmd := range q.Commands {
		fc, ok := cmd.(*FilterCmd)
		if !ok {
			continue
		}
		p, err := c.expr(fc.Expr)
		if err != nil {
			st, e := statusOf(err)
			return nil, st, e
		}
		if pred == nil {
			pred = p
			continue
		}
		l := pred
		pred = func(f *model.Flow, x *model.Ext) bool { return l(f, x) && p(f, x) }
	}
	return pred, Valid, nil
}

type compiler struct {
	env *env
}

func errAt(col int, format string, args ...any) *Error {
	return &Error{Col: col, Msg: fmt.Sprintf(format, args...)}
}

var (
	predTrue  Pred = func(*model.Flow, *model.Ext) bool { return true }
	predFalse Pred = func(*model.Flow, *model.Ext) bool { return false }
)

func (c *compiler) expr(e Expr) (Pred, error) {
	switch e := e.(type) {
	case *Logical:
		l, err := c.expr(e.L)
		if err != nil {
			return nil, err
		}
		r, err := c.expr(e.R)
		if err != nil {
			return nil, err
		}
		if e.Or {
			return func(f *model.Flow, x *model.Ext) bool { return l(f, x) || r(f, x) }, nil
		}
		return func(f *model.Flow, x *model.Ext) bool { return l(f, x) && r(f, x) }, nil
	case *Not:
		p, err := c.expr(e.X)
		if err != nil {
			return nil, err
		}
		return func(f *model.Flow, x *model.Ext) bool { return !p(f, x) }, nil
	case *Compare:
		return c.compare(e)
	case *In:
		return c.in(e)
	case *Match:
		return c.match(e)
	case *Call:
		return c.call(e)
	}
	return nil, errAt(e.Pos(), "unsupported expression")
}

func (c *compiler) in(e *In) (Pred, error) {
	a := accessorFor(e.Field.Ref, c.env)
	var p Pred
	switch {
	case a.kind == vNum || a.kind == vTime || a.kind == vEnum || a.kind == vStr || a.kind == vAddr || a.kind == vDerived:
		set := make(map[uint64]struct{}, len(e.Values))
		var slow []Pred
		for i := range e.Values {
			lit := &e.Values[i]
			if isTimeRef(a) {
				t, err := c.timeLiteral(a, lit)
				if err != nil {
					return nil, err
				}
				lit = t
			} else if lit.AgoSec > 0 {
				return nil, agoNotTime(lit, a.ref.Name())
			}
			if err := inDomain(a, "=", lit); err != nil {
				return nil, err
			}
			if a.ref == RefProto && lit.Number {
				if _, ok := derivedCode(a.ref, lit); !ok {
					return nil, neverEqual(a, "=", lit, 255)
				}
			}
			code, ok, exact := c.literalCode(a, lit)
			if !exact {
				q, err := c.compareLit(a, "=", lit)
				if err != nil {
					return nil, err
				}
				slow = append(slow, q)
				continue
			}
			if !ok && (a.kind == vEnum || a.kind == vDerived) {
				return nil, notAValue(a, lit)
			}
			if ok {
				set[code] = struct{}{}
			}
		}
		get := a.code
		p = func(f *model.Flow, x *model.Ext) bool {
			v, ok := get(f, x)
			if !ok {
				return false
			}
			if _, hit := set[v]; hit {
				return true
			}
			for _, s := range slow {
				if s(f, x) {
					return true
				}
			}
			return false
		}
	default:
		var alts []Pred
		for i := range e.Values {
			q, err := c.compareLit(a, "=", &e.Values[i])
			if err != nil {
				return nil, err
			}
			alts = append(alts, q)
		}
		p = func(f *model.Flow, x *model.Ext) bool {
			for _, q := range alts {
				if q(f, x) {
					return true
				}
			}
			return false
		}
	}
	if e.Negate {
		present := a.present
		return func(f *model.Flow, x *model.Ext) bool { return present(f, x) && !p(f, x) }, nil
	}
	return p, nil
}

// literalCode converts a literal to the field's code. exact is false when
// the literal needs a general comparison (a fractional number); ok is
// false when no value of the field can equal it.
func (c *compiler) literalCode(a *accessor, lit *Literal) (code uint64, ok, exact bool) {
	switch a.kind {
	case vNum, vTime:
		_, w, whole, ok := numberLiteral(a, lit)
		if !ok {
			return 0, false, true
		}
		return w, whole, whole
	case vEnum:
		v, ok := enumCode(a.field, lit.Text)
		return v, ok && !lit.Number, true
	case vStr:
		id, ok := c.internFor(a, lit.Text)
		return uint64(id), ok, true
	case vAddr:
		addr, err := netip.ParseAddr(lit.Text)
		if err != nil || addr.Zone() != "" {
			return 0, false, true
		}
		v, ok := addrToCode(addr.Unmap(), c.env)
		return v, ok, true
	case vDerived:
		v, ok := derivedCode(a.ref, lit)
		return v, ok, true
	}
	return 0, false, false
}

func (c *compiler) match(e *Match) (Pred, error) {
	a := accessorFor(e.Field.Ref, c.env)
	var test func([]byte) bool
	if e.Regex {
		re, err := regexp.Compile(e.Pattern)
		if err != nil {
			msg := err.Error()
			var se *syntax.Error
			if errors.As(err, &se) {
				msg = string(se.Code)
				if se.Expr != "" {
					msg += " " + strconv.Quote(se.Expr)
				}
			}
			return nil, errAt(e.PatCol, "bad regex: %s", msg)
		}
		test = re.Match
	} else {
		pat := []byte(e.Pattern)
		test = func(b []byte) bool { return bytes.Contains(b, pat) }
	}
	var p Pred
	switch a.kind {
	case vStr, vEnum, vDerived:
		// The text of these fields is a function of a small code: remember
		// the answer per code so a million records cost a million lookups.
		p = c.matchByCode(a, test)
	default:
		buf := make([]byte, 0, 256)
		p = func(f *model.Flow, x *model.Ext) bool {
			var ok bool
			buf, ok = a.appendText(buf[:0], f, x)
			return ok && test(buf)
		}
	}
	if e.Negate {
		present := a.present
		return func(f *model.Flow, x *model.Ext) bool { return present(f, x) && !p(f, x) }, nil
	}
	return p, nil
}

func (c *compiler) matchByCode(a *accessor, test func([]byte) bool) Pred {
	const (
		unknown = 0
		yes     = 1
		no      = 2
	)
	var memo []uint8
	get := a.code
	return func(f *model.Flow, x *model.Ext) bool {
		v, ok := get(f, x)
		if !ok {
			return false
		}
		if v < uint64(len(memo)) && memo[v] != unknown {
			return memo[v] == yes
		}
		if v >= 1<<24 {
			return test([]byte(a.decode(v).S))
		}
		for uint64(len(memo)) <= v {
			memo = append(memo, unknown)
		}
		r := test([]byte(a.decode(v).S))
		memo[v] = no
		if r {
			memo[v] = yes
		}
		return r
	}
}

func (c *compiler) call(e *Call) (Pred, error) {
	a := accessorFor(e.Field.Ref, c.env)
	if e.Func == "ispresent" {
		return a.present, nil
	}
	if a.kind != vAddr {
		return nil, errAt(e.Field.Col, "%s needs an address field (srcaddr, dstaddr, pkt-srcaddr, pkt-dstaddr), not %s", e.Func, e.Field.Text)
	}
	pfx, err := netip.ParsePrefix(e.Arg.Text)
	if err != nil {
		if addr, aerr := netip.ParseAddr(e.Arg.Text); aerr == nil {
			pfx = netip.PrefixFrom(addr, addr.BitLen())
		} else {
			return nil, errAt(e.Arg.Col, "%q is not a CIDR block such as \"10.0.0.0/8\"", e.Arg.Text)
		}
	}
	pfx = pfx.Masked()
	switch {
	case e.Func == "isipv4insubnet" && !pfx.Addr().Is4():
		return nil, errAt(e.Arg.Col, "isIpv4InSubnet needs an IPv4 CIDR, not %q", e.Arg.Text)
	case e.Func == "isipv6insubnet" && !pfx.Addr().Is6():
		return nil, errAt(e.Arg.Col, "isIpv6InSubnet needs an IPv6 CIDR, not %q", e.Arg.Text)
	}
	field := a.field
	if pfx.Addr().Is4() && (field == model.FieldSrcAddr || field == model.FieldDstAddr) {
		b := pfx.Addr().As4()
		base := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		mask := uint32(0)
		if pfx.Bits() > 0 {
			mask = ^uint32(0) << (32 - pfx.Bits())
		}
		src := field == model.FieldSrcAddr
		return func(f *model.Flow, x *model.Ext) bool {
			if !f.Has(field) {
				return false
			}
			if f.IPv6() {
				return pfx.Contains(model.Addr(f, x, field))
			}
			v := f.Dst
			if src {
				v = f.Src
			}
			return v&mask == base
		}, nil
	}
	return func(f *model.Flow, x *model.Ext) bool {
		v := model.Addr(f, x, field)
		return v.IsValid() && pfx.Contains(v)
	}, nil
}
