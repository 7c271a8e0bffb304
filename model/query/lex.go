package query

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// tokKind is the lexical class of a token.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // field, command, keyword or function name
	tNumber         // 22, 1.5, -3
	tDur            // 1m, 5s, 2h (only meaningful inside bin())
	tString         // "text" or 'text', unquoted
	tRegex          // /pattern/, without the slashes
	tOp             // = != < <= > >= =~
	tPipe           // |
	tLParen
	tRParen
	tLBrack
	tRBrack
	tComma
	tStar
	tBad // a character that starts no token
)

// token is one lexeme with its 1-based byte column and end offset, so errors
// can point at it and "after" messages can point just past it.
type token struct {
	kind tokKind
	text string // identifier, operator, literal value (unescaped)
	raw  string // the exact source text
	col  int    // 1-based start column
	end  int    // 0-based offset just past the token
	// unterminated is set for a string or regex that runs to the end of the
	// input: the user is still typing.
	unterminated bool
	// bad, for a tBad token, says what is wrong at badCol (a string's bad
	// escape); empty for a character that starts no token.
	bad    string
	badCol int
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of query"
	case tString:
		return "string " + t.raw
	case tRegex:
		return "regex " + t.raw
	}
	return "'" + t.raw + "'"
}

// lexer splits query text into tokens on demand.
type lexer struct {
	src string
	pos int
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '@'
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9' || c == '.'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// next returns the next token. Field names may contain '-' when a letter
// follows it (pkt-srcaddr, tcp-flags), as flow-log names do.
func (l *lexer) next() token {
	s := l.src
	for l.pos < len(s) && (s[l.pos] == ' ' || s[l.pos] == '\t' || s[l.pos] == '\n' || s[l.pos] == '\r') {
		l.pos++
	}
	start := l.pos
	mk := func(k tokKind, text string) token {
		return token{kind: k, text: text, raw: s[start:l.pos], col: start + 1, end: l.pos}
	}
	if l.pos >= len(s) {
		return token{kind: tEOF, col: len(s) + 1, end: len(s)}
	}
	c := s[l.pos]
	switch {
	case isIdentStart(c):
		l.pos++
		for l.pos < len(s) {
			d := s[l.pos]
			if isIdentPart(d) || d == '-' && l.pos+1 < len(s) && isLetter(s[l.pos+1]) {
				l.pos++
				continue
			}
			break
		}
		return mk(tIdent, s[start:l.pos])
	case c == '`':
		end := strings.IndexByte(s[l.pos+1:], '`')
		if end < 0 {
			l.pos = len(s)
			t := mk(tIdent, s[start+1:])
			t.unterminated = true
			return t
		}
		l.pos += end + 2
		return mk(tIdent, s[start+1:l.pos-1])
	case isDigit(c) || (c == '-' || c == '.') && l.pos+1 < len(s) && isDigit(s[l.pos+1]):
		l.pos++
		for l.pos < len(s) && (isDigit(s[l.pos]) || s[l.pos] == '.') {
			l.pos++
		}
		if e := l.pos; e+1 < len(s) && (s[e] == 'e' || s[e] == 'E') {
			d := e + 1
			if s[d] == '+' || s[d] == '-' {
				d++
			}
			if d < len(s) && isDigit(s[d]) {
				l.pos = d
				for l.pos < len(s) && isDigit(s[l.pos]) {
					l.pos++
				}
				return mk(tNumber, s[start:l.pos])
			}
		}
		if l.pos < len(s) && isLetter(s[l.pos]) {
			for l.pos < len(s) && isLetter(s[l.pos]) {
				l.pos++
			}
			return mk(tDur, s[start:l.pos])
		}
		return mk(tNumber, s[start:l.pos])
	case c == '"' || c == '\'':
		return l.quoted(c, tString)
	case c == '/':
		return l.quoted('/', tRegex)
	case c == '|':
		l.pos++
		return mk(tPipe, "|")
	case c == '(':
		l.pos++
		return mk(tLParen, "(")
	case c == ')':
		l.pos++
		return mk(tRParen, ")")
	case c == '[':
		l.pos++
		return mk(tLBrack, "[")
	case c == ']':
		l.pos++
		return mk(tRBrack, "]")
	case c == ',':
		l.pos++
		return mk(tComma, ",")
	case c == '*':
		l.pos++
		return mk(tStar, "*")
	case c == '=':
		l.pos++
		if l.pos < len(s) && s[l.pos] == '~' {
			l.pos++
			return mk(tOp, "=~")
		}
		if l.pos < len(s) && s[l.pos] == '=' { // == is a common habit; same meaning
			l.pos++
		}
		return mk(tOp, "=")
	case c == '!':
		l.pos++
		if l.pos < len(s) && s[l.pos] == '=' {
			l.pos++
			return mk(tOp, "!=")
		}
		return mk(tBad, "!")
	case c == '<' || c == '>':
		l.pos++
		if l.pos < len(s) && s[l.pos] == '=' {
			l.pos++
		}
		return mk(tOp, s[start:l.pos])
	}
	// One UTF-8 sequence, so the message quotes a whole character.
	l.pos++
	for l.pos < len(s) && s[l.pos]&0xC0 == 0x80 {
		l.pos++
	}
	return mk(tBad, s[start:l.pos])
}

// quoted reads a string or regex delimited by q. In a string, backslash
// escapes the delimiter, itself, \n, \r and \t, and writes any byte as
// \xNN and any character as \uXXXX or \u{X…} (see escape); another
// backslash stays as written. In a regex only "\/" is unescaped, so the
// pattern reaches the regexp package as written (which reads \xNN and
// \x{…} itself).
func (l *lexer) quoted(q byte, kind tokKind) token {
	s := l.src
	start := l.pos
	l.pos++
	var b []byte
	var bad string
	badCol := 0
	for l.pos < len(s) {
		c := s[l.pos]
		switch {
		case c == '\\' && l.pos+1 < len(s):
			n := s[l.pos+1]
			if n == q {
				b = append(b, q)
				l.pos += 2
				continue
			}
			if kind != tString {
				b = append(b, '\\', n)
				l.pos += 2
				continue
			}
			nb, width, msg := escape(b, s[l.pos:])
			switch {
			case width == 0: // the text ends inside the escape: still typing
				l.pos = len(s)
			case msg != "" && bad == "":
				bad, badCol = msg, l.pos+1
			}
			b = nb
			l.pos += width
			continue
		case c == q:
			l.pos++
			t := token{kind: kind, text: string(b), raw: s[start:l.pos], col: start + 1, end: l.pos}
			if bad != "" {
				t.kind, t.bad, t.badCol = tBad, bad, badCol
			}
			return t
		}
		b = append(b, c)
		l.pos++
	}
	t := token{kind: kind, text: string(b), raw: s[start:], col: start + 1, end: len(s), unterminated: true}
	if bad != "" { // no more typing mends a bad escape
		t.kind, t.bad, t.badCol, t.unterminated = tBad, bad, badCol, false
	}
	return t
}

// escape reads the escape at the start of s (s[0] is the backslash) and
// appends what it stands for to b. width is how many bytes it takes, 0
// when s ends inside it (still being typed); msg says what is wrong with
// a bad one.
func escape(b []byte, s string) (_ []byte, width int, msg string) {
	switch s[1] {
	case '\\':
		return append(b, '\\'), 2, ""
	case 'n':
		return append(b, '\n'), 2, ""
	case 'r':
		return append(b, '\r'), 2, ""
	case 't':
		return append(b, '\t'), 2, ""
	case 'x':
		k := hexRun(s[2:], 2)
		switch {
		case k == 2:
			return append(b, byte(hexValue(s[2:4]))), 4, ""
		case 2+k == len(s):
			return b, 0, ""
		}
		return b, 2 + k, fmt.Sprintf(`bad escape '%s': \x takes two hex digits, as in \x1b`, shown(s, 2+k))
	case 'u':
		if len(s) > 2 && s[2] == '{' {
			k := hexRun(s[3:], 7)
			switch {
			case 3+k == len(s) && k <= 6:
				return b, 0, ""
			case k == 0 || k > 6 || s[3+k] != '}':
				return b, 3 + k, fmt.Sprintf(`bad escape '%s': \u{…} takes one to six hex digits and a '}', as in \u{200b}`, shown(s, 3+k))
			}
			v := hexValue(s[3 : 3+k])
			if !validRune(v) {
				return b, 4 + k, fmt.Sprintf(`bad escape '%s': %s; write a byte as \xNN`, s[:4+k], notRune(v))
			}
			return utf8.AppendRune(b, rune(v)), 4 + k, ""
		}
		k := hexRun(s[2:], 4)
		switch {
		case k == 4:
		case 2+k == len(s):
			return b, 0, ""
		default:
			return b, 2 + k, fmt.Sprintf(`bad escape '%s': \u takes four hex digits, as in \u200b, or \u{…} one to six`, shown(s, 2+k))
		}
		v := hexValue(s[2:6])
		if !validRune(v) {
			return b, 6, fmt.Sprintf(`bad escape '%s': %s; write a byte as \xNN`, s[:6], notRune(v))
		}
		return utf8.AppendRune(b, rune(v)), 6, ""
	}
	return append(b, s[:2]...), 2, "" // not an escape: kept as written
}

// hexRun is how many hex digits s starts with, counting to at most n.
func hexRun(s string, n int) int {
	k := 0
	for k < len(s) && k < n && hexDigit(s[k]) >= 0 {
		k++
	}
	return k
}

// shown is a bad escape as the message quotes it: its first n bytes and
// the character that broke it, when that is a letter or a digit.
func shown(s string, n int) string {
	if n < len(s) && (isLetter(s[n]) || isDigit(s[n])) {
		n++
	}
	return s[:n]
}

// hexDigit is c's value as a hex digit, or -1.
func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// hexValue reads hex digits (hexRun found them).
func hexValue(s string) uint32 {
	var v uint32
	for i := range len(s) {
		v = v<<4 | uint32(hexDigit(s[i]))
	}
	return v
}

// validRune reports whether v is a character UTF-8 can carry (not a
// surrogate half, not past U+10FFFF).
func validRune(v uint32) bool { return v <= utf8.MaxRune && !(v >= 0xD800 && v <= 0xDFFF) }

func notRune(v uint32) string {
	if v >= 0xD800 && v <= 0xDFFF {
		return "a surrogate half is no character"
	}
	return "characters end at U+10FFFF"
}
