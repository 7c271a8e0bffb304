package query

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

func (p *parser) expr() (Expr, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, &Error{Col: p.tok.col, Msg: "expression nested too deeply"}
	}
	l, err := p.andExpr()
	if err != nil {
		return nil, err
	}
	for p.isWord("or") {
		col := p.tok.col
		p.advance()
		r, err := p.andExpr()
		if err != nil {
			return nil, err
		}
		l = &Logical{Or: true, L: l, R: r, Col: col}
	}
	return l, nil
}

func (p *parser) andExpr() (Expr, error) {
	l, err := p.notExpr()
	if err != nil {
		return nil, err
	}
	for p.isWord("and") {
		col := p.tok.col
		p.advance()
		r, err := p.notExpr()
		if err != nil {
			return nil, err
		}
		l = &Logical{L: l, R: r, Col: col}
	}
	return l, nil
}

func (p *parser) notExpr() (Expr, error) {
	if p.isWord("not") {
		col := p.tok.col
		p.advance()
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxDepth {
			return nil, &Error{Col: p.tok.col, Msg: "expression nested too deeply"}
		}
		x, err := p.notExpr()
		if err != nil {
			return nil, err
		}
		return &Not{X: x, Col: col}, nil
	}
	return p.primary()
}

// isKeyword reports words that cannot be field names unless quoted with
// backticks.
func isKeyword(t token) bool {
	if strings.HasPrefix(t.raw, "`") {
		return false
	}
	switch strings.ToLower(t.text) {
	case "and", "or", "not", "in", "like", "as", "by":
		return true
	}
	return false
}

var boolFuncs = map[string]string{
	"ispresent":      "ispresent",
	"isipinsubnet":   "isipinsubnet",
	"isipv4insubnet": "isipv4insubnet",
	"isipv6insubnet": "isipv6insubnet",
}

func (p *parser) primary() (Expr, error) {
	switch p.tok.kind {
	case tLParen:
		open := p.tok
		p.advance()
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.errAt(fmt.Sprintf("expected ')' to close the '(' of column %d", open.col))
		}
		p.advance()
		return e, nil
	case tIdent:
		if p.peekIs(tLParen) && !strings.HasPrefix(p.tok.raw, "`") {
			return p.call()
		}
	case tEOF, tPipe:
		return nil, p.expected("an expression")
	}
	col := p.tok.col
	l, err := p.operand(true)
	if err != nil {
		return nil, err
	}
	negate := false
	if p.isWord("not") {
		negate = true
		p.advance()
		if !p.isWord("like") && !p.isWord("in") {
			return nil, p.expected("'like' or 'in'")
		}
	}
	switch {
	case p.isWord("like") || p.tok.kind == tOp && p.tok.text == "=~":
		if l.Field == nil {
			return nil, &Error{Col: col, Msg: "a pattern match needs a field on the left"}
		}
		p.advance()
		if p.tok.kind != tString && p.tok.kind != tRegex || p.tok.unterminated {
			return nil, p.expected("a \"string\" or /regex/")
		}
		m := &Match{Field: *l.Field, Pattern: p.tok.text, Regex: p.tok.kind == tRegex, Negate: negate, Col: col, PatCol: p.tok.col}
		p.advance()
		return m, nil
	case p.isWord("in"):
		if l.Field == nil {
			return nil, &Error{Col: col, Msg: "'in' needs a field on the left"}
		}
		p.advance()
		if p.tok.kind != tLBrack {
			return nil, p.expected("'['")
		}
		in := &In{Field: *l.Field, Negate: negate, Col: col}
		p.advance()
		for p.tok.kind != tRBrack {
			lit, err := p.literal()
			if err != nil {
				return nil, err
			}
			in.Values = append(in.Values, *lit)
			if p.tok.kind == tComma {
				p.advance()
				continue
			}
			if p.tok.kind != tRBrack {
				return nil, p.expected("',' or ']'")
			}
		}
		p.advance()
		return in, nil
	case p.tok.kind == tOp:
		op := p.tok.text
		p.advance()
		if p.tok.kind == tRegex && op == "=" && l.Field != nil && !p.tok.unterminated {
			m := &Match{Field: *l.Field, Pattern: p.tok.text, Regex: true, Col: col, PatCol: p.tok.col}
			p.advance()
			return m, nil
		}
		switch p.tok.kind {
		case tIdent, tNumber, tString:
		default:
			return nil, p.expected("a value")
		}
		if p.tok.kind == tIdent && isKeyword(p.tok) {
			return nil, p.expected("a value")
		}
		r, err := p.operand(false)
		if err != nil {
			return nil, err
		}
		if l.Lit != nil && r.Lit != nil {
			return nil, &Error{Col: col, Msg: "a comparison needs a field on one side"}
		}
		return &Compare{Op: op, L: l, R: r, Col: col}, nil
	}
	if l.Field == nil {
		return nil, p.expected("an operator")
	}
	return nil, p.expected("an operator (= != < <= > >= like in =~)")
}

func (p *parser) operand(left bool) (Operand, error) {
	switch p.tok.kind {
	case tIdent:
		if p.isAgo() {
			lit, err := p.ago()
			if err != nil {
				return Operand{}, err
			}
			return Operand{Lit: lit}, nil
		}
		if p.tok.unterminated {
			return Operand{}, p.errAt("")
		}
		n, err := p.fieldName()
		if err != nil {
			return Operand{}, err
		}
		return Operand{Field: &n}, nil
	case tNumber, tString:
		lit, err := p.literal()
		if err != nil {
			return Operand{}, err
		}
		return Operand{Lit: lit}, nil
	}
	if left {
		return Operand{}, p.errAt("expected a field, a value or '('")
	}
	return Operand{}, p.expected("a value")
}

func (p *parser) literal() (*Literal, error) {
	t := p.tok
	switch {
	case p.isAgo():
		return p.ago()
	case t.kind == tString && !t.unterminated:
		p.advance()
		return &Literal{Text: t.text, Col: t.col}, nil
	case t.kind == tNumber:
		v, err := strconv.ParseFloat(t.text, 64)
		if errors.Is(err, strconv.ErrRange) || err == nil && !exactEnough(t.text, v) {
			return nil, &Error{Col: t.col, Msg: outOfRange(t.raw)}
		}
		if err != nil {
			msg := fmt.Sprintf("%s is not a number", t.raw)
			if strings.Count(t.raw, ".") == 3 {
				msg += fmt.Sprintf(" (quote addresses: \"%s\")", t.raw)
			}
			return nil, &Error{Col: t.col, Msg: msg}
		}
		p.advance()
		return &Literal{Text: t.text, Num: v, Number: true, Col: t.col}, nil
	}
	return nil, p.expected("a value")
}

// exactEnough reports whether a number literal is within what a field
// can hold: a whole number below 2^64 in magnitude is kept exactly (the
// engine reads it as an integer), and any other number must be below
// 2^64 too, or it would compare as a rounded neighbour of what was typed.
func exactEnough(text string, v float64) bool {
	digits := strings.TrimPrefix(text, "-")
	if _, err := strconv.ParseUint(digits, 10, 64); err == nil {
		return true
	}
	return !(math.Abs(v) >= 0x1p64) // NaN is no number, refused where it is read
}

// outOfRange is the message for a number past what any field holds.
func outOfRange(text string) string {
	return fmt.Sprintf("%s is out of range: the largest number a field holds is 18446744073709551615 (2^64-1), and past it a number is not kept exactly", text)
}

// isAgo reports whether the next tokens are the time value ago(DURATION).
func (p *parser) isAgo() bool {
	return p.tok.kind == tIdent && strings.EqualFold(p.tok.text, "ago") && p.peekIs(tLParen)
}

// ago reads ago(15m): that long before the filter is compiled.
func (p *parser) ago() (*Literal, error) {
	col := p.tok.col
	p.advance() // ago
	p.advance() // (
	if p.tok.kind != tDur {
		return nil, p.expected("a duration such as 15m, 2h or 1d")
	}
	d := p.tok
	sec, err := parsePeriod(d)
	if err != nil {
		return nil, &Error{Col: d.col, Msg: strings.Replace(err.(*Error).Msg, "bin period", "ago", 1)}
	}
	p.advance()
	if p.tok.kind != tRParen {
		return nil, p.expected("')'")
	}
	p.advance()
	return &Literal{Text: "ago(" + d.raw + ")", AgoSec: sec, Col: col}, nil
}

func (p *parser) call() (Expr, error) {
	name := strings.ToLower(p.tok.text)
	col := p.tok.col
	fn, ok := boolFuncs[name]
	if !ok {
		return nil, &Error{Col: col, Msg: fmt.Sprintf("unknown function '%s' (filters take ispresent, isIpInSubnet, isIpv4InSubnet, isIpv6InSubnet)", p.tok.raw)}
	}
	p.advance() // name
	p.advance() // (
	n, err := p.fieldName()
	if err != nil {
		return nil, err
	}
	c := &Call{Func: fn, Field: n, Col: col}
	if fn != "ispresent" {
		if p.tok.kind != tComma {
			return nil, p.expected("',' and a \"CIDR\"")
		}
		p.advance()
		if p.tok.kind != tString || p.tok.unterminated {
			return nil, p.expected("a \"CIDR\" string")
		}
		c.Arg, _ = p.literal()
	}
	if p.tok.kind != tRParen {
		return nil, p.expected("')'")
	}
	p.advance()
	return c, nil
}

// looksLikeValue spots the values people type unquoted where a field name
// is read: ACCEPT, REJECT, OK, NODATA, SKIPDATA, eni-…, IPv4, ingress.
func looksLikeValue(s string) bool {
	switch strings.ToUpper(s) {
	case "ACCEPT", "REJECT", "OK", "NODATA", "SKIPDATA", "IPV4", "IPV6", "EFA", "INGRESS", "EGRESS":
		return true
	}
	for _, p := range []string{"eni-", "vpc-", "subnet-", "i-", "sg-", "acl-"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
