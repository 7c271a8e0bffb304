package query

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Error is a query problem with the 1-based column it was found at.
// Incomplete is set when the text ends where more was expected (an open
// string, a missing value): the user is probably still typing.
type Error struct {
	Col        int
	Msg        string
	Incomplete bool
}

func (e *Error) Error() string { return fmt.Sprintf("%s at column %d", e.Msg, e.Col) }

// Status is how the filter bar shows the text being typed.
type Status uint8

const (
	Valid      Status = iota // parses and compiles
	Incomplete               // could become valid by typing more
	Invalid                  // wrong at Error.Col
)

func (s Status) String() string {
	switch s {
	case Valid:
		return "valid"
	case Incomplete:
		return "incomplete"
	}
	return "invalid"
}

// Check parses text and says whether it is valid, incomplete or invalid,
// with the error for the last two.
func Check(text string) (Status, *Error) {
	_, err := Parse(text)
	return statusOf(err)
}

func statusOf(err error) (Status, *Error) {
	if err == nil {
		return Valid, nil
	}
	e, ok := err.(*Error)
	if !ok {
		return Invalid, &Error{Col: 1, Msg: err.Error()}
	}
	if e.Incomplete {
		return Incomplete, e
	}
	return Invalid, e
}

// maxDepth bounds nesting so a hostile query cannot exhaust the stack.
const maxDepth = 200

type parser struct {
	q       *Query
	lx      lexer
	tok     token // current token
	prev    token // the token before it, for "after X" messages
	aliases map[string]Ref
	depth   int
}

// Parse reads a query: commands joined by '|'. A query that does not start
// with a command word is read as a filter expression, so the filter bar
// accepts `action = "REJECT"` as well as `filter action = "REJECT"`.
func Parse(text string) (*Query, error) {
	q := &Query{Text: text}
	p := &parser{lx: lexer{src: text}, aliases: map[string]Ref{}, q: q}
	p.advance()
	if p.tok.kind == tEOF {
		return nil, &Error{Col: 1, Msg: "empty query", Incomplete: true}
	}
	if t := p.tok; t.kind == tIdent && !isCommand(t.text) && !isKeyword(t) && !p.peekIs(tLParen) && !t.unterminated {
		if _, ok := p.lookup(t.text); !ok {
			return nil, &Error{Col: t.col, Msg: fmt.Sprintf("unknown command '%s' (want fields, filter, stats, sort, limit, display or dedup)", t.raw),
				Incomplete: t.end == len(text) && (isCommandPrefix(t.text) || isNamePrefix(t.text))}
		}
	}
	if p.tok.kind != tIdent || !isCommand(p.tok.text) || p.peekIs(tOp) {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		q.Commands = append(q.Commands, &FilterCmd{Col: 1, Expr: e})
		if p.tok.kind != tEOF {
			return nil, p.unexpected("'|'")
		}
		return q, nil
	}
	for {
		c, err := p.command()
		if err != nil {
			return nil, err
		}
		q.Commands = append(q.Commands, c)
		switch p.tok.kind {
		case tEOF:
			return q, nil
		case tPipe:
			p.advance()
		default:
			return nil, p.unexpected("'|' or end of query")
		}
	}
}

func isCommand(s string) bool {
	switch strings.ToLower(s) {
	case "fields", "filter", "stats", "sort", "limit", "display", "dedup":
		return true
	}
	return false
}

func isCommandPrefix(s string) bool {
	for _, c := range []string{"fields", "filter", "stats", "sort", "limit", "display", "dedup"} {
		if strings.HasPrefix(c, strings.ToLower(s)) {
			return true
		}
	}
	return false
}

func (p *parser) advance() {
	p.prev = p.tok
	p.tok = p.lx.next()
}

func (p *parser) peekIs(k tokKind) bool {
	l := p.lx
	return l.next().kind == k
}

// isWord reports whether the current token is the keyword w.
func (p *parser) isWord(w string) bool {
	return p.tok.kind == tIdent && strings.EqualFold(p.tok.text, w) && !strings.HasPrefix(p.tok.raw, "`")
}

// errAt builds an error for the current token: at its column, or just after
// the previous token when the text has ended.
func (p *parser) errAt(msg string) *Error {
	if p.tok.kind == tEOF {
		col := p.prev.end + 1
		if p.prev.kind == tEOF && p.prev.col == 0 {
			col = 1
		}
		return &Error{Col: col, Msg: msg, Incomplete: true}
	}
	if p.tok.unterminated {
		what := "string"
		if p.tok.kind == tRegex {
			what = "regex"
		} else if p.tok.kind == tIdent {
			what = "`name`"
		}
		return &Error{Col: p.tok.col, Msg: "unterminated " + what, Incomplete: true}
	}
	if p.tok.kind == tBad {
		return &Error{Col: p.tok.col, Msg: fmt.Sprintf("unexpected character %q", p.tok.raw)}
	}
	return &Error{Col: p.tok.col, Msg: msg + ", found " + p.tok.describe()}
}

// expected reports a missing part after the previous token.
func (p *parser) expected(what string) *Error {
	return p.errAt(fmt.Sprintf("expected %s after %s", what, p.prev.describe()))
}

func (p *parser) unexpected(what string) *Error {
	return p.errAt("expected " + what)
}

func (p *parser) command() (Command, error) {
	if p.tok.kind != tIdent {
		return nil, p.errAt("expected a command (fields, filter, stats, sort, limit, display, dedup)")
	}
	col := p.tok.col
	word := strings.ToLower(p.tok.text)
	if !isCommand(word) {
		return nil, &Error{Col: col, Msg: fmt.Sprintf("unknown command '%s' (want fields, filter, stats, sort, limit, display or dedup)", p.tok.raw)}
	}
	p.advance()
	switch word {
	case "filter":
		if p.tok.kind == tEOF || p.tok.kind == tPipe {
			return nil, p.expected("an expression")
		}
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		return &FilterCmd{Col: col, Expr: e}, nil
	case "fields":
		c := &FieldsCmd{Col: col}
		for {
			n, err := p.fieldName()
			if err != nil {
				return nil, err
			}
			item := Projection{Field: n}
			if p.isWord("as") {
				p.advance()
				if p.tok.kind != tIdent {
					return nil, p.expected("a name")
				}
				item.Alias = p.tok.text
				p.aliases[strings.ToLower(item.Alias)] = n.Ref
				p.advance()
			}
			c.Items = append(c.Items, item)
			if p.tok.kind != tComma {
				return c, nil
			}
			p.advance()
		}
	case "display", "dedup":
		var names []Name
		for {
			n, err := p.columnName()
			if err != nil {
				return nil, err
			}
			names = append(names, n)
			if p.tok.kind != tComma {
				break
			}
			p.advance()
		}
		if word == "display" {
			return &DisplayCmd{Col: col, Fields: names}, nil
		}
		return &DedupCmd{Col: col, Fields: names}, nil
	case "sort":
		c := &SortCmd{Col: col}
		for {
			n, err := p.columnName()
			if err != nil {
				return nil, err
			}
			k := SortKey{Name: n}
			switch {
			case p.isWord("desc"):
				k.Desc = true
				p.advance()
			case p.isWord("asc"):
				p.advance()
			}
			c.Keys = append(c.Keys, k)
			if p.tok.kind != tComma {
				return c, nil
			}
			p.advance()
		}
	case "limit":
		if p.tok.kind != tNumber {
			return nil, p.expected("a number")
		}
		n, err := strconv.Atoi(p.tok.text)
		if err != nil || n < 1 {
			return nil, &Error{Col: p.tok.col, Msg: fmt.Sprintf("limit wants a whole number of at least 1, not %s", p.tok.raw)}
		}
		p.advance()
		return &LimitCmd{Col: col, N: n}, nil
	case "stats":
		return p.stats(col)
	}
	panic("unreachable")
}

// lookup resolves a name: a known one, else a name flowtail does not
// know that a format read in this run carries.
func (p *parser) lookup(name string) (Ref, bool) {
	if r, ok := LookupRef(name); ok {
		return r, true
	}
	return p.q.unknown(name)
}

// fieldName reads a name that must resolve to a field (or an alias of one).
func (p *parser) fieldName() (Name, error) {
	if p.tok.kind != tIdent || p.tok.unterminated {
		return Name{}, p.expected("a field name")
	}
	n := Name{Text: p.tok.text, Col: p.tok.col}
	if r, ok := p.lookup(n.Text); ok {
		n.Ref = r
	} else if r, ok := p.aliases[strings.ToLower(n.Text)]; ok {
		n.Ref = r
	} else {
		// A name still being typed at the end of the text is incomplete.
		msg := fmt.Sprintf("unknown field '%s'", n.Text)
		if looksLikeValue(n.Text) {
			msg += fmt.Sprintf(` (a text value needs quotes: "%s")`, n.Text)
		}
		return Name{}, &Error{Col: n.Col, Msg: msg,
			Incomplete: p.tok.end == len(p.lx.src) && isNamePrefix(n.Text)}
	}
	p.advance()
	return n, nil
}

// columnName reads a name for sort, display or dedup: a field, an alias or
// a stats column such as count(*). Whether it exists is checked when the
// query is compiled, because it depends on what comes before.
func (p *parser) columnName() (Name, error) {
	if p.tok.kind != tIdent || p.tok.unterminated {
		return Name{}, p.expected("a field name")
	}
	n := Name{Text: p.tok.text, Col: p.tok.col}
	start := p.tok.col - 1
	p.advance()
	if p.tok.kind == tLParen && p.tok.col-1 == p.prev.end {
		depth := 0
		for {
			switch p.tok.kind {
			case tLParen:
				depth++
			case tRParen:
				depth--
			case tEOF, tPipe:
				return Name{}, p.expected("')'")
			}
			p.advance()
			if depth == 0 {
				break
			}
		}
		n.Text = p.lx.src[start:p.prev.end]
		return n, nil
	}
	if r, ok := p.lookup(n.Text); ok {
		n.Ref = r
	} else if r, ok := p.aliases[strings.ToLower(n.Text)]; ok {
		n.Ref = r
	}
	return n, nil
}

func (p *parser) stats(col int) (Command, error) {
	c := &StatsCmd{Col: col}
	for {
		if p.tok.kind != tIdent {
			return nil, p.expected("a stats function (count, count_distinct, sum, avg, min, max, pct, earliest, latest)")
		}
		fn, ok := aggNames[strings.ToLower(p.tok.text)]
		if !ok {
			return nil, &Error{Col: p.tok.col, Msg: fmt.Sprintf("unknown stats function '%s' (want count, count_distinct, sum, avg, min, max, pct, earliest or latest)", p.tok.raw)}
		}
		a := Agg{Func: fn, Col: p.tok.col}
		start := p.tok.col - 1
		p.advance()
		if p.tok.kind != tLParen {
			return nil, p.expected("'('")
		}
		p.advance()
		switch {
		case fn == AggCount && p.tok.kind == tStar:
			p.advance()
		case fn == AggCount && p.tok.kind == tRParen:
		default:
			n, err := p.fieldName()
			if err != nil {
				return nil, err
			}
			a.Field = &n
		}
		if fn == AggPct {
			if p.tok.kind != tComma {
				return nil, p.expected("',' and a percentile")
			}
			p.advance()
			if p.tok.kind != tNumber {
				return nil, p.expected("a percentile from 0 to 100")
			}
			v, err := strconv.ParseFloat(p.tok.text, 64)
			if err != nil || v < 0 || v > 100 {
				return nil, &Error{Col: p.tok.col, Msg: fmt.Sprintf("percentile %s is not from 0 to 100", p.tok.raw)}
			}
			a.Pct = v
			p.advance()
		}
		if p.tok.kind != tRParen {
			return nil, p.expected("')'")
		}
		p.advance()
		a.Column = p.lx.src[start:p.prev.end]
		if p.isWord("as") {
			p.advance()
			if p.tok.kind != tIdent || p.tok.unterminated {
				return nil, p.expected("a name")
			}
			a.Alias, a.Column = p.tok.text, p.tok.text
			p.advance()
		}
		c.Aggs = append(c.Aggs, a)
		if p.tok.kind != tComma {
			break
		}
		p.advance()
	}
	if !p.isWord("by") {
		return c, nil
	}
	p.advance()
	for {
		var k GroupKey
		if p.isWord("bin") && p.peekIs(tLParen) {
			start := p.tok.col - 1
			k.Field = Name{Text: "@timestamp", Col: p.tok.col, Ref: RefTimestamp}
			p.advance()
			p.advance()
			if p.tok.kind != tDur && p.tok.kind != tNumber {
				return nil, p.expected("a period such as 5m")
			}
			sec, err := parsePeriod(p.tok)
			if err != nil {
				return nil, err
			}
			k.BinSec = sec
			p.advance()
			if p.tok.kind != tRParen {
				return nil, p.expected("')'")
			}
			p.advance()
			k.Column = p.lx.src[start:p.prev.end]
		} else {
			n, err := p.fieldName()
			if err != nil {
				return nil, err
			}
			k.Field, k.Column = n, n.Text
		}
		if p.isWord("as") {
			p.advance()
			if p.tok.kind != tIdent || p.tok.unterminated {
				return nil, p.expected("a name")
			}
			k.Alias, k.Column = p.tok.text, p.tok.text
			p.advance()
		}
		c.By = append(c.By, k)
		if p.tok.kind != tComma {
			return c, nil
		}
		p.advance()
	}
}

// parsePeriod reads bin()'s argument: a number and a unit (s, m, h, d, w).
func parsePeriod(t token) (int64, error) {
	i := 0
	for i < len(t.text) && (isDigit(t.text[i]) || t.text[i] == '.') {
		i++
	}
	n, err := strconv.ParseFloat(t.text[:i], 64)
	if err != nil || n <= 0 {
		return 0, &Error{Col: t.col, Msg: fmt.Sprintf("bin period %s is not a positive number", t.raw)}
	}
	unit := strings.ToLower(t.text[i:])
	var mul float64
	switch unit {
	case "s", "sec", "second", "seconds":
		mul = 1
	case "m", "min", "minute", "minutes":
		mul = 60
	case "h", "hr", "hour", "hours":
		mul = 3600
	case "d", "day", "days":
		mul = 86400
	case "w", "week", "weeks":
		mul = 7 * 86400
	case "":
		return 0, &Error{Col: t.col + i, Msg: fmt.Sprintf("bin period %s needs a unit (s, m, h, d or w)", t.raw)}
	default:
		return 0, &Error{Col: t.col + i, Msg: fmt.Sprintf("unknown time unit '%s' (want s, m, h, d or w)", t.text[i:])}
	}
	sec := n * mul
	if sec < 1 || sec > math.MaxInt32 {
		return 0, &Error{Col: t.col, Msg: fmt.Sprintf("bin period %s must be from 1s to about 68 years", t.raw)}
	}
	return int64(sec), nil
}

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
