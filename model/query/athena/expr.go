package athena

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/query"
)

// expr translates a filter expression. Every result is TRUE, FALSE or
// NULL where the local engine says false; top says NULL is acceptable
// (WHERE and AND/OR treat it as false).
func (tr *translator) expr(e query.Expr, top bool) (string, error) {
	switch e := e.(type) {
	case *query.Logical:
		l, err := tr.expr(e.L, false)
		if err != nil {
			return "", err
		}
		r, err := tr.expr(e.R, false)
		if err != nil {
			return "", err
		}
		op := " AND "
		if e.Or {
			op = " OR "
		}
		return "(" + l + op + r + ")", nil
	case *query.Not:
		x, err := tr.expr(e.X, false)
		if err != nil {
			return "", err
		}
		// A comparison on an absent value is false locally, so its
		// negation is true: NULL must not survive the NOT.
		return "NOT COALESCE(" + x + ", FALSE)", nil
	case *query.Compare:
		return tr.compare(e), nil
	case *query.In:
		return tr.in(e), nil
	case *query.Match:
		return tr.match(e), nil
	case *query.Call:
		return tr.call(e)
	}
	return "", fmt.Errorf("athena: expression at column %d cannot be translated", e.Pos())
}

func sqlOp(op string) string {
	if op == "!=" {
		return "<>"
	}
	return op
}

// mismatch is a comparison with a literal no value of the field can
// equal: != holds for every present value, the rest for none.
func (tr *translator) mismatch(r query.Ref, op string) string {
	if op == "!=" {
		return tr.present(r)
	}
	return "FALSE"
}

func (tr *translator) present(r query.Ref) string {
	if r == query.RefMessage {
		return "TRUE"
	}
	return tr.use(r) + " IS NOT NULL"
}

func (tr *translator) compare(e *query.Compare) string {
	if e.L.Field != nil && e.R.Field != nil {
		l, r := e.L.Field.Ref, e.R.Field.Ref
		lk, rk := kindOf(l), kindOf(r)
		if (lk == kNum || lk == kTime) && (rk == kNum || rk == kTime) {
			return tr.use(l) + " " + sqlOp(e.Op) + " " + tr.use(r)
		}
		return tr.text(l) + " " + sqlOp(e.Op) + " " + tr.text(r)
	}
	op, fld, lit := e.Op, e.L.Field, e.R.Lit
	if fld == nil {
		op, fld, lit = query.FlipOp(op), e.R.Field, e.L.Lit
	}
	return tr.compareLit(fld.Ref, op, lit)
}

// number reads a literal compared with a numeric field as the local
// engine does; @timestamp takes a number below 1e11 as seconds.
func number(r query.Ref, lit *query.Literal) (float64, bool) {
	n := lit.Num
	if !lit.Number {
		v, err := strconv.ParseFloat(strings.TrimSpace(lit.Text), 64)
		if err != nil {
			return 0, false
		}
		n = v
	}
	if kindOf(r) == kTime && n < 1e11 {
		n *= 1000
	}
	return n, true
}

// wholeNumber is a literal that is a whole number written out, exactly
// as the local engine reads it (not through a float64, which past 2^53
// would change it); @timestamp takes one below 1e11 as seconds.
func wholeNumber(r query.Ref, lit *query.Literal) (string, bool) {
	u, err := strconv.ParseUint(strings.TrimSpace(lit.Text), 10, 64)
	if err != nil {
		return "", false
	}
	if kindOf(r) == kTime && u < 1e11 {
		u *= 1000
	}
	return strconv.FormatUint(u, 10), true
}

func enumValid(r query.Ref, s string) bool {
	id, _ := r.Field()
	if id == model.FieldAction {
		return s == "ACCEPT" || s == "REJECT"
	}
	return s == "OK" || s == "NODATA" || s == "SKIPDATA"
}

func isEnum(r query.Ref) bool {
	id, ok := r.Field()
	return ok && id.Kind() == model.KindEnum
}

func isDerived(r query.Ref) bool {
	return r == query.RefProto || r == query.RefService || r == query.RefDirection
}

func (tr *translator) compareLit(r query.Ref, op string, lit *query.Literal) string {
	c := tr.use(r)
	eq := op == "=" || op == "!="
	switch {
	case kindOf(r) == kNum || kindOf(r) == kTime:
		if w, ok := wholeNumber(r, lit); ok {
			return c + " " + sqlOp(op) + " " + w
		}
		n, ok := number(r, lit)
		if !ok {
			return tr.mismatch(r, op)
		}
		return c + " " + sqlOp(op) + " " + numLit(n)
	case isEnum(r):
		if lit.Number || !enumValid(r, lit.Text) {
			if eq {
				return tr.mismatch(r, op)
			}
			return c + " " + op + " " + str(lit.Text)
		}
		// The local engine tests a known action or log-status only for
		// equality: every other operator means "differs".
		if op == "=" {
			return c + " = " + str(lit.Text)
		}
		return c + " <> " + str(lit.Text)
	case kindOf(r) == kAddr:
		a, err := netip.ParseAddr(lit.Text)
		if err != nil || a.Zone() != "" {
			if eq {
				return tr.mismatch(r, op)
			}
			return c + " " + op + " " + str(lit.Text)
		}
		return tr.compareAddr(c, op, a.Unmap())
	case isDerived(r):
		if !eq {
			return c + " " + op + " " + str(lit.Text)
		}
		s, ok := query.DerivedLiteral(r, lit)
		if !ok {
			return tr.mismatch(r, op)
		}
		return c + " " + sqlOp(op) + " " + str(s)
	}
	return tr.text(r) + " " + sqlOp(op) + " " + str(lit.Text)
}

func ipLit(a netip.Addr) string { return "IPADDRESS " + str(a.String()) }

// compareAddr compares an address column with an address the way
// netip.Addr orders them: IPv4 before IPv6, then by value.
func (tr *translator) compareAddr(c, op string, a netip.Addr) string {
	isV6 := "strpos(" + c + ", ':') > 0"
	isV4 := "strpos(" + c + ", ':') = 0"
	val := "TRY_CAST(" + c + " AS ipaddress) " + sqlOp(op) + " " + ipLit(a)
	switch op {
	case "=", "!=":
		if a.Is4() {
			return c + " " + sqlOp(op) + " " + str(a.String())
		}
		return val
	case "<", "<=":
		if a.Is4() {
			return "(" + isV4 + " AND " + val + ")"
		}
		return "(" + isV4 + " OR " + val + ")"
	}
	if a.Is4() {
		return "(" + isV6 + " OR " + val + ")"
	}
	return "(" + isV6 + " AND " + val + ")"
}

func (tr *translator) in(e *query.In) string {
	r := e.Field.Ref
	c := tr.use(r)
	var lits []string
	seen := map[string]bool{}
	put := func(s string) {
		if !seen[s] {
			seen[s] = true
			lits = append(lits, s)
		}
	}
	var v6 []string // IPv6 addresses, compared as addresses
	for i := range e.Values {
		lit := &e.Values[i]
		switch {
		case kindOf(r) == kNum || kindOf(r) == kTime:
			if w, ok := wholeNumber(r, lit); ok {
				put(w)
			} else if n, ok := number(r, lit); ok && n >= 0 && n == math.Trunc(n) && n <= math.MaxInt64/2 {
				put(strconv.FormatInt(int64(n), 10))
			}
		case isEnum(r):
			if !lit.Number && enumValid(r, lit.Text) {
				put(str(lit.Text))
			}
		case kindOf(r) == kAddr:
			if a, err := netip.ParseAddr(lit.Text); err == nil && a.Zone() == "" {
				if a = a.Unmap(); a.Is4() {
					put(str(a.String()))
				} else if !seen[a.String()] {
					seen[a.String()] = true
					v6 = append(v6, ipLit(a))
				}
			}
		case isDerived(r):
			if s, ok := query.DerivedLiteral(r, lit); ok {
				put(str(s))
			}
		default:
			put(str(lit.Text))
		}
	}
	var alts []string
	if len(lits) > 0 {
		alts = append(alts, c+" IN ("+strings.Join(lits, ", ")+")")
	}
	if len(v6) > 0 {
		alts = append(alts, "TRY_CAST("+c+" AS ipaddress) IN ("+strings.Join(v6, ", ")+")")
	}
	if !e.Negate {
		switch len(alts) {
		case 0:
			return "FALSE"
		case 1:
			return alts[0]
		}
		return "(" + strings.Join(alts, " OR ") + ")"
	}
	switch {
	case len(alts) == 0:
		return tr.present(r)
	case len(alts) == 1 && len(v6) == 0:
		return c + " NOT IN (" + strings.Join(lits, ", ") + ")"
	}
	return "(" + tr.present(r) + " AND NOT COALESCE(" + strings.Join(alts, " OR ") + ", FALSE))"
}

func (tr *translator) match(e *query.Match) string {
	t := tr.text(e.Field.Ref)
	var p string
	if e.Regex {
		p = "regexp_like(" + t + ", " + str(e.Pattern) + ")"
	} else {
		p = "strpos(" + t + ", " + str(e.Pattern) + ") > 0"
	}
	if e.Negate {
		if e.Field.Ref == query.RefMessage {
			return "NOT " + p
		}
		return "(" + tr.present(e.Field.Ref) + " AND NOT " + p + ")"
	}
	return p
}

func (tr *translator) call(e *query.Call) (string, error) {
	r := e.Field.Ref
	if e.Func == "ispresent" {
		return tr.present(r), nil
	}
	c := tr.use(r)
	pfx, err := netip.ParsePrefix(e.Arg.Text)
	if err != nil {
		a, aerr := netip.ParseAddr(e.Arg.Text)
		if aerr != nil {
			return "", fmt.Errorf("athena: %q is not a CIDR block", e.Arg.Text)
		}
		pfx = netip.PrefixFrom(a, a.BitLen())
	}
	pfx = pfx.Masked()
	// An IPv4 block holds only IPv4 addresses and an IPv6 block only IPv6
	// ones, as in netip; Trino's contains would mix them.
	family := "strpos(" + c + ", ':') = 0"
	if pfx.Addr().Is6() {
		family = "strpos(" + c + ", ':') > 0"
	}
	return "(" + family + " AND contains(" + str(pfx.String()) + ", TRY_CAST(" + c + " AS ipaddress)))", nil
}
