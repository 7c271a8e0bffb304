package query

import (
	"bytes"
	"regexp"
	"regexp/syntax"
	"slices"

	"github.com/flowtail/flowtail/model"
)

// lineFilter is a necessary condition on a record's raw text, derived from
// the query's filters. Reading files, a line that fails it cannot match, so
// it is not parsed at all; this is what lets a headless
// `filter action = "REJECT" | stats …` keep up with decompression.
type lineFilter struct {
	// need: for each requirement, byte strings of which the line must
	// contain at least one (equality on fields kept verbatim, like on
	// text fields).
	need [][][]byte
	// msg: matches on @message. A line's @message is the line itself
	// unless the line is written in a way the parser normalises (tabs,
	// runs of spaces, leading zeros, lower-case enum words, IPv6), so on
	// a line with none of those the test is exact; others are parsed.
	msg []msgTest
	// marks and zeros: the union of the @message tests', found per chunk
	marks [][]byte
	zeros bool
}

// msgTest is `@message like …` tested on the raw line.
type msgTest struct {
	lits [][]byte // the line contains one of these (nil: no literal known)
	// marks and zeros: what could hide the literals (see marksFor)
	marks [][]byte
	zeros bool
	re    *regexp.Regexp // like /re/ or =~ /re/; nil for like "text"
	text  []byte         // like "text"
}

func (lf *lineFilter) empty() bool { return lf == nil || len(lf.need) == 0 && len(lf.msg) == 0 }

// lineFilter collects requirements from the conjunction of all filters:
// equality (or in) on action, log-status and the interned text fields,
// whose values the parser keeps byte for byte; like on those text fields;
// like and =~ on @message.
func (p *Program) lineFilter() *lineFilter {
	lf := &lineFilter{}
	var walk func(e Expr)
	walk = func(e Expr) {
		switch e := e.(type) {
		case *Logical:
			if !e.Or {
				walk(e.L)
				walk(e.R)
			}
		case *Compare:
			if e.Op != "=" {
				return
			}
			fld, lit := e.L.Field, e.R.Lit
			if fld == nil {
				fld, lit = e.R.Field, e.L.Lit
			}
			if fld == nil || lit == nil {
				return
			}
			if alts := textForms(fld.Ref, []Literal{*lit}); alts != nil {
				lf.need = append(lf.need, alts)
			}
		case *In:
			if !e.Negate {
				if alts := textForms(e.Field.Ref, e.Values); alts != nil {
					lf.need = append(lf.need, alts)
				}
			}
		case *Match:
			if !e.Negate {
				lf.match(e)
			}
		}
	}
	for _, f := range p.filters {
		walk(f)
	}
	if lf.empty() {
		return nil
	}
	for _, t := range lf.msg {
		for _, m := range t.marks {
			if !slices.ContainsFunc(lf.marks, func(b []byte) bool { return bytes.Equal(b, m) }) {
				lf.marks = append(lf.marks, m)
			}
		}
		lf.zeros = lf.zeros || t.zeros
	}
	return lf
}

// match adds what a like on @message or on a verbatim text field needs.
func (lf *lineFilter) match(e *Match) {
	var t msgTest
	if e.Regex {
		re, err := regexp.Compile(e.Pattern)
		if err != nil {
			return // the compiler reports it
		}
		t.re = re
		if sre, err := syntax.Parse(e.Pattern, syntax.Perl); err == nil {
			t.lits = requiredLiterals(sre.Simplify())
		}
	} else {
		t.text = []byte(e.Pattern)
		t.lits = [][]byte{t.text}
	}
	if e.Field.Ref == RefMessage {
		t.marks, t.zeros = marksFor(t.lits)
		lf.msg = append(lf.msg, t)
		return
	}
	if id, ok := e.Field.Ref.Field(); ok && id.Kind() == model.KindString && t.lits != nil {
		// The field's text is a part of the line, byte for byte.
		lf.need = append(lf.need, t.lits)
	}
}

// requiredLiterals returns byte strings of which any text the regex
// matches contains at least one, or nil when none is known.
func requiredLiterals(re *syntax.Regexp) [][]byte {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil
		}
		return [][]byte{[]byte(string(re.Rune))}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpConcat:
		// The most selective part: the one whose shortest literal is longest.
		var best [][]byte
		score := func(l [][]byte) int {
			return len(slices.MinFunc(l, func(a, b []byte) int { return len(a) - len(b) }))
		}
		for _, sub := range re.Sub {
			if l := requiredLiterals(sub); l != nil && (best == nil || score(l) > score(best)) {
				best = l
			}
		}
		return best
	case syntax.OpAlternate:
		var all [][]byte
		for _, sub := range re.Sub {
			l := requiredLiterals(sub)
			if l == nil || len(all)+len(l) > 16 {
				return nil
			}
			all = append(all, l...)
		}
		return all
	}
	return nil
}

// textForms is how a line spells the literals of an equality on ref, or
// nil when the field's text is not kept verbatim (numbers, addresses).
func textForms(r Ref, lits []Literal) [][]byte {
	id, ok := r.Field()
	if !ok || len(lits) == 0 {
		return nil
	}
	var alts [][]byte
	for _, lit := range lits {
		switch id.Kind() {
		case model.KindEnum:
			// The parser accepts the upper- and the lower-case spelling.
			if _, ok := enumCode(id, lit.Text); !ok || lit.Number {
				continue // this literal can never match
			}
			alts = append(alts, []byte(lit.Text), bytes.ToLower([]byte(lit.Text)))
		case model.KindString:
			if lit.Text == "" || lit.Text == "-" {
				return nil
			}
			alts = append(alts, []byte(lit.Text))
		default:
			return nil
		}
	}
	if alts == nil {
		alts = [][]byte{} // nothing can match: every line fails
	}
	return alts
}

func containsAny(line []byte, alts [][]byte) bool {
	for _, a := range alts {
		if bytes.Contains(line, a) {
			return true
		}
	}
	return false
}

// lineScan is one worker's pass of the line filter over a chunk. Rather
// than search every line for a literal, it keeps, per literal, where it
// next occurs in the chunk: lines before that are known not to hold it,
// and one search over a long stretch costs far less than one per line.
type lineScan struct {
	lf   *lineFilter
	data []byte
	need [][]int // per requirement, per alternative: next occurrence (-1: not searched)
	msg  [][]int // per @message test, per literal
	odd  []int   // odd spots not yet passed, for @message tests
}

func newLineScan(lf *lineFilter) *lineScan {
	s := &lineScan{lf: lf, need: make([][]int, len(lf.need)), msg: make([][]int, len(lf.msg))}
	for i, alts := range lf.need {
		s.need[i] = make([]int, len(alts))
	}
	for i := range lf.msg {
		s.msg[i] = make([]int, len(lf.msg[i].lits))
	}
	return s
}

// reset starts on a chunk's data.
func (s *lineScan) reset(data []byte) {
	s.data = data
	for _, c := range s.need {
		for i := range c {
			c[i] = -1
		}
	}
	for _, c := range s.msg {
		for i := range c {
			c[i] = -1
		}
	}
	if len(s.lf.msg) > 0 {
		s.odd = spots(data, s.lf.marks, s.lf.zeros, s.odd)
	}
}

// has reports whether data[start:end] holds one of alts.
func (s *lineScan) has(alts [][]byte, next []int, start, end int) bool {
	for i, a := range alts {
		if next[i] < start {
			if j := bytes.Index(s.data[start:], a); j >= 0 {
				next[i] = start + j
			} else {
				next[i] = len(s.data)
			}
		}
		if next[i]+len(a) <= end {
			return true
		}
	}
	return false
}

// pass reports whether the line data[start:end] may match. Lines that do
// not start with a digit (headers, blank or odd lines) always pass, so
// formats and malformed lines are still seen.
func (s *lineScan) pass(start, end int) bool {
	line := s.data[start:end]
	if len(line) == 0 || line[0] < '0' || line[0] > '9' {
		return true
	}
	for i, alts := range s.lf.need {
		if !s.has(alts, s.need[i], start, end) {
			return false
		}
	}
	if len(s.lf.msg) == 0 {
		return true
	}
	for len(s.odd) > 0 && s.odd[0] < start {
		s.odd = s.odd[1:]
	}
	hidden := len(s.odd) > 0 && s.odd[0] < end // a literal may be spelt otherwise here
	for i := range s.lf.msg {
		if t := &s.lf.msg[i]; t.lits != nil && !hidden && !s.has(t.lits, s.msg[i], start, end) {
			return false
		}
	}
	// The literals are there: the line is as good as its @message unless
	// it is written unlike it.
	if oddLine(line) {
		return true
	}
	line = bytes.TrimRight(line, " ")
	for i := range s.lf.msg {
		if t := &s.lf.msg[i]; t.re != nil && !t.re.Match(line) || t.re == nil && !bytes.Contains(line, t.text) {
			return false
		}
	}
	return true
}

// Spellings after which a line's @message may differ from its text. A
// literal of a like on @message is looked for in the raw line, and a line
// without it is passed over unless it holds one of the spellings that
// could hide the literal: which ones depends on the literal.
var (
	ipv6Marks      = [][]byte{[]byte(":")}                                                                                 // IPv6, written in many ways
	separatorMarks = [][]byte{[]byte("\t"), []byte("  ")}                                                                  // separators other than one space
	enumMarks      = [][]byte{[]byte(" accept"), []byte(" reject"), []byte(" ok"), []byte(" nodata"), []byte(" skipdata")} // lower-case enum words
)

// marksFor returns the spellings that could hide one of lits, and whether
// leading zeros could.
func marksFor(lits [][]byte) (marks [][]byte, zeros bool) {
	marks = append(marks, ipv6Marks...)
	var space, upper bool
	for _, l := range lits {
		for i, c := range l {
			space = space || c == ' ' || c == '\t'
			upper = upper || c >= 'A' && c <= 'Z'
			if i > 0 && c >= '0' && c <= '9' && (l[i-1] == ' ' || l[i-1] == '.' || l[i-1] == '\t') {
				zeros = true
			}
		}
	}
	if space {
		marks = append(marks, separatorMarks...)
	}
	if upper {
		marks = append(marks, enumMarks...)
	}
	return marks, zeros
}

// spots appends to out the offsets in data of the marks and, with zeros,
// of leading zeros (a '0' then a digit at the start of a number or an
// address part), sorted.
func spots(data []byte, marks [][]byte, zeros bool, out []int) []int {
	out = out[:0]
	for _, m := range marks {
		for i := 0; ; {
			j := bytes.Index(data[i:], m)
			if j < 0 {
				break
			}
			out = append(out, i+j)
			i += j + len(m)
		}
	}
	if zeros {
		for _, m := range [][]byte{[]byte(" 0"), []byte(".0"), []byte("\t0")} {
			for i := 0; ; {
				j := bytes.Index(data[i:], m)
				if j < 0 || i+j+2 >= len(data) {
					break
				}
				if c := data[i+j+2]; c >= '0' && c <= '9' {
					out = append(out, i+j)
				}
				i += j + 2
			}
		}
	}
	slices.Sort(out)
	return out
}

// oddLine reports whether a line is written in a way the parser
// normalises, so that its @message may differ from its text in more than
// trailing blanks: tabs or runs of spaces, a CR, IPv6, leading zeros, or
// lower-case enum words.
func oddLine(line []byte) bool {
	if len(line) > 1 && line[0] == '0' && line[1] >= '0' && line[1] <= '9' {
		return true
	}
	for i := 0; i < len(line); i++ {
		switch c := line[i]; c {
		case '\t', ':', '\r':
			return true
		case ' ', '.':
			if i+1 >= len(line) {
				continue
			}
			n := line[i+1]
			if c == ' ' && (n == ' ' || n >= 'a' && n <= 'z' && enumWord(line[i+1:])) {
				return true
			}
			if n == '0' && i+2 < len(line) && line[i+2] >= '0' && line[i+2] <= '9' {
				return true
			}
		}
	}
	return false
}

// enumWord reports whether b starts with a lower-case enum word the
// parser accepts.
func enumWord(b []byte) bool {
	for _, w := range enumMarks {
		if bytes.HasPrefix(b, w[1:]) {
			return true
		}
	}
	return false
}
