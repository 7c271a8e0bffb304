package query

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/flowtail/flowtail/model"
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
			msg := fmt.Sprintf("unknown command '%s' (want fields, filter, stats, sort, limit, display or dedup)", t.raw)
			if _, typo := model.ClosestField(t.text); typo {
				msg = unknownField(t.raw) // dstprot = 22: a filter with a misspelt field
			}
			return nil, &Error{Col: t.col, Msg: msg,
				Incomplete: t.end == len(text) && (isCommandPrefix(t.text) || isNamePrefix(t.text))}
		}
	}
	if p.tok.kind != tIdent || !isCommand(p.tok.text) || p.peekIs(tOp) {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		q.Commands = append(q.Commands, &FilterCmd{Col: 1, Expr: e})
		switch p.tok.kind {
		case tEOF:
			return q, nil
		case tPipe:
			// Commands follow commands: the expression alone is a filter.
			return nil, &Error{Col: p.tok.col, Msg: "'|' follows commands: write 'filter' before the expression to add commands after it"}
		}
		return nil, p.unexpected("end of query")
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
		if p.tok.bad != "" {
			return &Error{Col: p.tok.badCol, Msg: p.tok.bad}
		}
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

// unknownField says a name is no field, and which field it is a typo of
// when it is one or two keystrokes from one.
func unknownField(name string) string {
	if known, ok := model.ClosestField(name); ok {
		return fmt.Sprintf("did you mean %s? (unknown field '%s')", known, name) // the bar cuts a long message
	}
	return fmt.Sprintf("unknown field '%s'", name)
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
		msg := unknownField(n.Text)
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
