package query

import (
	"bytes"
	"encoding/binary"
	"math"
	"regexp"
	"regexp/syntax"
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/flowtail/flowtail/model"
	"github.com/flowtail/flowtail/model/bytemask"
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
	// runs of spaces, leading zeros, times in milliseconds, lower-case
	// enum words, IPv6), so on a line with none of those the test is
	// exact; others are parsed.
	msg []msgTest
	// marks: the union of the @message tests', found per chunk
	marks [][]byte
}

// msgTest is `@message like …` tested on the raw line.
type msgTest struct {
	// sets: the @message contains one string of each (none: no literal
	// known); pieces: the line's text then holds one string of each
	// whatever its spacing and leading zeros (see pieceSets)
	sets, pieces [][][]byte
	// marks: the spellings that could hide the pieces (see marksFor)
	marks [][]byte
	re    *regexp.Regexp // like /re/ or =~ /re/; nil for like "text"
	seq   *litSeq        // re, when it only asks for strings in order
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
			sre = sre.Simplify()
			t.sets = requiredSets(sre)
			t.seq = seqOf(sre)
		}
	} else {
		t.text = []byte(e.Pattern)
		if len(t.text) > 0 {
			t.sets = [][][]byte{{t.text}}
		}
	}
	if isMessageTest(e) {
		var all [][]byte
		for _, set := range t.sets {
			all = append(all, set...)
		}
		t.marks = marksFor(all)
		t.pieces = pieceSets(t.sets)
		lf.msg = append(lf.msg, t)
		return
	}
	if id, ok := e.Field.Ref.Field(); ok && id.Kind() == model.KindString {
		// The field's text is a part of the line, byte for byte.
		lf.need = append(lf.need, t.sets...)
	}
}

// Bounds on the literals taken from a regex: a set of more alternatives
// than maxAlts costs more searches than it saves, a string shorter than
// minLit is too common to skip anything, past maxSets the extra searches
// cost more than they could skip, and a literal of longLit bytes is not
// worth multiplying by the class after it.
const (
	maxAlts = 16
	minLit  = 3
	maxSets = 3
	// longLit: a run of literal text this long is selective enough alone
	// (`eni-0a1b2c3d[0-9a-f]` needs "eni-0a1b2c3d", not sixteen strings)
	longLit = 4
)

// requiredSets returns sets of byte strings such that any text the regex
// matches contains, for every set, at least one of its strings: the most
// selective ones (longest shortest string first), or nil when none is
// known.
func requiredSets(re *syntax.Regexp) [][][]byte {
	sets := required(re)
	sets = slices.DeleteFunc(sets, func(set [][]byte) bool { return shortest(set) < minLit })
	slices.SortStableFunc(sets, func(a, b [][]byte) int { return shortest(b) - shortest(a) })
	return sets[:min(len(sets), maxSets)]
}

func shortest(set [][]byte) int {
	if len(set) == 0 {
		return 0
	}
	return len(slices.MinFunc(set, func(a, b []byte) int { return len(a) - len(b) }))
}

// required is requiredSets before choosing: every set it knows.
func required(re *syntax.Regexp) [][][]byte {
	switch re.Op {
	case syntax.OpLiteral, syntax.OpCharClass:
		return pieces(re)
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		// Runs of parts that match a few exact strings (a literal, a small
		// class) combine into the strings the run matches, cut where the
		// combinations would grow too many; other parts add their own.
		var sets [][][]byte
		var run [][]byte // the current run's strings; nil: no run
		flush := func() {
			if run != nil {
				sets = append(sets, run)
			}
			run = nil
		}
		for _, sub := range re.Sub {
			ex := exact(sub)
			if ex == nil {
				flush()
				sets = append(sets, required(sub)...)
				continue
			}
			switch {
			case run == nil:
				run = ex
			case len(ex) > 1 && shortest(run) >= longLit:
				// A long literal is searched once; crossed with a class
				// it would be searched once per member.
				flush()
				run = ex
			case len(run)*len(ex) <= maxAlts:
				run = cross(run, ex)
			default:
				flush()
				run = ex
			}
		}
		flush()
		return sets
	case syntax.OpAlternate:
		// Each branch must bring one of its strings: its best set each.
		var all [][]byte
		for _, sub := range re.Sub {
			sets := requiredSets(sub)
			if len(sets) == 0 || len(all)+len(sets[0]) > maxAlts {
				return nil
			}
			all = append(all, sets[0]...)
		}
		return [][][]byte{all}
	}
	return nil
}

// pieces are the sets a literal or a class alone requires: the strings it
// matches when they are few; a case-folded literal too long for that is
// cut into pieces of few spellings each.
func pieces(re *syntax.Regexp) [][][]byte {
	if ex := exact(re); ex != nil {
		return [][][]byte{ex}
	}
	if re.Op != syntax.OpLiteral {
		return nil
	}
	var sets [][][]byte
	var run [][]byte
	for _, r := range re.Rune {
		forms := runeForms(r, re.Flags&syntax.FoldCase != 0)
		if run != nil && len(run)*len(forms) <= maxAlts {
			run = cross(run, forms)
			continue
		}
		if run != nil {
			sets = append(sets, run)
		}
		run = forms
	}
	if run != nil {
		sets = append(sets, run)
	}
	return sets
}

// exact returns the few strings re matches, or nil when they are many or
// not known.
func exact(re *syntax.Regexp) [][]byte {
	switch re.Op {
	case syntax.OpLiteral:
		out := [][]byte{nil}
		for _, r := range re.Rune {
			forms := runeForms(r, re.Flags&syntax.FoldCase != 0)
			if len(out)*len(forms) > maxAlts {
				return nil
			}
			out = cross(out, forms)
		}
		return out
	case syntax.OpCharClass:
		var out [][]byte
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if int(re.Rune[i+1]-re.Rune[i])+1+len(out) > maxAlts {
				return nil
			}
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				out = append(out, utf8.AppendRune(nil, r))
			}
		}
		return out
	case syntax.OpCapture:
		return exact(re.Sub[0])
	}
	return nil
}

// runeForms is how a rune may be written: itself, or every case of it.
func runeForms(r rune, fold bool) [][]byte {
	out := [][]byte{utf8.AppendRune(nil, r)}
	if fold {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			out = append(out, utf8.AppendRune(nil, f))
		}
	}
	return out
}

// cross is every string of a followed by one of b.
func cross(a, b [][]byte) [][]byte {
	out := make([][]byte, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, append(slices.Clip(x), y...))
		}
	}
	return out
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

// lineScan is one worker's pass of the line filter over a chunk. Rather
// than split the chunk into lines and search each, it searches the whole
// chunk for the rarest of the required strings (by the byte of each that
// is rarest in the data, marked in a bytemask) and looks only at the
// lines where it occurs: one search over a long stretch costs far less
// than one per line.
type lineScan struct {
	lf   *lineFilter
	data []byte
	reqs []lineReq
	// lead: the requirement searched through the chunk; the others are
	// only looked for in the lines it leads to
	lead    int
	leadAt  []int // per alternative of the lead: its next occurrence (-1: not searched)
	odd     []int // odd spots not yet passed, for @message tests
	checked int   // the line whose requirements next found, or -1
	end     int   // and where that line ends
	// other: the lines not starting with a digit not yet passed, which
	// always go to the decoder
	other   []int32
	sampled bool
	// nl marks the chunk's line ends; marks, the byte each of the lead's
	// strings is found by (leadMask[i]: the one of its alternative i), so
	// that neither the next hit nor the line around it is searched for
	nl       bytemask.Mask
	own      bytemask.Mask // nl's storage, when marked here
	ownOther []int32       // other's storage, when found here
	marks    []bytemask.Mask
	markOf   []byte
	leadMask []int
}

// lineReq is one set of strings a passing line holds one of.
type lineReq struct {
	alts []finder
	msg  bool // from an @message test: an odd spot in the line may hide it
}

// finder looks for one string by its byte that is rarest in the data.
type finder struct {
	s    []byte
	at   int  // offset in s of the byte searched for
	fold bool // s is lower-case ASCII, found in any case
	// upper: with fold, the byte searched for is the upper case of s[at]
	// (a case-blind string is two finders, one for each case of it)
	upper bool
	// word and mask: s as the low bytes of a word, when it has eight
	// bytes or fewer and is matched exactly, so that a candidate is
	// checked with one load and compare rather than a call
	word, mask uint64
}

// exactFinder returns the finder of s matched byte for byte.
func exactFinder(s []byte) finder {
	f := finder{s: s}
	if n := len(s); n > 0 && n <= 8 {
		var b [8]byte
		copy(b[:], s)
		f.word, f.mask = binary.LittleEndian.Uint64(b[:]), math.MaxUint64>>(64-8*n)
	}
	return f
}

// index returns the first occurrence of f.s in data, or -1.
func (f *finder) index(data []byte) int {
	if len(f.s) == 0 {
		return 0
	}
	b := f.s[f.at]
	if f.upper {
		b = upperASCII(b)
	}
	for i := f.at; i < len(data); {
		j := bytes.IndexByte(data[i:], b)
		if j < 0 {
			return -1
		}
		p := i + j - f.at
		if p+len(f.s) <= len(data) && f.matchAt(data, p) {
			return p
		}
		i += j + 1
	}
	return -1
}

// searched is the byte f is found by.
func (f *finder) searched() byte {
	if len(f.s) == 0 {
		return 0
	}
	if f.upper {
		return upperASCII(f.s[f.at])
	}
	return f.s[f.at]
}

// indexFrom returns the first occurrence at or after from of f.s in data,
// or -1, given the mask of f's searched byte in data.
func (f *finder) indexFrom(data []byte, m bytemask.Mask, from int) int {
	if len(f.s) == 0 {
		return from
	}
	for q := m.Next(from + f.at); q >= 0; q = m.Next(q + 1) {
		p := q - f.at
		if p+len(f.s) > len(data) {
			return -1
		}
		if f.matchAt(data, p) {
			return p
		}
	}
	return -1
}

// matchAt reports whether f.s is at data[p:], which holds len(f.s) bytes.
func (f *finder) matchAt(data []byte, p int) bool {
	if f.mask != 0 && p+8 <= len(data) {
		return binary.LittleEndian.Uint64(data[p:])&f.mask == f.word
	}
	if f.fold {
		return hasPrefixFold(data[p:], f.s)
	}
	return bytes.Equal(data[p:p+len(f.s)], f.s)
}

func newLineScan(lf *lineFilter) *lineScan {
	s := &lineScan{lf: lf, checked: -1}
	add := func(alts [][]byte, msg bool) {
		r := lineReq{msg: msg}
		if lo, ok := caseClosure(alts); ok {
			r.alts = []finder{{s: lo, fold: true}, {s: lo, fold: true, upper: true}}
		} else {
			for _, a := range alts {
				r.alts = append(r.alts, exactFinder(a))
			}
		}
		s.reqs = append(s.reqs, r)
	}
	for _, alts := range lf.need {
		add(alts, false)
	}
	for _, t := range lf.msg {
		for _, alts := range t.pieces {
			add(alts, true)
		}
	}
	return s
}

// caseClosure reports whether alts are every spelling, in upper and lower
// case, of one ASCII string with two letters or more (as a case-blind
// regex spells out a word), and that string in lower case: one search
// in either case then does for them all.
func caseClosure(alts [][]byte) ([]byte, bool) {
	if len(alts) < 4 {
		return nil, false
	}
	lo := bytes.ToLower(alts[0])
	letters := 0
	for _, c := range lo {
		if c >= utf8.RuneSelf {
			return nil, false
		}
		if c >= 'a' && c <= 'z' {
			letters++
		}
	}
	if letters >= 31 || len(alts) != 1<<letters {
		return nil, false
	}
	seen := map[string]bool{}
	for _, a := range alts {
		if len(a) != len(lo) || !hasPrefixFold(a, lo) {
			return nil, false
		}
		seen[string(a)] = true
	}
	return lo, len(seen) == len(alts)
}

// sample picks, from the bytes of a first chunk, each string's rarest
// byte and the requirement whose strings' bytes occur least: the lead.
func (s *lineScan) sample(data []byte) {
	s.sampled = true
	var freq [256]int
	for _, c := range data[:min(len(data), 64<<10)] {
		freq[c]++
	}
	best := -1
	for i := range s.reqs {
		hits := 0
		for k := range s.reqs[i].alts {
			f := &s.reqs[i].alts[k]
			count := func(c byte) int {
				if f.fold && upperASCII(c) != c {
					return freq[c] + freq[upperASCII(c)]
				}
				return freq[c]
			}
			for j, c := range f.s {
				if count(c) < count(f.s[f.at]) {
					f.at = j
				}
			}
			if len(f.s) > 0 {
				hits += count(f.s[f.at]) + 1
			}
		}
		if best < 0 || hits < best {
			best, s.lead = hits, i
		}
	}
	if len(s.reqs) > 0 {
		alts := s.reqs[s.lead].alts
		s.leadAt = make([]int, len(alts))
		s.leadMask = make([]int, len(alts))
		for i := range alts {
			b := alts[i].searched()
			k := slices.Index(s.markOf, b)
			if k < 0 {
				k = len(s.markOf)
				s.markOf = append(s.markOf, b)
				s.marks = append(s.marks, nil)
			}
			s.leadMask[i] = k
		}
	}
}

// reset starts on a chunk's data; nl marks its line ends unless nil;
// other lists the offsets of its lines that do not start with a digit
// when known (else they are found here).
func (s *lineScan) reset(data []byte, nl bytemask.Mask, other []int32, known bool) {
	if !s.sampled {
		s.sample(data)
	}
	marked := 0 // lead bytes marked with the line ends
	switch {
	case nl != nil:
		s.nl = nl
	case len(s.markOf) > 0:
		s.own, s.marks[0] = bytemask.Of2(s.own, s.marks[0], data, '\n', s.markOf[0])
		s.nl, marked = s.own, 1
	default:
		s.own = bytemask.Of(s.own, data, '\n')
		s.nl = s.own
	}
	for k := marked; k < len(s.markOf); k++ {
		s.marks[k] = bytemask.Of(s.marks[k], data, s.markOf[k])
	}
	if !known {
		other = OtherLines(data, s.nl, s.ownOther[:0])
		s.ownOther = other
	}
	s.data, s.other, s.checked = data, other, -1
	for i := range s.leadAt {
		s.leadAt[i] = -1
	}
	if len(s.lf.msg) > 0 {
		s.odd = spots(data, s.lf.marks, s.odd)
	}
}

// leadFrom returns the first occurrence at or after from of one of the
// lead's strings, or len(data). from only grows within a chunk, so each
// string's next occurrence is searched for once.
func (s *lineScan) leadFrom(from int) int {
	first := len(s.data)
	for i := range s.reqs[s.lead].alts {
		if s.leadAt[i] < from {
			if j := s.reqs[s.lead].alts[i].indexFrom(s.data, s.marks[s.leadMask[i]], from); j >= 0 {
				s.leadAt[i] = j
			} else {
				s.leadAt[i] = len(s.data)
			}
		}
		first = min(first, s.leadAt[i])
	}
	return first
}

// leadIn reports whether one of the lead's strings found at p lies whole
// within a line ending at end.
func (s *lineScan) leadIn(p, end int) bool {
	for i := range s.leadAt {
		if s.leadAt[i] == p && p+len(s.reqs[s.lead].alts[i].s) <= end {
			return true
		}
	}
	return false
}

// has reports whether line holds one of r's strings.
func (r *lineReq) has(line []byte) bool {
	for i := range r.alts {
		if r.alts[i].index(line) >= 0 {
			return true
		}
	}
	return false
}

func (s *lineScan) lineEnd(p int) int { return s.nl.NextOr(p, len(s.data)) }

// lineStart returns the start of the line holding p, not before from.
func (s *lineScan) lineStart(from, p int) int {
	return max(from, s.nl.Prev(p)+1)
}

// next returns the start of the first line at or after pos (a line
// start) that may pass, or len(data): the lines before it all fail.
// Lines that do not start with a digit, and lines with an odd spot that
// may hide an @message literal, are handed over whatever they hold.
func (s *lineScan) next(pos int) int {
	if len(s.reqs) == 0 || pos >= len(s.data) {
		return pos
	}
	wild := len(s.data)
	for len(s.other) > 0 && int(s.other[0]) < pos {
		s.other = s.other[1:]
	}
	if len(s.other) > 0 {
		wild = int(s.other[0])
	}
	for len(s.odd) > 0 && s.odd[0] < pos {
		s.odd = s.odd[1:]
	}
	if len(s.odd) > 0 && s.odd[0] < wild {
		wild = s.lineStart(pos, s.odd[0])
	}
	for cur := pos; cur < wild; {
		p := s.leadFrom(cur)
		if p >= wild {
			return wild
		}
		start := s.lineStart(cur, p)
		end := s.lineEnd(p)
		line := s.data[start:end]
		ok := true
		for i := range s.reqs {
			if i != s.lead && !s.reqs[i].has(line) {
				ok = false
				break
			}
		}
		if ok {
			if !s.leadIn(p, end) && !s.reqs[s.lead].has(line) {
				return start // a string across lines: pass decides
			}
			s.checked, s.end = start, end
			return start
		}
		cur = end + 1
	}
	return wild
}

// pass reports whether the line data[start:end] may match, and whether
// its text, taken as its @message, passes the tests on @message (matched:
// the record then passes them too when the line is written as its
// @message). Lines that do not start with a digit (headers, blank or odd
// lines) always pass, so formats and malformed lines are still seen.
func (s *lineScan) pass(start, end int) (ok, matched bool) {
	line := s.data[start:end]
	if len(line) == 0 || line[0] < '0' || line[0] > '9' {
		return true, false
	}
	if len(s.lf.msg) > 0 {
		for len(s.odd) > 0 && s.odd[0] < start {
			s.odd = s.odd[1:]
		}
	}
	hidden := len(s.odd) > 0 && s.odd[0] < end // a literal may be spelt otherwise here
	if start != s.checked {
		for i := range s.reqs {
			if r := &s.reqs[i]; !(r.msg && hidden) && !r.has(line) {
				return false, false
			}
		}
	}
	if len(s.lf.msg) == 0 {
		return true, false
	}
	// The literals are there. A line whose text does not match can still
	// match through its @message only when it is written unlike it.
	text := bytes.TrimRight(line, " ")
	for i := range s.lf.msg {
		if !s.lf.msg[i].matchText(text) {
			return oddLine(line), false
		}
	}
	return true, true
}

// matchText reports whether the test holds on text taken as the @message.
func (t *msgTest) matchText(text []byte) bool {
	switch {
	case t.seq != nil:
		return t.seq.match(text)
	case t.re != nil:
		return t.re.Match(text)
	}
	return bytes.Contains(text, t.text)
}

// Spellings after which a line's @message may differ from its text. A
// literal of a like on @message is looked for in the raw line, and a line
// without it is passed over unless it holds one of the spellings that
// could hide the literal: which ones depends on the literal.
var (
	ipv6Marks = [][]byte{[]byte(":")}                                                                                 // IPv6, written in many ways
	enumMarks = [][]byte{[]byte(" accept"), []byte(" reject"), []byte(" ok"), []byte(" nodata"), []byte(" skipdata")} // lower-case enum words
)

// marksFor returns the spellings that could hide one of lits' pieces. A
// spelling can hide a piece only where the token it spells (an address,
// an enum word) overlaps the literal's text in the @message, so the
// literal's space-separated pieces are compared with what such a token
// can look like.
func marksFor(lits [][]byte) (marks [][]byte) {
	var ipv6 bool
	enums := make([]bool, len(enumMarks))
	for _, l := range lits {
		pieces := bytes.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == '\t' })
		for k, piece := range pieces {
			// The first and last pieces may be part of a token; the
			// others are whole tokens.
			first := k == 0 && l[0] != ' ' && l[0] != '\t'
			last := k == len(pieces)-1 && l[len(l)-1] != ' ' && l[len(l)-1] != '\t'
			ipv6 = ipv6 || mayBeIPv6(piece, first || last)
			for w, m := range enumMarks {
				word := bytes.ToUpper(m[1:])
				switch {
				case first && last:
					enums[w] = enums[w] || bytes.Contains(word, piece)
				case first:
					enums[w] = enums[w] || bytes.HasSuffix(word, piece)
				case last:
					enums[w] = enums[w] || bytes.HasPrefix(word, piece)
				default:
					enums[w] = enums[w] || bytes.Equal(word, piece)
				}
			}
		}
	}
	if ipv6 {
		marks = append(marks, ipv6Marks...)
	}
	for w, m := range enumMarks {
		if enums[w] {
			marks = append(marks, m)
		}
	}
	return marks
}

// pieceSets turns the strings an @message must hold into the strings the
// line's text then holds: the pieces between spaces. A line writes its
// fields apart with any run of spaces or tabs and its numbers with
// leading zeros or in milliseconds, all of which the @message undoes,
// but only ever around a piece, never inside it, so searching the raw
// text for the pieces needs no look for such spellings. A lone string
// gives a set for each of its pieces, longest first; a string among
// others, its longest piece. Pieces shorter than minLit would skip
// nothing and are left out (a set with one such string: the whole set).
func pieceSets(sets [][][]byte) [][][]byte {
	var out [][][]byte
	for _, set := range sets {
		if len(set) == 1 {
			pieces := bytes.FieldsFunc(set[0], isBlankRune)
			slices.SortStableFunc(pieces, func(a, b []byte) int { return len(b) - len(a) })
			for _, p := range pieces[:min(len(pieces), maxSets)] {
				if len(p) >= minLit {
					out = append(out, [][]byte{p})
				}
			}
			continue
		}
		var alts [][]byte
		for _, str := range set {
			var p []byte
			for _, piece := range bytes.FieldsFunc(str, isBlankRune) {
				if len(piece) > len(p) {
					p = piece
				}
			}
			if len(p) < minLit {
				alts = nil
				break
			}
			if !slices.ContainsFunc(alts, func(a []byte) bool { return bytes.Equal(a, p) }) {
				alts = append(alts, p)
			}
		}
		if len(alts) > 0 {
			out = append(out, alts)
		}
	}
	return out
}

func isBlankRune(r rune) bool { return r == ' ' || r == '\t' }

func isBlankByte(c byte) bool { return c == ' ' || c == '\t' }

// mayBeIPv6 reports whether piece can be (part of, when partial) an IPv6
// address as @message writes it.
func mayBeIPv6(piece []byte, partial bool) bool {
	for _, c := range piece {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == ':' || c == '.') {
			return false
		}
	}
	return partial || bytes.IndexByte(piece, ':') >= 0
}

// spots appends to out the offsets in data of the marks, sorted.
func spots(data []byte, marks [][]byte, out []int) []int {
	out = out[:0]
	for _, m := range marks {
		// A word after a blank is searched without the blank: blanks are
		// everywhere, letters rare, and bytes.Index leaps by the first byte.
		// The parser splits fields at tabs as at spaces, so a tab before
		// the word counts as the space of the mark.
		after := len(m) > 2 && m[0] == ' '
		if after {
			m = m[1:]
		}
		for i := 0; ; {
			j := bytes.Index(data[i:], m)
			if j < 0 {
				break
			}
			if !after {
				out = append(out, i+j)
			} else if i+j > 0 && isBlankByte(data[i+j-1]) {
				out = append(out, i+j-1)
			}
			i += j + len(m)
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
	if len(line) > 1 && line[0] == '0' && line[1]-'0' <= 9 {
		return true
	}
	tok := 0 // where the current token starts
	for i := 0; i < len(line); i++ {
		k := oddClass[line[i]]
		if k == 0 {
			continue
		}
		if k == oddAlways {
			return true
		}
		if k == oddSpace {
			if i-tok >= msDigits && allDigits(line[tok:i]) {
				return true // a time in milliseconds, which @message writes in seconds
			}
			tok = i + 1
		}
		if i+1 < len(line) {
			n := line[i+1]
			if k == oddSpace && (n == ' ' || n-'a' < 26 && enumWord(line[i+1:])) {
				return true
			}
			if n == '0' && i+2 < len(line) && line[i+2]-'0' <= 9 {
				return true // a leading zero
			}
		}
	}
	return len(line)-tok >= msDigits && allDigits(line[tok:])
}

// oddClass sorts the bytes oddLine looks at: most it passes over.
var oddClass = [256]uint8{'\t': oddAlways, ':': oddAlways, '\r': oddAlways, ' ': oddSpace, '.': oddDot}

const (
	oddAlways = 1 + iota // a tab, IPv6 or a CR
	oddSpace             // a space: what follows may be odd, and a token ends
	oddDot               // a dot: a leading zero may follow
)

func allDigits(b []byte) bool {
	for _, c := range b {
		if c-'0' > 9 {
			return false
		}
	}
	return true
}

// msDigits is the length of a time in milliseconds (see model's setUint)
// from 2001 on; twelve digits are an account id.
const msDigits = 13

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

// litSeq is a regex that only asks for a few exact strings in order, with
// `.*` between them (`eni-0a.*REJECT`, `^2 123`, ` OK$`, `REJECT|NODATA`):
// on one line it matches exactly when they occur in that order, which
// bytes.Index answers much faster than the regex engine.
type litSeq struct {
	parts      [][][]byte // each: the strings one part matches
	fold       []bool     // per part: its one string is lower-case ASCII, matched in any case
	begin, end bool       // the first part starts the line; the last ends it
}

// seqOf returns the litSeq re is, or nil.
func seqOf(re *syntax.Regexp) *litSeq {
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	s := &litSeq{}
	var run [][]byte
	runFold := false
	flush := func() {
		s.parts = append(s.parts, run)
		s.fold = append(s.fold, runFold)
		run, runFold = nil, false
	}
	lastStar := false
	for i, sub := range subs {
		switch {
		case sub.Op == syntax.OpBeginText || sub.Op == syntax.OpBeginLine:
			if i != 0 {
				return nil
			}
			s.begin = true
		case sub.Op == syntax.OpEndText || sub.Op == syntax.OpEndLine:
			if i != len(subs)-1 || run == nil {
				return nil
			}
			s.end = true
		case sub.Op == syntax.OpStar && (sub.Sub[0].Op == syntax.OpAnyCharNotNL || sub.Sub[0].Op == syntax.OpAnyChar):
			if run != nil {
				flush()
			} else if len(s.parts) == 0 {
				s.begin = false // `^.*x` is `x`
			}
			lastStar = true
			continue
		default:
			ex := exact(sub)
			if ex == nil {
				// A case-blind word too long to spell out stands alone
				// between .* (or the line's ends).
				lit := foldLiteral(sub)
				if lit == nil || run != nil {
					return nil
				}
				run, runFold = [][]byte{lit}, true
				break
			}
			if runFold {
				return nil
			}
			if run == nil {
				run = ex
			} else if len(run)*len(ex) <= maxAlts {
				run = cross(run, ex)
			} else {
				return nil
			}
		}
		lastStar = false
	}
	if run != nil {
		flush()
	}
	if len(s.parts) == 0 || lastStar && s.end {
		return nil
	}
	return s
}

// foldLiteral returns a case-blind literal of ASCII as lower-case bytes,
// or nil. Letters whose case folding leaves ASCII (k to the Kelvin sign,
// s to the long s) are left to the regex engine.
func foldLiteral(re *syntax.Regexp) []byte {
	if re.Op != syntax.OpLiteral || re.Flags&syntax.FoldCase == 0 {
		return nil
	}
	var b []byte
	for _, r := range re.Rune {
		if r >= utf8.RuneSelf || r == 'k' || r == 'K' || r == 's' || r == 'S' {
			return nil
		}
		b = append(b, byte(unicode.ToLower(r)))
	}
	return b
}

// nextAt is the first occurrence of c in b at or after i (len(b): none),
// given next, the one found before, still good when not below i.
func nextAt(b []byte, i int, c byte, next int) int {
	if next >= i {
		return next
	}
	if j := bytes.IndexByte(b[i:], c); j >= 0 {
		return i + j
	}
	return len(b)
}

// upperASCII is c in upper case when it is a lower-case ASCII letter.
func upperASCII(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// foldEq reports whether c is lower-case ASCII p in either case.
func foldEq(c, p byte) bool {
	if p >= 'a' && p <= 'z' {
		return c|0x20 == p
	}
	return c == p
}

func hasPrefixFold(b, p []byte) bool {
	if len(b) < len(p) {
		return false
	}
	for i, c := range p {
		if !foldEq(b[i], c) {
			return false
		}
	}
	return true
}

// indexFold is bytes.Index for a lower-case ASCII p matched in either
// case: it leaps with bytes.IndexByte to p's last byte in each case.
func indexFold(b, p []byte) int {
	if len(p) == 0 {
		return 0
	}
	last := len(p) - 1
	lo := p[last]
	up := upperASCII(lo)
	nextLo, nextUp := -1, -1 // next occurrence of each at or after i, once looked for
	for i := last; i < len(b); {
		nextLo, nextUp = nextAt(b, i, lo, nextLo), nextAt(b, i, up, nextUp)
		j := min(nextLo, nextUp)
		if j >= len(b) {
			return -1
		}
		if hasPrefixFold(b[j-last:], p) {
			return j - last
		}
		i = j + 1
	}
	return -1
}

// match reports whether line (one line, no newline) matches.
func (s *litSeq) match(line []byte) bool {
	pos := 0
	for i, part := range s.parts {
		last := i == len(s.parts)-1
		fold := s.fold[i]
		switch {
		case last && s.end:
			for _, a := range part {
				if len(line)-len(a) >= pos && s.hasPrefix(line[len(line)-len(a):], a, fold) && (!s.begin || i > 0 || len(a) == len(line)) {
					return true
				}
			}
			return false
		case i == 0 && s.begin:
			// The shortest string that starts the line ends first.
			end := -1
			for _, a := range part {
				if s.hasPrefix(line, a, fold) && (end < 0 || len(a) < end) {
					end = len(a)
				}
			}
			if end < 0 {
				return false
			}
			pos = end
		default:
			// The occurrence that ends first leaves the most room.
			end := -1
			for _, a := range part {
				j := -1
				if fold {
					j = indexFold(line[pos:], a)
				} else {
					j = bytes.Index(line[pos:], a)
				}
				if j >= 0 && (end < 0 || pos+j+len(a) < end) {
					end = pos + j + len(a)
				}
			}
			if end < 0 {
				return false
			}
			pos = end
		}
	}
	return true
}

func (s *litSeq) hasPrefix(b, p []byte, fold bool) bool {
	if fold {
		return hasPrefixFold(b, p)
	}
	return bytes.HasPrefix(b, p)
}
